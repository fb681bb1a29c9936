"""The applicant's side: filing online from the procedure page, review, idempotent submit, my dossiers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Dossier, DossierEvent, DossierFile
from opendvc.notifications.models import Notification

from .conftest import make_procedure, small_pdf, submitted_dossier
from .test_uploads import EXE


def _pdf(name="giay.pdf"):
    return SimpleUploadedFile(name, small_pdf(), "application/pdf")


def _start(client, procedure, justice, *, files=True, extra=None):
    post = {"co-quan": justice.pk, "nop-voi-tu-cach": "self", **(extra or {})}
    if files:
        for c in procedure.components.filter(required=True):
            post[f"tp-{c.pk}"] = [_pdf(f"{c.pk}.pdf")]
    return client.post(f"/nop-ho-so/{procedure.code}/", post)


def test_catalog_button_leads_to_the_filing_page(client, citizen, procedure):
    client.force_login(citizen)
    r = client.get(f"/thu-tuc/{procedure.code}/nop-truc-tuyen/")
    assert r.status_code == 302 and r["Location"] == f"/nop-ho-so/{procedure.code}/"
    page = client.get(r["Location"]).content.decode()
    for c in procedure.components.all():
        assert f'name="tp-{c.pk}"' in page
    assert "Sở Tư pháp" in page


def test_filing_requires_login_and_level_three(client, citizen, agencies):
    assert client.get("/nop-ho-so/1.001193/").status_code == 302
    low = make_procedure(code="1.000001", level=2)
    client.force_login(citizen)
    refused = client.get(
        f"/nop-ho-so/{low.code}/"
    )  # says what level 2 offers instead (test_regulation)
    assert refused.status_code == 409 and "chưa nhận hồ sơ trực tuyến" in refused.content.decode()
    assert client.get("/nop-ho-so/9.999999/").status_code == 404


def test_fill_review_submit_with_acknowledgement(client, citizen, procedure, justice):
    client.force_login(citizen)
    r = _start(client, procedure, justice)
    assert r.status_code == 302 and "/xem-lai/" in r["Location"]
    dossier = Dossier.objects.get(applicant=citizen)
    assert dossier.status == State.DRAFT and dossier.files.count() == 2
    review = client.get(r["Location"]).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', review).group(1)
    done = client.post(r["Location"], {"token": token, "cam-doan": "1"})
    assert done.status_code == 302 and done["Location"].endswith("?da-nop=1")
    dossier.refresh_from_db()
    assert dossier.status == State.SUBMITTED and dossier.code.startswith("000.00.32.H19-")
    page = client.get(done["Location"]).content.decode()
    assert "Đã nộp hồ sơ thành công" in page and dossier.code in page
    notes = Notification.objects.filter(recipient=citizen, template="dossier_submitted")
    assert {n.channel for n in notes} == {"email", "in_app"}
    assert dossier.code in notes.first().subject
    # A second click with the same token changes nothing.
    again = client.post(r["Location"], {"token": token, "cam-doan": "1"})
    assert again.status_code == 302
    assert DossierEvent.objects.filter(dossier=dossier, action="submit").count() == 1
    assert Dossier.objects.filter(applicant=citizen).count() == 1


def test_missing_required_component_blocks_submission(client, citizen, procedure, justice):
    client.force_login(citizen)
    r = _start(client, procedure, justice, files=False, extra={"action": "nhap"})  # "Lưu nháp"
    assert r.status_code == 302 and r["Location"].endswith("/soan/")
    review_url = r["Location"].replace("/soan/", "/xem-lai/")
    review = client.get(review_url).content.decode()
    assert "Chưa đính kèm giấy tờ bắt buộc" in review and 'name="token"' not in review
    bad = client.post(review_url, {"token": "x", "cam-doan": "1"})
    assert bad.status_code == 422
    assert Dossier.objects.get(applicant=citizen).status == State.DRAFT


def test_hostile_file_on_the_page_is_refused_and_not_stored(
    client, citizen, procedure, justice, settings
):
    """Nothing is saved; the good file sent with it is kept for the next save (an unclaimed upload of
    the user), the hostile one is stored nowhere."""
    from opendvc.dossiers.models import Upload

    client.force_login(citizen)
    c = procedure.components.first()
    r = client.post(
        f"/nop-ho-so/{procedure.code}/",
        {
            "co-quan": justice.pk,
            f"tp-{c.pk}": [
                SimpleUploadedFile("hop-le.pdf", small_pdf()),
                SimpleUploadedFile("virus.pdf", EXE),
            ],
        },
    )
    assert r.status_code == 422
    assert "không thuộc loại được chấp nhận" in r.content.decode()
    assert Dossier.objects.count() == 0 and DossierFile.objects.count() == 0
    kept = Upload.objects.get(owner=citizen, claimed_at__isnull=True)
    assert kept.original_name == "hop-le.pdf"
    media = Path(settings.MEDIA_ROOT)
    assert [p for p in media.rglob("*") if p.is_file()] == [media / kept.file.name]


def test_returned_dossier_is_completed_and_resubmitted(
    client, citizen, officer, procedure, justice
):
    from opendvc.dossiers import services

    d = submitted_dossier(procedure, citizen)
    services.dossier_act(
        dossier=d,
        action="return_for_completion",
        actor=officer,
        items=["Giấy chứng sinh bản chính", "Chữ ký người đi khai"],
    )
    client.force_login(citizen)
    detail = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "Giấy chứng sinh bản chính" in detail and "Chữ ký người đi khai" in detail
    assert "Hoàn thiện và nộp lại" in detail
    # Straight to the review with nothing new: the page repeats what was asked and says no file came.
    early = client.get(f"/ho-so-cua-toi/{d.public_id}/xem-lai/").content.decode()
    assert "Cơ quan yêu cầu bổ sung, hoàn thiện" in early and "Giấy chứng sinh bản chính" in early
    assert "Bạn chưa đính kèm tệp nào mới" in early
    edit = client.post(f"/ho-so-cua-toi/{d.public_id}/soan/", {"tp-khac": [_pdf("bo-sung.pdf")]})
    assert edit.status_code == 302
    review = client.get(edit["Location"]).content.decode()
    assert "Giấy chứng sinh bản chính" in review and "Bạn chưa đính kèm tệp nào mới" not in review
    token = re.search(r'name="token" value="([^"]+)"', review).group(1)
    client.post(edit["Location"], {"token": token, "cam-doan": "1"})
    d.refresh_from_db()
    assert d.status == State.SUBMITTED and d.completion_items == []
    assert d.files.filter(original_name="bo-sung.pdf").exists()


def test_other_people_get_404(client, citizen, stranger, procedure):
    d = submitted_dossier(procedure, citizen)
    f = d.files.first()
    client.force_login(stranger)
    for url in (
        f"/ho-so-cua-toi/{d.public_id}/",
        f"/ho-so-cua-toi/{d.public_id}/soan/",
        f"/ho-so-cua-toi/{d.public_id}/xem-lai/",
        f"/ho-so-cua-toi/{d.public_id}/tep/{f.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/ho-so-cua-toi/{d.public_id}/rut/").status_code == 404
    assert client.get(f"/api/v1/dossiers/{d.code}").status_code == 404
    assert Dossier.objects.get(pk=d.pk).status == State.SUBMITTED


@pytest.mark.parametrize("page", ["99999999999999999999", "10001", str(2**63)])
def test_my_dossiers_page_number_too_large_is_not_500(client, citizen, procedure, page):
    """ "?trang=99999999999999999999": the offset overflowed the database's integer and the list
    answered 500."""
    submitted_dossier(procedure, citizen)
    client.force_login(citizen)
    r = client.get(f"/ho-so-cua-toi/?trang={page}")
    assert r.status_code == 200


def test_my_dossiers_list_and_withdraw(client, citizen, procedure):
    d = submitted_dossier(procedure, citizen)
    client.force_login(citizen)
    page = client.get("/ho-so-cua-toi/").content.decode()
    assert d.code in page and "Đã nộp, chờ tiếp nhận" in page
    r = client.post(f"/ho-so-cua-toi/{d.public_id}/rut/", {"ly-do": "Nộp nhầm thủ tục"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == State.WITHDRAWN and d.finished_at is not None
    assert d.events.last().note == "Nộp nhầm thủ tục"


def test_after_intake_the_page_says_whom_to_ask_to_withdraw(client, citizen, officer, procedure):
    """Once received, the withdraw button is gone (the action table opens it before intake only):
    the page said nothing; it now says why and names the receiving office with its contacts."""
    from opendvc.dossiers import services

    d = submitted_dossier(procedure, citizen)
    agency = d.receiving_agency
    agency.address, agency.hotline = "Số 2 Nguyễn Văn Trị, Biên Hòa", "0251 3822 000"
    agency.save(update_fields=["address", "hotline"])
    client.force_login(citizen)
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "Rút hồ sơ</button>" in page and "không rút được trên Cổng" not in page
    d = services.dossier_act(dossier=d, action="receive", actor=officer)
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "Rút hồ sơ</button>" not in page
    assert "Hồ sơ đang ở trạng thái “Đã tiếp nhận” nên không rút được trên Cổng" in page
    assert agency.name in page and "Số 2 Nguyễn Văn Trị, Biên Hòa" in page
    assert 'href="tel:02513822000"' in page and f"Ghi rõ mã hồ sơ {d.code}." in page
    # A stale page's withdraw is refused with a message; nothing changes.
    r = client.post(f"/ho-so-cua-toi/{d.public_id}/rut/", {"ly-do": "Đổi ý"}, follow=True)
    assert "không thể “Rút hồ sơ”" in r.content.decode()
    d.refresh_from_db()
    assert d.status == State.RECEIVED


def test_file_preview_is_served_inline_to_the_owner(client, citizen, procedure):
    d = submitted_dossier(procedure, citizen)
    f = d.files.first()
    client.force_login(citizen)
    r = client.get(f"/ho-so-cua-toi/{d.public_id}/tep/{f.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("inline")
    assert b"".join(r.streaming_content).startswith(b"%PDF")


def test_acting_for_an_organisation(client, procedure, justice, member, stranger):
    from opendvc.accounts.tests.factories import OrganisationFactory

    client.force_login(member.user)
    value = f"org:{member.organisation.public_id}"
    assert value in client.get(f"/nop-ho-so/{procedure.code}/").content.decode()
    r = _start(client, procedure, justice, extra={"nop-voi-tu-cach": value})
    assert r.status_code == 302
    assert Dossier.objects.get(applicant=member.user).acting_for == member.organisation
    other = OrganisationFactory()
    client.force_login(stranger)
    r = _start(client, procedure, justice, extra={"nop-voi-tu-cach": f"org:{other.public_id}"})
    # Not a 404 that loses the page: the form again, the error at "Nộp với tư cách", nothing saved.
    assert r.status_code == 422
    page = r.content.decode()
    assert (
        'id="tu-cach-error"' in page and "không (còn) được nộp hồ sơ nhân danh tổ chức này" in page
    )
    assert other.name not in page
    assert not Dossier.objects.filter(applicant=stranger).exists()


def test_a_procedure_for_persons_is_not_filed_in_an_organisations_name(
    client, procedure, justice, member
):
    """ "Đối tượng thực hiện": a birth registration is for persons. The filing page offered to file it
    in the name of the user's company, and the dossier was created so."""
    procedure.applicants = ["individual"]
    procedure.save(update_fields=["applicants"])
    client.force_login(member.user)
    value = f"org:{member.organisation.public_id}"
    page = client.get(f"/nop-ho-so/{procedure.code}/?nop-voi-tu-cach={value}").content.decode()
    assert f'<option value="{value}"' not in page and 'name="nop-voi-tu-cach" value="self"' in page
    r = _start(client, procedure, justice, extra={"nop-voi-tu-cach": value})
    assert r.status_code == 422
    assert "dành cho cá nhân" in r.content.decode()
    assert not Dossier.objects.filter(applicant=member.user).exists()
    r = _start(client, procedure, justice)
    assert r.status_code == 302 and Dossier.objects.get(applicant=member.user).acting_for is None


