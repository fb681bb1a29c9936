"""Mail without a broker is sent after the response, not inside the request."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished
from django.http import HttpRequest

from opendvc.core.after_response import after_response, run_pending
from opendvc.core.links import _current_request


def test_outside_a_request_the_work_runs_at_once():
    done = []
    after_response(lambda: done.append(1))
    assert done == [1]


def test_inside_a_request_the_work_waits_for_the_response_to_close(db):
    done = []
    token = _current_request.set(HttpRequest())
    try:
        after_response(lambda: done.append("mail"))
        after_response(lambda: 1 / 0)  # a failure is logged, the others still run
        after_response(lambda: done.append("pdf"))
        assert done == []
    finally:
        _current_request.reset(token)
    request_finished.send(sender=None)
    assert done == ["mail", "pdf"]
    request_finished.send(sender=None)
    assert done == ["mail", "pdf"]


@pytest.mark.django_db(transaction=True)
def test_a_submission_mails_the_applicant_after_its_response(client, mailoutbox, settings, eager_tasks):
    """Over the test client (which closes the response as a WSGI server does): the email is not sent
    while the view runs, and is sent once the response is closed."""
    import uuid

    from django.core import mail

    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies import demo as agencies_demo
    from opendvc.api.services import api_token_create
    from opendvc.dossiers.tests.conftest import JUSTICE, make_procedure

    settings.CELERY_TASK_ALWAYS_EAGER = True
    agencies_demo.seed()
    procedure = make_procedure(components=(("Giấy tờ khác", False),))
    citizen = UserFactory(email="hoa@example.vn")
    token = api_token_create(owner=citizen, name="t", scopes=["*"])[1]
    # Hold the pending work back: the response is closed, nothing has been sent yet.
    request_finished.disconnect(dispatch_uid="opendvc-after-response")
    try:
        r = client.post(
            "/api/v1/dossiers",
            {
                "procedure": procedure.code,
                "agency": JUSTICE,
                "data": {},
                "files": [],
                "submit": True,
                "declaration": True,
            },
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        assert r.status_code == 201, r.content
        assert mail.outbox == []
    finally:
        request_finished.connect(run_pending, dispatch_uid="opendvc-after-response")
    run_pending()
    assert [m.to for m in mail.outbox] == [["hoa@example.vn"]]


def test_work_queued_by_the_work_runs_too(db):
    """The after-work of a request may queue more (a result made after the response issues the online
    return, which records its own document): it runs in the same pass, not at the next request."""
    from opendvc.core.after_response import wait_idle

    done = []

    def first():
        done.append("first")
        after_response(lambda: done.append("second"))

    token = _current_request.set(HttpRequest())
    try:
        after_response(first)
    finally:
        _current_request.reset(token)
    request_finished.send(sender=None)
    assert done == ["first", "second"]
    assert wait_idle(0)
