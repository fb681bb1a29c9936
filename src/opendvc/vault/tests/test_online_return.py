"""Online return at issuance (Regulation Art. 6.4): the result is returned when it is signed, placed
in the applicant's store and notified; downloads are events that change nothing; existing dossiers are
migrated to the same rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.apps import apps

from opendvc.catalog.models import Procedure
from opendvc.dossiers import results
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.models import Dossier, DossierDocument, DossierEvent, ResultDownload
from opendvc.dossiers.tests.conftest import submitted_dossier
from opendvc.notifications.models import Notification
from opendvc.signing.tests.conftest import configure_agency
from opendvc.vault import backfill
from opendvc.vault.models import StoredDocument

pytestmark = pytest.mark.django_db


def _processing(procedure, citizen, officer):
    Procedure.objects.filter(pk=procedure.pk).update(level=4)  # online return is a level-4 service
    d = submitted_dossier(procedure, citizen)
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    return dossier_services.dossier_act(dossier=d, action="start_processing", actor=officer)


def test_result_is_returned_when_issued_and_a_late_download_keeps_the_class(
    procedure, citizen, officer, leader, justice, trust, django_capture_on_commit_callbacks
):
    _sim, _ca, paths = trust
    configure_agency(justice, paths)
    d = _processing(procedure, citizen, officer)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == "returned"
    frozen = (d.finished_at, d.on_time_class)
    assert d.on_time_class in ("early", "on_time")
    ret = d.events.get(action="return_result")
    assert ret.data["method"] == "online" and ret.actor_role == "system"
    doc = DossierDocument.objects.get(dossier=d, kind="result")
    stored = StoredDocument.objects.get(dossier_document=doc)
    assert (stored.owner, stored.source) == (citizen, "result")
    assert doc.signature.level in ("B-T", "B-LT")
    assert Notification.objects.filter(recipient=citizen, subject__contains="kho dữ liệu").exists()

    with time_machine.travel(d.due_at + timedelta(days=10), tick=False):
        after = results.result_download(dossier=d, document=doc, user=citizen)
    assert (after.status, after.finished_at, after.on_time_class) == ("returned", *frozen)
    assert ResultDownload.objects.filter(dossier=d).count() == 1
    assert d.events.filter(action="return_result").count() == 1


def test_download_before_issuance_changes_nothing(procedure, citizen, officer, leader):
    d = _processing(procedure, citizen, officer)
    d = dossier_services.dossier_act(
        dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
    )
    doc = DossierDocument.objects.get(dossier=d, kind="result")
    d = results.result_download(dossier=d, document=doc, user=citizen)
    assert d.status == "result_ready"
    assert ResultDownload.objects.filter(dossier=d).count() == 1


def test_counter_return_dossier_is_filed_in_the_store_but_not_returned(
    procedure, citizen, officer, leader, django_capture_on_commit_callbacks
):
    d = submitted_dossier(procedure, citizen, channel="counter")
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    d = dossier_services.dossier_act(dossier=d, action="start_processing", actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == "result_ready"
    assert StoredDocument.objects.filter(owner=citizen, source="result").count() == 1


def test_a_result_collected_at_the_counter_opens_in_the_store_once_handed_over(
    client, procedure, citizen, officer, leader, django_capture_on_commit_callbacks
):
    """Below level 4 the result is collected at the counter or by post (Regulation Art. 2.13): the
    store lists it from the approval, but it is read, downloaded or shared only once handed over."""
    from opendvc.core.problems import ProblemError
    from opendvc.vault import services as vault
    from opendvc.vault.models import ShareLink

    Procedure.objects.filter(pk=procedure.pk).update(level=3)
    d = submitted_dossier(procedure, citizen)
    d = dossier_services.dossier_act(dossier=d, action="receive", actor=officer)
    d = dossier_services.dossier_act(dossier=d, action="start_processing", actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    stored = StoredDocument.objects.get(owner=citizen, source="result")
    # A link made before the rule (or by hand) does not open the result either.
    early = ShareLink.objects.create(document=stored, expires_at=d.created_at + timedelta(days=400))
    client.force_login(citizen)

    page = client.get("/kho-du-lieu/").content.decode()
    assert f"/kho-du-lieu/{stored.public_id}/tai-ve/" not in page
    assert "Bản điện tử mở được sau khi nhận kết quả." in page and "mức độ 3" in page
    response = client.get(f"/kho-du-lieu/{stored.public_id}/tai-ve/", follow=True)
    assert response.status_code == 200
    assert "không cung cấp nhận kết quả trực tuyến" in response.content.decode()
    assert ResultDownload.objects.filter(dossier=d).count() == 0
    with pytest.raises(ProblemError) as refused:
        vault.share_create(document=stored, actor=citizen, days=3)
    assert refused.value.status == 422
    assert client.get(f"/kho-du-lieu/chia-se/{early.token}/").status_code == 404

    d = dossier_services.dossier_act(
        dossier=Dossier.objects.get(pk=d.pk), action="return_result", actor=officer, method="counter",
        recipient="Nguyễn Thị Hoa", identity_document="CCCD 079xxx",
    )
    assert d.status == "returned"
    response = client.get(f"/kho-du-lieu/{stored.public_id}/tai-ve/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert ResultDownload.objects.filter(dossier=d).count() == 1
    assert client.get(f"/kho-du-lieu/chia-se/{early.token}/").status_code == 200
    assert f"/kho-du-lieu/{stored.public_id}/tai-ve/" in client.get("/kho-du-lieu/").content.decode()


def test_migration_takes_the_approval_as_the_return(procedure, citizen, officer, leader):
    # Under the former rule: approved on time, downloaded (returned) ten days late.
    d = _processing(procedure, citizen, officer)
    d = dossier_services.dossier_act(
        dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
    )
    approved_at = d.events.get(action="approve").at
    with time_machine.travel(d.due_at + timedelta(days=10), tick=False):
        d = dossier_services.dossier_act(
            dossier=d, action="return_result", actor=None, system=True, method="online"
        )
    assert d.on_time_class == "late"
    # A second one still waiting at result_ready.
    w = _processing(procedure, citizen, officer)
    w = dossier_services.dossier_act(
        dossier=w, action="approve", actor=leader, result="Giấy khai sinh"
    )

    counts = backfill.run(apps)
    assert counts["returned_fixed"] == 1 and counts["issued"] == 1
    d.refresh_from_db()
    w.refresh_from_db()
    assert d.finished_at == approved_at and d.on_time_class in ("early", "on_time")
    assert w.status == "returned" and w.on_time_class in ("early", "on_time")
    assert DossierEvent.objects.get(dossier=w, action="return_result").data["migrated"] is True
    assert StoredDocument.objects.filter(owner=citizen, source="result").count() == 2
    assert backfill.run(apps) == {"returned_fixed": 0, "issued": 0, "stored": 0}


def test_the_periodic_job_catches_up_an_issuance(procedure, citizen, officer, leader):
    from opendvc.vault.jobs import issue_pending_results

    d = _processing(procedure, citizen, officer)
    d = dossier_services.dossier_act(
        dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
    )
    assert d.status == "result_ready"  # the on-commit issuance did not run here
    assert issue_pending_results() == 1
    d.refresh_from_db()
    assert (
        d.status == "returned" and d.events.get(action="return_result").data["method"] == "online"
    )
    assert issue_pending_results() == 0
