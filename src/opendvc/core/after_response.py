"""Work that must not hold up the person waiting for the page: run it after the response is sent.

With a broker configured, slow work (mail, PDFs) goes to Celery workers. The embedded default has no
broker and runs tasks in process; ``after_response`` keeps them out of the request all the same: inside
a request the callable runs when the server has sent the response and closes it (Django's
``request_finished``, sent by the WSGI server's ``close()``), outside a request (a command, a worker,
a test without a request) it runs at once. A failure is logged, never raised to the closed request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.core.signals import request_finished

from .links import _current_request

logger = logging.getLogger(__name__)
_pending = threading.local()


def after_response(func: Callable[[], object]) -> None:
    """Run ``func`` once the current response has been sent, or now when there is no request."""
    if _current_request.get() is None:
        func()
        return
    queue = getattr(_pending, "queue", None)
    if queue is None:
        queue = _pending.queue = []
    queue.append(func)


def run_pending(**_kwargs) -> None:
    queue = getattr(_pending, "queue", None)
    _pending.queue = None
    for func in queue or ():
        try:
            func()
        except Exception:
            logger.exception("work after the response failed")


request_finished.connect(run_pending, dispatch_uid="opendvc-after-response")
