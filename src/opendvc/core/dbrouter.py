"""Reads from a PostgreSQL replica (``DATABASE_REPLICA_URL``): reports and public pages only.

A streaming replica is a few hundred milliseconds behind the primary at worst. Nothing that must
see its own writes may read from it, so the rule is narrow:

- a request may read from the replica only when it is a GET or HEAD to a public page (catalog and
  procedure pages, public lookup, Q&A, published results, the status page, the home page) or to a
  report, made by nobody signed in (signed-in users, staff above all, read from the primary; reports
  are the exception: they tolerate seconds of lag and are the heaviest reads);
- only the models of the public apps are read there; sessions, accounts, tokens, audit entries, rate
  counters and everything else always come from the primary;
- inside a transaction, after the first write of the request, and for a few seconds after a request
  that wrote (a cookie pins the browser to the primary: the page after a POST/redirect sees the
  write), every read goes to the primary;
- background tasks and commands read from the primary unless they ask with :func:`replica_reads`;
- a replica that does not answer is left alone for ``REPLICA_RETRY_SECONDS``: its reads go to the
  primary meanwhile (a warning is logged), so the public pages stay up when only the replica is down.

Without ``DATABASE_REPLICA_URL`` there is no ``replica`` alias and the router always answers
``default``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "opendvc_primary"
# After a failed connection to the replica, this process reads from the primary for this long before
# trying the replica again.
REPLICA_RETRY_SECONDS = 30.0
_replica_down_until = 0.0

# Models that public pages and reports read. Everything else stays on the primary.
REPLICA_APPS = frozenset(
    {
        "catalog",
        "agencies",
        "worktime",
        "eforms",
        "dossiers",
        "workflow",
        "feedback",
        "ops",
        "surveys",
        "reports",
    }
)
PUBLIC_PATHS = re.compile(
    r"^/(?:$|thu-tuc/|co-quan/|tra-cuu/|hoi-dap/|ket-qua-giai-quyet/|trang-thai/"
    r"|api/v1/procedures|api/v1/public/)"
)
# Figures pages: the feedback statistics, the reports' figures and drill-down, the public transparency
# page, its CSV and API. The report requests, files and submissions (``/quan-tri/bao-cao/<id>/…``)
# are rows the officer has just written: they stay on the primary.
REPORT_PATHS = re.compile(
    r"^/(?:quan-tri/phan-anh/thong-ke/|quan-tri/bao-cao/(?:$|chi-tiet-so-lieu/)|minh-bach/"
    r"|api/v1/transparency)"
)

_replica_allowed: ContextVar[bool] = ContextVar("replica_allowed", default=False)
_wrote: ContextVar[bool] = ContextVar("wrote", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _replica_answers() -> bool:
    """Whether this thread's connection to the replica is open or can be opened (one attempt per
    REPLICA_RETRY_SECONDS while it is down)."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError as exc:
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        logger.warning("replica unreachable, reading from the primary: %s", type(exc).__name__)
        return False
    return True


@contextlib.contextmanager
def replica_reads():
    """Let the code inside read the public apps' models from the replica (reports in tasks)."""
    allowed, wrote = _replica_allowed.set(True), _wrote.set(False)
    try:
        yield
    finally:
        _replica_allowed.reset(allowed)
        _wrote.reset(wrote)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _replica_allowed.get()
            and not _wrote.get()
            and model._meta.app_label in REPLICA_APPS
            and not connections[PRIMARY].in_atomic_block
            and replica_configured()
            and _replica_answers()
        ):
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        # From the first write on, this request (or task) reads what it wrote: the primary.
        _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives the schema from the primary by replication, never by migrations.
        return db == PRIMARY


class ReplicaMiddleware:
    """Decide per request whether reads may go to the replica, and pin a browser that just wrote
    to the primary for ``DATABASE_REPLICA_PIN_SECONDS``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        allowed = self._may_use_replica(request)
        tokens = (_replica_allowed.set(allowed), _wrote.set(False))
        try:
            response = self.get_response(request)
            wrote = _wrote.get()
        finally:
            _replica_allowed.reset(tokens[0])
            _wrote.reset(tokens[1])
        if wrote or request.method not in {"GET", "HEAD", "OPTIONS"}:
            seconds = settings.DATABASE_REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    @staticmethod
    def _may_use_replica(request) -> bool:
        if request.method not in {"GET", "HEAD"} or PIN_COOKIE in request.COOKIES:
            return False
        if REPORT_PATHS.match(request.path):
            return True
        if not PUBLIC_PATHS.match(request.path):
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated)
