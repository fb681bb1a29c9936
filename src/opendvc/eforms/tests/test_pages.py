"""Applicant pages (fill, drafts, autosave, PDF) and the back-office builder."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model

from opendvc.eforms.models import FormDraft, FormVersion

from .conftest import birth_data, sign_in_with_mfa
from .test_services import _as_post

pytestmark = pytest.mark.usefixtures("eforms")
START = "/to-khai/1.001193/"


@pytest.fixture
def signed_in(client, applicant):
    client.force_login(applicant)
    return client


def _post(client, url, data, **extra):
    post = _as_post(data)
    for key, value in extra.items():
        post[key] = value
    return client.post(url, post.urlencode(), content_type="application/x-www-form-urlencoded")


def test_start_needs_sign_in(client):
    r = client.get(START)
    assert r.status_code == 302 and "/dang-nhap" in r["Location"] or "login" in r["Location"]


def test_form_page_is_prefilled_and_labelled(signed_in):
    r = signed_in.get(START)
    assert r.status_code == 200
    html = r.content.decode()
    assert "<h1>Tờ khai đăng ký khai sinh</h1>" in html
    assert 'value="Nguyễn Thị Hồng"' in html  # full name from the account
    assert html.count("<h1") == 1
    assert "eforms/eforms.js" in html and "<script>" not in html


def test_save_draft_then_errors_then_finish(signed_in, applicant, a_ward):
    data = birth_data(a_ward)
    bad = data | {"child_birth_date": "31/02/2025", "declaration": False}
    r = _post(signed_in, START, bad, action="save")
    draft = FormDraft.objects.get(user=applicant)
    assert r.status_code == 200  # shown again with the error; valid values kept
    html = r.content.decode()
    assert "data-error-summary" in html and 'href="#f-child_birth_date"' in html
    assert 'value="31/02/2025"' in html  # what was typed is shown again
    # ... and the page says it is not in the draft yet (it was dropped without a word on leaving).
    assert "chưa hợp lệ nên chưa được lưu" in html
    assert draft.data["child_name"] == "Trần Minh Khôi" and "child_birth_date" not in draft.data

    url = f"/to-khai/ban-nhap/{draft.public_id}/"
    r = signed_in.get(START)  # coming back: sent to the draft
    assert r.status_code == 302 and r["Location"] == url
    r = signed_in.get(url)
    assert 'value="Trần Minh Khôi"' in r.content.decode()

    r = _post(signed_in, url, bad, action="finish")
    html = r.content.decode()
    assert r.status_code == 200 and "Ngày 31/02/2025 không tồn tại." in html
    assert "Bạn cần đánh dấu xác nhận lời cam đoan." in html

    r = _post(signed_in, url, data, action="finish")
    assert r.status_code == 302 and r["Location"] == f"{url}hoan-thanh/"
    r = signed_in.get(r["Location"])
    assert "05/09/2025" in r.content.decode()
    draft.refresh_from_db()
    assert draft.completed_at and draft.data["child_birth_date"] == "2025-09-05"

    r = signed_in.get(f"{url}to-khai.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"


def test_autosave_keeps_valid_values(signed_in, applicant, a_ward):
    _post(signed_in, START, {"child_name": "Bé Na"}, action="save")
    draft = FormDraft.objects.get(user=applicant)
    r = _post(
        signed_in,
        f"/to-khai/ban-nhap/{draft.public_id}/tu-dong-luu/",
        {"child_name": "Bé Na Na", "child_birth_date": "99/99/2025"},
    )
    assert r.status_code == 200 and "1 giá trị chưa hợp lệ" in r.content.decode()
    draft.refresh_from_db()
    assert draft.data["child_name"] == "Bé Na Na"


def test_autosave_status_reads_in_english_for_one_invalid_value(signed_in, applicant):
    _post(signed_in, START, {"child_name": "Bé Na"}, action="save")
    draft = FormDraft.objects.get(user=applicant)
    signed_in.cookies["django_language"] = "en"
    r = _post(
        signed_in,
        f"/to-khai/ban-nhap/{draft.public_id}/tu-dong-luu/",
        {"child_name": "Bé Na Na", "child_birth_date": "99/99/2025"},
    )
    assert r.status_code == 200 and "1 invalid value was not saved." in r.content.decode()


def test_a_completed_form_is_not_changed_by_a_late_post(signed_in, applicant, a_ward):
    """A second click on "Hoàn thành", or a save from a stale tab, after the form was completed."""
    data = birth_data(a_ward)
    r = _post(signed_in, START, data, action="finish")
    draft = FormDraft.objects.get(user=applicant)
    url = f"/to-khai/ban-nhap/{draft.public_id}/"
    assert r["Location"] == f"{url}hoan-thanh/"
    for action in ("save", "finish"):
        r = _post(signed_in, url, {"child_name": "Khác"}, action=action)
        assert r.status_code == 302 and r["Location"] == f"{url}hoan-thanh/"
    draft.refresh_from_db()
    assert draft.completed_at and draft.data["child_name"] == "Trần Minh Khôi"
    assert draft.data["requester_name"] == "Nguyễn Thị Hồng"


def test_add_row_without_javascript(signed_in):
    r = _post(
        signed_in, "/to-khai/3.000333/", {"full_name": "An"}, **{"eforms-add": "residence_history"}
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert 'id="f-residence_history-1-place"' in html


def test_drafts_list_delete_and_privacy(client, signed_in, applicant, a_ward):
    _post(signed_in, START, {"child_name": "Bé Na"}, action="save")
    draft = FormDraft.objects.get(user=applicant)
    r = signed_in.get("/to-khai/ban-nhap/")
    assert "Thủ tục đăng ký khai sinh" in r.content.decode()
    other = get_user_model().objects.create_user(email="khac@example.vn", password="pw-Strong-123")
    client.force_login(other)
    assert client.get(f"/to-khai/ban-nhap/{draft.public_id}/").status_code == 404
    assert client.post(f"/to-khai/ban-nhap/{draft.public_id}/xoa/").status_code == 404
    client.force_login(applicant)
    assert client.post(f"/to-khai/ban-nhap/{draft.public_id}/xoa/").status_code == 302
    assert not FormDraft.objects.exists()


def test_blank_pdf_is_public_and_ward_options_need_sign_in(client, applicant):
    r = client.get("/to-khai/1.013225/mau-trong.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert client.get("/to-khai/9.999999/mau-trong.pdf").status_code == 404
    assert client.get("/to-khai/phuong-xa/", {"tinh": "75"}).status_code == 302
    client.force_login(applicant)
    r = client.get("/to-khai/phuong-xa/", {"tinh": "75"})
    assert "Phường Bình Phước" in r.content.decode()


def test_builder_needs_an_administrator(client, applicant):
    client.force_login(applicant)
    assert client.get("/quan-tri/bieu-mau/").status_code == 403


def test_builder_checks_saves_and_publishes(client, admin_user):
    sign_in_with_mfa(client, admin_user)
    r = client.get("/quan-tri/bieu-mau/")
    assert r.status_code == 200 and "Tờ khai đăng ký khai sinh" in r.content.decode()
    r = client.get("/quan-tri/bieu-mau/dang-ky-khai-sinh/")
    html = r.content.decode()
    assert "1.001193" in html and 'id="pv-f-child_name"' in html
    definition = json.loads(
        re.search(r'<textarea id="definition"[^>]*>(.*?)</textarea>', html, re.S)
        .group(1)
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )
    broken = json.loads(json.dumps(definition))
    broken["sections"][0]["fields"][0]["kind"] = "chu_ky"
    r = client.post(
        "/quan-tri/bieu-mau/dang-ky-khai-sinh/",
        {"definition": json.dumps(broken), "action": "publish"},
    )
    assert r.status_code == 200 and "Loại trường “chu_ky” không được hỗ trợ" in r.content.decode()
    r = client.post(
        "/quan-tri/bieu-mau/dang-ky-khai-sinh/", {"definition": "{oops", "action": "check"}
    )
    assert "JSON không hợp lệ ở dòng 1" in r.content.decode()
    definition["sections"][0]["fields"][0]["help"] = "Ghi đúng tên Ủy ban nhân dân."
    r = client.post(
        "/quan-tri/bieu-mau/dang-ky-khai-sinh/",
        {"definition": json.dumps(definition), "action": "publish"},
    )
    assert r.status_code == 302
    assert FormVersion.objects.filter(form__key="dang-ky-khai-sinh").count() == 2
    r = client.post(
        "/quan-tri/bieu-mau/xem-truoc/",
        {"definition": json.dumps(definition), "key": "dang-ky-khai-sinh"},
    )
    assert "Ghi đúng tên Ủy ban nhân dân." in r.content.decode()
    r = client.post("/quan-tri/bieu-mau/xem-truoc/", {"definition": json.dumps(definition)})
    assert "đang dùng biểu mẫu “dang-ky-khai-sinh”" in r.content.decode()
    r = client.get("/quan-tri/bieu-mau/dang-ky-khai-sinh/phien-ban/1/")
    assert r.status_code == 200


def test_builder_creates_a_new_form(client, admin_user):
    sign_in_with_mfa(client, admin_user)
    definition = {
        "title": "Phiếu thử",
        "sections": [
            {"key": "a", "title": "A", "fields": [{"key": "name", "kind": "text", "label": "Tên"}]}
        ],
    }
    r = client.post(
        "/quan-tri/bieu-mau/moi/",
        {"key": "phieu-thu", "definition": json.dumps(definition), "action": "save"},
    )
    assert r.status_code == 302 and r["Location"] == "/quan-tri/bieu-mau/phieu-thu/"
    r = client.post(
        "/quan-tri/bieu-mau/moi/",
        {"key": "phieu-thu", "definition": json.dumps(definition), "action": "save"},
    )
    assert "Mã biểu mẫu đã có." in r.content.decode()
