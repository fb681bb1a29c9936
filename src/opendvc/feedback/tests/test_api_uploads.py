"""Feedback attachments up to the documented per-file limit (10 MB) through the API: sent ahead as
multipart with POST /feedback/files, then named in the feedback; base64 inside JSON stays for small
files (a JSON body is capped well below 10 MB)."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.core import uploads as core_uploads
from opendvc.feedback.models import Feedback

pytestmark = pytest.mark.django_db
URL = "/api/v1/feedback"
MB = 1024 * 1024


def pdf_of(size: int) -> bytes:
    """A well-formed PDF of about ``size`` bytes (incompressible filler in a stream object)."""
    head = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    filler = os.urandom(max(size - 200, 0)).replace(b"endstream", b"xndstream")
    stream = (
        b"2 0 obj\n<< /Length %d >>\nstream\n" % len(filler) + filler + b"\nendstream\nendobj\n"
    )
    return head + stream + b"trailer\n<< /Root 1 0 R >>\nstartxref\n0\n%%EOF\n"


def body(**kw):
    data = {
        "kind": "complaint",
        "subject": "Chậm trả kết quả",
        "content": "Hồ sơ trễ hẹn hai tuần.",
        "sender_name": "Trịnh Văn K",
        "sender_phone": "0934567890",
    }
    data.update(kw)
    return data


def send_ahead(client, content: bytes, name: str = "bien-ban.pdf"):
    return client.post(
        f"{URL}/files", {"file": SimpleUploadedFile(name, content, content_type="application/pdf")}
    )


@pytest.mark.parametrize("size", [3 * MB, int(9.5 * MB)])
def test_files_above_the_json_limit_are_accepted_up_to_the_documented_limit(
    client, org, size, settings
):
    assert size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    content = pdf_of(size)
    r = send_ahead(client, content)
    assert r.status_code == 201, r.content
    sent = r.json()
    assert sent["size"] == len(content) and sent["content_type"] == "application/pdf"
    r = client.post(
        f"{URL}/public", body(attachments=[{"file": sent["file"]}]), content_type="application/json"
    )
    assert r.status_code == 201, r.content
    fb = Feedback.objects.get(code=r.json()["code"])
    stored = fb.attachments.get()
    assert stored.size == len(content) and stored.name == "bien-ban.pdf"
    # Used once: the reference does not attach the file a second time.
    again = client.post(
        f"{URL}/public", body(attachments=[{"file": sent["file"]}]), content_type="application/json"
    )
    assert again.status_code == 422 and again.json()["code"] == "unknown_upload"


def test_the_same_file_as_base64_in_json_is_refused_with_413(client, org):
    content = pdf_of(3 * MB)
    payload = body(
        attachments=[{"name": "a.pdf", "content_base64": base64.b64encode(content).decode()}]
    )
    r = client.post(f"{URL}/public", payload, content_type="application/json")
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_files_above_the_per_file_limit_are_413(client, org, settings):
    settings.FEEDBACK_MAX_FILE_BYTES = 1 * MB
    r = send_ahead(client, pdf_of(int(1.5 * MB)))
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    assert "1 MB" in r.json()["detail"]


def test_hostile_files_sent_ahead_are_refused_like_any_attachment(client, org):
    r = send_ahead(client, b"MZ\x90\x00" + b"\x00" * 500, name="hoa-don.pdf")
    assert r.status_code == 422 and r.json()["code"] == "executable"


@pytest.mark.parametrize("reference", ["", "khong-hop-le", "a" * 300])
def test_forged_or_unknown_references_are_422(client, org, reference):
    r = client.post(
        f"{URL}/public", body(attachments=[{"file": reference}]), content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown_upload"
    assert Feedback.objects.count() == 0


def test_a_reference_older_than_a_day_is_refused(client, org, settings):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    sent = send_ahead(client, pdf_of(2000)).json()
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        r = client.post(
            f"{URL}/public",
            body(attachments=[{"file": sent["file"]}]),
            content_type="application/json",
        )
    assert r.status_code == 422 and r.json()["code"] == "unknown_upload"


@pytest.mark.parametrize("failure", ["deleted", "unreadable"])
def test_a_file_sent_ahead_the_storage_cannot_give_back_is_no_server_error(
    client, org, monkeypatch, failure
):
    """Deleted (a cleaned storage): the reference is unknown (422, send it again). Unreadable (a
    disk or bucket outage): 503 ``storage_unavailable``, the file kept for a later try."""
    from django.core.files.storage import default_storage

    from opendvc.core.tests.storage_faults import unreadable_disk

    sent = send_ahead(client, pdf_of(2000)).json()
    name = f"{core_uploads.PENDING_DIR}/{default_storage.listdir(core_uploads.PENDING_DIR)[1][0]}"
    if failure == "deleted":
        default_storage.delete(name)
    else:
        unreadable_disk(monkeypatch, name)
    r = client.post(
        f"{URL}/public", body(attachments=[{"file": sent["file"]}]), content_type="application/json"
    )
    expected = {"deleted": (422, "unknown_upload"), "unreadable": (503, "storage_unavailable")}
    assert (r.status_code, r.json()["code"]) == expected[failure]
    assert Feedback.objects.count() == 0
    assert default_storage.exists(name) == (failure == "unreadable")


def test_an_attachment_needs_exactly_one_source(client, org):
    both = {"name": "a.pdf", "content_base64": base64.b64encode(pdf_of(1000)).decode(), "file": "x"}
    for item in (both, {"name": "a.pdf"}):
        r = client.post(f"{URL}/public", body(attachments=[item]), content_type="application/json")
        assert r.status_code == 422 and r.json()["code"] == "validation_error"
        [error] = r.json()["errors"]
        assert error["path"] == "attachments.0" and "một trong hai, không cả hai" in error["message"]


def test_content_that_is_not_base64_is_told_at_its_field(client, org):
    r = client.post(f"{URL}/public", body(attachments=[{"name": "a.pdf", "content_base64": "!!!"}]),
                    content_type="application/json")
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"path": "attachments.0.content_base64", "message": "Nội dung không phải chuỗi base64 hợp lệ."}
    ]
    r = client.post(f"{URL}/public", body(attachments=[{"name": "a.pdf", "content_base64": "!!!"}]),
                    content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.json()["errors"][0]["message"] == "The content is not valid base64."


def test_unused_files_are_removed_after_a_day(client, org, settings):
    import time

    from django.core.files.storage import default_storage

    send_ahead(client, pdf_of(2000))
    send_ahead(client, pdf_of(3000))
    _dirs, files = default_storage.listdir(core_uploads.PENDING_DIR)
    assert len(files) == 2
    old = time.time() - 2 * 86_400
    os.utime(default_storage.path(f"{core_uploads.PENDING_DIR}/{files[0]}"), (old, old))
    assert core_uploads.pending_uploads_remove_stale() == 1
    assert len(default_storage.listdir(core_uploads.PENDING_DIR)[1]) == 1
