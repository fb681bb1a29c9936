"""The replica router's rule, request by request (the PostgreSQL test with two real databases is
test_replica_routing.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory

from opendvc.catalog.models import Procedure
from opendvc.core import dbrouter
from opendvc.core.dbrouter import PIN_COOKIE, ReplicaMiddleware, ReplicaRouter, replica_reads


@pytest.fixture(autouse=True)
def _replica(monkeypatch):
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    # The rule alone: a replica that answers (test_replica_routing.py runs one that does not).
    monkeypatch.setattr(dbrouter, "_replica_answers", lambda: True)


def _request(path, method="GET", user=None, cookies=None):
    request = getattr(RequestFactory(), method.lower())(path)
    request.user = user or AnonymousUser()
    request.COOKIES.update(cookies or {})
    return request


class _User:
    is_authenticated = True


@pytest.mark.parametrize(
    ("path", "method", "user", "cookies", "expected"),
    [
        ("/", "GET", None, None, True),
        ("/thu-tuc/1.001193/", "GET", None, None, True),
        ("/tra-cuu/", "GET", None, None, True),
        ("/hoi-dap/", "HEAD", None, None, True),
        ("/trang-thai/", "GET", None, None, True),
        ("/api/v1/procedures", "GET", None, None, True),
        ("/thu-tuc/1.001193/", "POST", None, None, False),
        ("/thu-tuc/1.001193/", "GET", _User(), None, False),
        ("/thu-tuc/1.001193/", "GET", None, {PIN_COOKIE: "1"}, False),
        ("/ho-so-cua-toi/", "GET", None, None, False),
        ("/mot-cua/ho-so/", "GET", None, None, False),
        # Reports read the replica even for staff; not after a write of theirs.
        ("/quan-tri/phan-anh/thong-ke/", "GET", _User(), None, True),
        ("/quan-tri/phan-anh/thong-ke/", "GET", _User(), {PIN_COOKIE: "1"}, False),
        ("/quan-tri/bao-cao/", "GET", _User(), None, True),
        ("/quan-tri/bao-cao/chi-tiet-so-lieu/", "GET", _User(), None, True),
        ("/minh-bach/", "GET", None, None, True),
        ("/minh-bach/du-lieu.csv", "GET", None, None, True),
        ("/api/v1/transparency", "GET", None, None, True),
        # A report just requested, its progress and files: the primary.
        ("/quan-tri/bao-cao/7c1e3f0a-0000-4000-8000-000000000000/", "GET", _User(), None, False),
        ("/quan-tri/bao-cao/lap/", "POST", _User(), None, False),
    ],
)
def test_which_requests_may_read_the_replica(path, method, user, cookies, expected):
    assert ReplicaMiddleware._may_use_replica(_request(path, method, user, cookies)) is expected


def test_router_sends_public_models_only_and_never_after_a_write(monkeypatch):
    router = ReplicaRouter()
    from opendvc.accounts.models import User

    assert router.db_for_read(Procedure) == "default"  # outside a request: the primary
    with replica_reads():
        assert router.db_for_read(Procedure) == "replica"
        assert router.db_for_read(User) == "default"
        # Inside a transaction of the primary, reads stay with it.
        monkeypatch.setattr(connections["default"], "in_atomic_block", True)
        assert router.db_for_read(Procedure) == "default"
        monkeypatch.setattr(connections["default"], "in_atomic_block", False)
        assert router.db_for_read(Procedure) == "replica"
        assert router.db_for_write(Procedure) == "default"
        assert router.db_for_read(Procedure) == "default"
    assert router.allow_migrate("replica", "catalog") is False
    assert router.allow_migrate("default", "catalog") is True


def test_middleware_pins_a_browser_that_wrote(settings):
    def view(request):
        assert dbrouter._replica_allowed.get() is True
        ReplicaRouter().db_for_write(Procedure)
        return HttpResponse("ok")

    response = ReplicaMiddleware(view)(_request("/thu-tuc/1.001193/"))
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.DATABASE_REPLICA_PIN_SECONDS
    untouched = ReplicaMiddleware(lambda r: HttpResponse("ok"))(_request("/thu-tuc/1.001193/"))
    assert PIN_COOKIE not in untouched.cookies