def test_a_procedure_for_organisations_is_filed_in_an_organisations_name(
    client, procedure, justice, member
):
    procedure.applicants = ["organisation"]
    procedure.save(update_fields=["applicants"])
    client.force_login(member.user)
    page = client.get(f"/nop-ho-so/{procedure.code}/").content.decode()
    value = f"org:{member.organisation.public_id}"
    assert f'name="nop-voi-tu-cach" value="{value}"' in page and "Cá nhân:" not in page
    r = _start(client, procedure, justice)
    assert r.status_code == 422 and "dành cho tổ chức" in r.content.decode()
    assert not Dossier.objects.filter(applicant=member.user).exists()
    r = _start(client, procedure, justice, extra={"nop-voi-tu-cach": value})
    assert r.status_code == 302
    assert Dossier.objects.get(applicant=member.user).acting_for == member.organisation


def test_reuse_a_file_from_an_earlier_dossier(client, citizen, procedure, justice):
    first = submitted_dossier(procedure, citizen)
    old = first.files.first()
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{procedure.code}/").content.decode()
    assert f'name="dung-lai" value="{old.pk}"' in page
    others = {
        f"tp-{c.pk}": [_pdf()]
        for c in procedure.components.filter(required=True).exclude(pk=old.component_id)
    }
    r = client.post(
        f"/nop-ho-so/{procedure.code}/", {"co-quan": justice.pk, "dung-lai": [old.pk], **others}
    )
    assert r.status_code == 302
    new = Dossier.objects.filter(applicant=citizen, status=State.DRAFT).get()
    reused = new.files.get(component_id=old.component_id)
    assert reused.sha256 == old.sha256 and reused.file.name == old.file.name


