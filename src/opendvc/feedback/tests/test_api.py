"""The feedback and survey API: create, own items, one actions endpoint, tracking, public Q&A."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.feedback.lifecycle import Action
from opendvc.feedback.models import Channel, Feedback
from opendvc.feedback.services import feedback_act, feedback_publish

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
URL = "/api/v1/feedback"


def body(**kw):
    data = {
        "kind": "question",
        "subject": "Hỏi về lệ phí",
        "content": "Lệ phí cấp bản sao bao nhiêu?",
        "sender_name": "Trịnh Văn K",
        "sender_phone": "0934567890",
    }
    data.update(kw)
    return data


def test_public_create_returns_a_tracking_token_and_rates(client, org, monday, settings):
    settings.FEEDBACK_RATE_LIMIT = 2
    attachment = {"name": "ảnh chụp.pdf", "content_base64": base64.b64encode(PDF).decode()}
    r = client.post(
        f"{URL}/public", body(attachments=[attachment]), content_type="application/json"
    )
    assert r.status_code == 201, r.content
    data = r.json()
    assert (
        data["channel"] == "app"
        and data["status"] == "received"
        and data["files"][0]["name"] == "ảnh chụp.pdf"
    )
    token = data["tracking_token"]
    fb = Feedback.objects.get(code=data["code"])
    fb = feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org["dept"]}
    )
    feedback_act(
        feedback=fb, action=Action.ANSWER, actor=org["focal"], inputs={"answer": "50.000 đồng."}
    )
    r = client.get(f"{URL}/track/{token}")
    assert r.json()["answer"] == "50.000 đồng." and "mark_satisfied" in r.json()["actions"]
    r = client.post(
        f"{URL}/track/{token}/actions",
        {"action": "answer", "answer": "x"},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = client.post(
        f"{URL}/track/{token}/actions",
        {"action": "mark_satisfied"},
        content_type="application/json",
    )
    assert r.json()["satisfaction"] == "satisfied"
    # Throttled: a problem document, nothing stored.
    client.post(f"{URL}/public", body(), content_type="application/json")
    r = client.post(f"{URL}/public", body(), content_type="application/json")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert Feedback.objects.count() == 2


def test_refused_public_requests_do_not_count_towards_the_limit(client, org, settings):
    """As on the web form, the limit counts the items sent: an app whose user corrected a missing
    contact three times was blocked for ten minutes before sending anything."""
    settings.FEEDBACK_RATE_LIMIT = 2
    for refused in (
        body(sender_phone="", sender_email=""),
        body(subject="   "),
        body(sender_phone="12"),
    ):
        r = client.post(f"{URL}/public", refused, content_type="application/json")
        assert r.status_code == 422, r.content
    for _ in range(2):
        r = client.post(f"{URL}/public", body(), content_type="application/json")
        assert r.status_code == 201, r.content
    r = client.post(f"{URL}/public", body(), content_type="application/json")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    # An address over the limit is refused before its request is read.
    r = client.post(f"{URL}/public", body(subject=""), content_type="application/json")
    assert r.status_code == 429
    assert Feedback.objects.count() == 2


def test_public_create_bad_input(client, org):
    r = client.post(
        f"{URL}/public", body(sender_phone="", sender_email=""), content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    exe = {"name": "a.pdf", "content_base64": base64.b64encode(b"MZ" + b"\x00" * 64).decode()}
    r = client.post(f"{URL}/public", body(attachments=[exe]), content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "executable"
    r = client.post(
        f"{URL}/public", body(agency_code="999.99.99.H19"), content_type="application/json"
    )
    assert r.json()["code"] == "unknown_agency"
    assert Feedback.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "path", "code"),
    [
        ({"agency_code": "999.99.99.H19"}, "agency_code", "unknown_agency"),
        ({"procedure_code": "9.999999"}, "procedure_code", "unknown_procedure"),
        ({"attachments": [{"name": "a.pdf", "file": "khong-co"}]}, "attachments.0.file", "unknown_upload"),
        ({"attachments": [{"name": "a.pdf", "content_base64": "aGVsbG8="}]}, "attachments.0", "unsupported_type"),
    ],
)
def test_every_refused_field_is_named_in_the_errors_list(client, org, extra, path, code):
    """A 422 names the field it refuses in ``errors`` (``path``, ``message``), as every other 422 of
    the API does: an app shows the message at that field."""
    r = client.post(f"{URL}/public", body(**extra), content_type="application/json")
    problem = r.json()
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert problem["code"] == code
    assert problem["errors"] == [{"path": path, "message": problem["detail"]}]
    assert Feedback.objects.count() == 0


def test_an_unknown_agency_of_a_staff_action_is_named_in_the_errors_list(client, org):
    fb = feedback_create_for(org)
    client.force_login(org["switchboard"])
    r = client.post(
        f"{URL}/{fb.code}/actions",
        {"action": "forward", "agency_code": "999.99.99.H19"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert [e["path"] for e in r.json()["errors"]] == ["agency_code"]


def test_a_refused_file_sent_ahead_is_named_in_the_errors_list(client, org):
    upload = SimpleUploadedFile("a.pdf", b"hello", content_type="application/pdf")
    r = client.post(f"{URL}/files", {"file": upload})
    assert r.status_code == 422
    assert [e["path"] for e in r.json()["errors"]] == ["file"]


def test_signed_in_create_list_get(client, org):
    assert client.get(URL).status_code == 401
    client.force_login(org["citizen"])
    r = client.post(URL, body(sender_name="", sender_phone=""), content_type="application/json")
    assert r.status_code == 201
    code = r.json()["code"]
    assert client.get(URL).json()["count"] == 1
    assert client.get(f"{URL}/{code}").json()["code"] == code
    client.force_login(org["other_focal"])
    assert client.get(f"{URL}/{code}").status_code == 404


def test_staff_actions_through_one_endpoint(client, org, monday):
    fb = Feedback.objects.get(pk=feedback_create_for(org).pk)
    client.force_login(org["switchboard"])
    r = client.post(
        f"{URL}/{fb.code}/actions",
        {"action": "forward", "agency_code": org["dept"].code},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "forwarded"
    assert r.json()["due_at"].startswith(
        "2026-12-01T01:00:00"
    )  # Tuesday 08:00 in Vietnam, ISO 8601
    client.force_login(org["focal"])
    r = client.post(
        f"{URL}/{fb.code}/actions",
        {"action": "reschedule", "note": "Hẹn lại", "new_due_at": "2026-12-04T10:00:00+07:00"},
        content_type="application/json",
    )
    assert r.json()["rescheduled"] is True
    r = client.post(
        f"{URL}/{fb.code}/actions",
        {"action": "reschedule", "note": "Lần 2", "new_due_at": "2026-12-09T10:00:00+07:00"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "already_rescheduled"
    r = client.post(
        f"{URL}/{fb.code}/actions", {"action": "mark_satisfied"}, content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = client.post(
        f"{URL}/{fb.code}/actions",
        {"action": "answer", "answer": "Đã xử lý.", "expected_version": 0},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = client.post(f"{URL}/{fb.code}/actions", {"action": "fly"}, content_type="application/json")
    assert r.status_code == 422


def feedback_create_for(org):
    from opendvc.feedback.services import feedback_create

    return feedback_create(
        channel=Channel.WEB,
        subject="Phản ánh",
        content="Nội dung",
        sender=org["citizen"],
        consent_publish=True,
    )


def test_public_qa_search_without_diacritics(client, org, monday):
    fb = feedback_create_for(org)
    fb = feedback_act(
        feedback=fb, action=Action.FORWARD, actor=org["switchboard"], inputs={"agency": org["dept"]}
    )
    fb = feedback_act(
        feedback=fb,
        action=Action.ANSWER,
        actor=org["focal"],
        inputs={"answer": "Đăng ký khai sinh được miễn lệ phí."},
    )
    feedback_publish(
        feedback=fb,
        actor=org["focal"],
        title="Lệ phí đăng ký khai sinh",
        question="Đăng ký khai sinh có mất phí không?",
        answer=fb.answer,
    )
    r = client.get("/api/v1/qa", {"q": "dang ki khai sinh"})
    assert r.status_code == 200 and r.json()["count"] == 1
    item = r.json()["items"][0]
    assert client.get(f"/api/v1/qa/{item['id']}").json()["title"] == "Lệ phí đăng ký khai sinh"
    assert client.get("/api/v1/qa", {"q": "ho chieu"}).json()["count"] == 0
    assert client.get("/api/v1/qa", {"q": "x" * 500}).status_code == 400


def test_openapi_lists_the_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in (
        "/api/v1/feedback/public",
        "/api/v1/feedback",
        "/api/v1/feedback/{code}/actions",
        "/api/v1/qa",
        "/api/v1/surveys/{token}/answer",
    ):
        assert p in paths


def test_inbound_email_webhook(client, org):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from opendvc.api.services import api_token_create

    emails = Path(__file__).parent / "emails"
    _token, raw = api_token_create(
        owner=org["switchboard"], name="Cổng thư đến", scopes=["integrations"]
    )
    _weak, weak_raw = api_token_create(owner=org["switchboard"], name="Chỉ đọc", scopes=["read"])
    url = f"{URL}/inbound/email"

    def message(name="html_only.eml"):
        return {
            "message": SimpleUploadedFile(
                name, (emails / name).read_bytes(), content_type="message/rfc822"
            )
        }

    assert client.post(url, message()).status_code == 401
    r = client.post(url, message(), HTTP_AUTHORIZATION=f"Bearer {weak_raw}")
    assert r.status_code == 403
    r = client.post(url, message(), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 201 and r.json()["outcome"] == "created"
    r = client.post(url, message(), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 200 and r.json()["outcome"] == "duplicate"
    r = client.post(url, message("executable.eml"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 202 and r.json()["outcome"] == "quarantined"


def test_deadline_job_is_registered():
    from opendvc.core.periodic import discover

    assert "feedback.deadlines" in discover()


def test_only_the_mail_gateways_account_hands_mail_in(client, org):
    """A citizen could ask for the ``integrations`` scope and file feedback in the name of any address
    written in a mail's From, past the public form's rate limit. The scope is now for staff accounts
    only (the account page does not offer it, the API refuses it) and the endpoint takes mail only
    from a token of the switchboard or an administrator — a token that held the scope before is
    refused too."""
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from opendvc.api.services import api_token_create
    from opendvc.feedback.models import Feedback

    citizen = org["citizen"]
    session = Client()
    session.force_login(citizen)
    r = session.post("/api/v1/tokens", {"name": "thư", "scopes": ["integrations"]},
                     content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_scope"
    assert "integrations" not in r.json()["allowed"] and "dossiers:write" in r.json()["allowed"]
    page = session.get("/ca-nhan/ma-truy-cap-api/").content.decode()
    assert 'value="integrations"' not in page and 'value="dossiers:write"' in page
    r = session.post("/ca-nhan/ma-truy-cap-api/", {"name": "thư", "scopes": ["integrations"]})
    assert r.status_code == 422 and 'class="field-error"' in r.content.decode()
    assert not citizen.api_tokens.exists()

    _old, raw = api_token_create(owner=citizen, name="cũ", scopes=["integrations"])
    mail = (Path(__file__).parent / "emails" / "html_only.eml").read_bytes()
    r = client.post(f"{URL}/inbound/email", {"message": SimpleUploadedFile("m.eml", mail)},
                    HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert not Feedback.objects.exists()

    staff = Client()
    staff.force_login(org["switchboard"])
    r = staff.post("/api/v1/tokens", {"name": "Cổng thư đến", "scopes": ["integrations"]},
                   content_type="application/json")
    assert r.status_code == 201
    r = client.post(f"{URL}/inbound/email", {"message": SimpleUploadedFile("m.eml", mail)},
                    HTTP_AUTHORIZATION=f"Bearer {r.json()['token']}")
    assert r.status_code == 201 and Feedback.objects.count() == 1
