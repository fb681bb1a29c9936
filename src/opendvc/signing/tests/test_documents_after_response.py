"""Documents' PDFs are made out of the action's request (Decree 61/2018/NĐ-CP Art. 19 receipts,
Regulation Art. 4.7 signed results): after the response without a broker, by a worker after commit
with one; signed or sealed when made; asked for before, made on the spot; left pending and caught up
when the signature cannot be made yet — and the online return waits for the signed result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse

from opendvc.catalog.models import Procedure
from opendvc.core.after_response import run_pending
from opendvc.core.links import _current_request
from opendvc.dossiers import documents
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import Dossier, DossierDocument
from opendvc.dossiers.tests.conftest import sign_in, submitted_dossier
from opendvc.signing import services
from opendvc.signing.models import SignedDocument
from opendvc.vault.models import StoredDocument

from .conftest import configure_agency, in_processing

pytestmark = pytest.mark.django_db


def _in_a_request(func):
    """Run ``func`` as a view would: inside a request, whose after-work waits for the response."""
    token = _current_request.set(RequestFactory().post("/"))
    try:
        return func()
    finally:
        _current_request.reset(token)


def _approve_in_a_request(d, leader):
    return _in_a_request(
        lambda: dossier_services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
    )


def _received_in_a_request(procedure, citizen, officer):
    d = submitted_dossier(procedure, citizen)
    return _in_a_request(
        lambda: dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    )


def test_the_receipt_is_made_and_sealed_after_the_response(trust, procedure, citizen, officer):
    d = _received_in_a_request(procedure, citizen, officer)
    receipt = DossierDocument.objects.get(dossier=d, kind="receipt")
    # Recorded with the intake, nothing rendered while the officer waits.
    assert not receipt.file and receipt.sha256 == ""
    assert not StoredDocument.objects.filter(dossier_document=receipt).exists()

    run_pending()  # the server has sent the response

    receipt.refresh_from_db()
    data = receipt.file.read()
    assert data.startswith(b"%PDF") and receipt.signature.purpose == "seal"
    assert SignedDocument.objects.get(document=receipt).sha256 == receipt.sha256
    stored = StoredDocument.objects.get(dossier_document=receipt)
    assert (stored.owner, stored.sha256) == (citizen, receipt.sha256)


def test_with_a_broker_the_worker_makes_it_once_the_action_commits(
    procedure, citizen, officer, settings, django_capture_on_commit_callbacks
):
    from opendvc.celery import app

    eager = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a broker: the task is sent on commit
    app.conf.task_always_eager = True  # and Celery runs it here
    try:
        _receive_with_a_worker(procedure, citizen, officer, django_capture_on_commit_callbacks)
    finally:
        app.conf.task_always_eager = eager


def _receive_with_a_worker(procedure, citizen, officer, django_capture_on_commit_callbacks):
    d = submitted_dossier(procedure, citizen)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
        receipt = DossierDocument.objects.get(dossier=d, kind="receipt")
        assert not receipt.file
    for callback in callbacks:  # the commit: the task goes to the worker (eager here)
        callback()
    receipt.refresh_from_db()
    assert receipt.file.read().startswith(b"%PDF")


def test_a_receipt_asked_for_before_it_is_made_is_made_on_the_spot(
    client, procedure, citizen, officer
):
    d = _received_in_a_request(procedure, citizen, officer)
    receipt = DossierDocument.objects.get(dossier=d, kind="receipt")
    sign_in(client, officer)
    answer = client.get(reverse("dossiers:office_document", args=[d.code, receipt.pk]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    receipt.refresh_from_db()
    assert receipt.file
    run_pending()  # the after-work finds it made and makes nothing twice
    assert DossierDocument.objects.filter(dossier=d, kind="receipt").count() == 1


def test_the_approval_signs_after_the_response_and_the_online_return_waits_for_it(
    trust, procedure, citizen, officer, leader, justice, django_capture_on_commit_callbacks
):
    sim, _ca, paths = trust
    configure_agency(justice, paths)
    Procedure.objects.filter(pk=procedure.pk).update(level=4)  # online return
    d = in_processing(procedure, citizen, officer)
    # The certificate was checked (and its revocation data kept) before the authority goes down.
    services.credential_check(services.credential_for_agency(agency=justice))
    sim.switches.update({"down": True})

    with django_capture_on_commit_callbacks(execute=True):
        _approve_in_a_request(d, leader)
    result = DossierDocument.objects.get(dossier=d, kind="result")
    assert not result.file
    assert Dossier.objects.get(pk=d.pk).status == "result_ready"

    with django_capture_on_commit_callbacks(execute=True):
        run_pending()  # the time-stamping authority is down: nothing unsigned is issued
    result.refresh_from_db()
    assert not result.file and not SignedDocument.objects.filter(document=result).exists()
    assert Dossier.objects.get(pk=d.pk).status == "result_ready"
    assert documents.documents_pending() == 0  # not ten minutes old yet

    sim.switches.reset()
    with django_capture_on_commit_callbacks(execute=True):
        assert documents.documents_pending(older_than=timedelta(0)) == 1
    result.refresh_from_db()
    assert result.signature.purpose == "result" and result.file.read().startswith(b"%PDF")
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == "returned"  # issued to the citizen once signed
    assert StoredDocument.objects.get(dossier_document=result).sha256 == result.sha256


def test_a_revoked_certificate_refuses_the_approval_in_the_request(
    trust, procedure, citizen, officer, leader, justice
):
    """The leader learns at once: the certificate is checked inside the approval."""
    from opendvc.core.problems import ProblemError

    _sim, _ca, paths = trust
    configure_agency(justice, paths, "revoked")
    d = in_processing(procedure, citizen, officer)
    with pytest.raises(ProblemError) as err:
        _approve_in_a_request(d, leader)
    assert err.value.code == "signing_refused"
    run_pending()
    assert Dossier.objects.get(pk=d.pk).status == "processing"
    assert not DossierDocument.objects.filter(dossier=d, kind="result").exists()


def test_an_approval_in_a_request_ends_returned_online_with_no_hand_over_record(
    trust, procedure, citizen, officer, leader, justice, django_capture_on_commit_callbacks
):
    _sim, _ca, paths = trust
    configure_agency(justice, paths)
    Procedure.objects.filter(pk=procedure.pk).update(level=4)  # online return
    d = in_processing(procedure, citizen, officer)
    with django_capture_on_commit_callbacks(execute=True):
        _approve_in_a_request(d, leader)
    assert Dossier.objects.get(pk=d.pk).status == "result_ready"
    with django_capture_on_commit_callbacks(execute=True):
        run_pending()
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == "returned"
    result = DossierDocument.objects.get(dossier=d, kind="result")
    assert result.signature.purpose == "result" and result.file.read().startswith(b"%PDF")
    # Nothing changed hands: the signed result issued into the store is the return, recorded by the
    # history line (method online) — no hand-over record (that is for the counter and the post).
    assert not DossierDocument.objects.filter(dossier=d, kind="delivery_record").exists()
    assert d.events.get(action="return_result").data["method"] == "online"