def test_a_reused_file_number_past_the_database_range_is_ignored(
    client, citizen, procedure, justice
):
    """A forged "dung-lai" (no file has that key) reuses nothing: the page asks for the missing files."""
    client.force_login(citizen)
    r = client.post(
        f"/nop-ho-so/{procedure.code}/", {"co-quan": justice.pk, "dung-lai": ["9" * 30, "١٢"]}
    )
    assert r.status_code == 422 and "Hồ sơ chưa thể lưu" in r.content.decode()
    assert not Dossier.objects.filter(applicant=citizen).exists()


def test_last_form_data(citizen, procedure):
    from opendvc.dossiers.selectors import last_form_data

    assert last_form_data(user=citizen, procedure=procedure) is None
    d = submitted_dossier(procedure, citizen)
    Dossier.objects.filter(pk=d.pk).update(form_data={"ho_ten": "Nguyễn Văn An"})
    assert last_form_data(user=citizen, procedure=procedure) == {"ho_ten": "Nguyễn Văn An"}


# --- API -------------------------------------------------------------------------------------------


def _upload(client, name="giay.pdf"):
    r = client.post("/api/v1/files", {"file": SimpleUploadedFile(name, small_pdf())})
    assert r.status_code == 201
    return r.json()["id"]


def test_api_submit_is_idempotent(client, citizen, procedure, justice):
    client.force_login(citizen)
    files = [
        {"component": c.pk, "file": _upload(client)}
        for c in procedure.components.filter(required=True)
    ]
    body = {
        "procedure": procedure.code,
        "agency": justice.code,
        "data": {},
        "files": files,
        "submit": True,
        "declaration": True,
    }
    first = client.post(
        "/api/v1/dossiers", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201, first.content
    again = client.post(
        "/api/v1/dossiers", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert again.status_code == 200
    assert first.json()["code"] == again.json()["code"]
    assert Dossier.objects.filter(applicant=citizen).count() == 1
    got = client.get(f"/api/v1/dossiers/{first.json()['code']}").json()
    assert got["status"] == "submitted" and got["timeline"][0]["action"] == "submit"
    assert "withdraw" in got["allowed_actions"]
    other = dict(body, files=[])
    reused = client.post(
        "/api/v1/dossiers", other, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    # An upload cannot be claimed twice.
    dup = client.post(
        "/api/v1/dossiers", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert dup.status_code == 422
    assert Dossier.objects.filter(applicant=citizen).count() == 1
    listing = client.get("/api/v1/dossiers").json()
    assert [i["code"] for i in listing["items"]] == [first.json()["code"]]


def test_api_missing_component_is_422_and_creates_nothing(client, citizen, procedure, justice):
    client.force_login(citizen)
    body = {
        "procedure": procedure.code,
        "agency": justice.code,
        "files": [],
        "submit": True,
        "declaration": True,
    }
    r = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert any("Giấy chứng sinh" in e["message"] for e in r.json()["errors"])
    assert Dossier.objects.count() == 0


def test_api_actions_follow_the_table(client, citizen, officer, procedure):
    from .conftest import sign_in

    d = submitted_dossier(procedure, citizen)
    client.force_login(citizen)
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions", {"action": "receive"}, content_type="application/json"
    )
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    sign_in(client, officer)
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions", {"action": "refuse"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "reason"
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions",
        {"action": "receive", "version": d.version},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "received" and r.json()["due_at"]
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions",
        {"action": "refuse", "reason": "Muộn"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert r["Content-Type"].startswith("application/problem+json")
    listing = client.get("/api/v1/dossiers").json()
    assert d.code in [i["code"] for i in listing["items"]]


@pytest.mark.parametrize("who", ["stranger", "foreign_officer"])
def test_api_hides_dossiers_from_others(who, client, citizen, procedure, request):
    d = submitted_dossier(procedure, citizen)
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/api/v1/dossiers/{d.code}").status_code == 404
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions", {"action": "receive"}, content_type="application/json"
    )
    assert r.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_api_submit_retried_at_the_same_time_files_one_dossier(
    postgres_db, agencies, justice, citizen
):
    """Two requests with one Idempotency-Key at once (PostgreSQL, each on its own connection): one
    dossier, one audit entry and one notice; both answers name it (201 for one, 200 for the other)."""
    import threading
    import uuid

    from django.db import connections
    from django.test import Client

    from opendvc.api.services import api_token_create
    from opendvc.audit.models import AuditEntry

    procedure = make_procedure(code="1.000004", components=(("Giấy tờ khác", False),))
    token = api_token_create(owner=citizen, name="t", scopes=["*"])[1]
    body = {
        "procedure": procedure.code,
        "agency": justice.code,
        "submit": True,
        "declaration": True,
    }
    key = uuid.uuid4().hex
    start = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []

    def submit():
        try:
            start.wait(timeout=10)
            r = Client().post(
                "/api/v1/dossiers",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=key,
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            answers.append((r.status_code, r.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(status for status, _ in answers) == [200, 201], answers
    assert len({answer["code"] for _, answer in answers}) == 1
    dossier = Dossier.objects.get(applicant=citizen)
    assert dossier.status == State.SUBMITTED and dossier.events.count() == 1
    assert (
        AuditEntry.objects.filter(action="dossier.submit", target_id=str(dossier.public_id)).count()
        == 1
    )
    assert (
        Notification.objects.filter(recipient=citizen, template="dossier_submitted").count() == 2
    )  # mail, in-app
