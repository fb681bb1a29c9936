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
# Responses whose after-work is queued or running, in this process (``wait_idle``).
_busy = 0
_idle = threading.Condition()


def after_response(func: Callable[[], object]) -> None:
    """Run ``func`` once the current response has been sent, or now when there is no request."""
    request = _current_request.get()
    if request is None:
        func()
        return
    global _busy
    queue = getattr(_pending, "queue", None)
    if queue is None:
        queue = _pending.queue = []
        with _idle:
            _busy += 1
    # Run with the request it follows (links to the portal are made from its address when
    # ``PORTAL_BASE_URL`` is unset).
    queue.append((func, request))


def run_pending(**_kwargs) -> None:
    """Run the work queued by the request this thread has just answered, and whatever that work
    queues in turn (it runs with the request as the current one)."""
    global _busy
    while True:
        queue = getattr(_pending, "queue", None)
        _pending.queue = None
        if queue is None:
            return
        try:
            for func, request in queue:
                token = _current_request.set(request)
                try:
                    func()
                except Exception:
                    logger.exception("work after the response failed")
                finally:
                    _current_request.reset(token)
        finally:
            with _idle:
                _busy -= 1
                _idle.notify_all()


def wait_idle(timeout: float = 60.0) -> bool:
    """Wait until no response of this process has after-work queued or running (a server run in a
    thread of the same process, e.g. a test's live server). True when idle."""
    with _idle:
        return _idle.wait_for(lambda: _busy == 0, timeout)


request_finished.connect(run_pending, dispatch_uid="opendvc-after-response")
