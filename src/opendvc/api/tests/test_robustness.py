"""No input reaches the database or the request parser unchecked: huge numbers, NUL characters and
unreadable multipart bodies get a 400/413/422 problem (a Vietnamese page on the web), never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from opendvc.accounts.models import User
from opendvc.api.main import api
from opendvc.api.params import MAX_OFFSET, MAX_PAGE
from opendvc.feedback.models import Feedback

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
HUGE = ["99999999999999999999", str(2**63), str(MAX_OFFSET + 1), "-1"]


def _problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["detail"]
    if code:
        assert body["code"] == code
    return body


@pytest.fixture
def person():
    return User.objects.create_user(email="nguoi-dan@example.vn", password="mat-khau-dai-123")


@pytest.fixture
def signed_in(person):
    client = Client(raise_request_exception=False)
    client.force_login(person)
    return client


def anonymous() -> Client:
    return Client(raise_request_exception=False)


# --- bounded pagination ---------------------------------------------------------------------------

LISTS = [
    ("/api/v1/qa", "offset", False),
    ("/api/v1/qa", "limit", False),
    ("/api/v1/feedback", "offset", True),
    ("/api/v1/feedback", "limit", True),
    ("/api/v1/dossiers", "page", True),
    ("/api/v1/procedures", "page", False),
    ("/api/v1/public/results", "page", False),
]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize(("path", "param", "login"), LISTS)
def test_out_of_range_page_or_offset_is_422(path, param, login, value, signed_in):
    client = signed_in if login else anonymous()
    body = _problem(client.get(path, {param: value}), 422, "validation_error")
    assert any(e["path"] == param for e in body["errors"])


@pytest.mark.parametrize(("path", "param", "login"), LISTS)
def test_the_last_allowed_page_or_offset_is_served(path, param, login, signed_in):
    client = signed_in if login else anonymous()
    last = {"offset": MAX_OFFSET, "page": MAX_PAGE, "limit": 100}[param]
    assert client.get(path, {param: last}).status_code == 200


@pytest.mark.parametrize("value", ["99999999999999999999", "0", "-5"])
def test_out_of_range_numeric_ids_in_the_path_are_422(value, signed_in):
    _problem(anonymous().get(f"/api/v1/qa/{value}"), 422, "validation_error")
    _problem(signed_in.delete(f"/api/v1/tokens/{value}"), 422, "validation_error")


def _integer_parameters(schema: dict) -> list[tuple[str, str, str, dict]]:
    found = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            for param in op.get("parameters", []):
                s = param.get("schema", {})
                types = [s.get("type")] + [x.get("type") for x in s.get("anyOf", [])]
                if "integer" in types:
                    found.append((method, path, param["name"], s))
    return found


def test_every_integer_parameter_of_every_operation_is_bounded():
    """The rule behind the cases above: any integer a client may put in a path or query has a
    minimum and a maximum, so none can overflow the database."""
    params = _integer_parameters(api.get_openapi_schema())
    assert len(params) >= 8
    unbounded = [(m, p, n) for m, p, n, s in params if "maximum" not in s or "minimum" not in s]
    assert unbounded == []


# --- NUL characters and huge numbers in JSON ------------------------------------------------------

FEEDBACK = {
    "subject": "Đường hỏng",
    "content": "Ổ gà trước trường học.",
    "sender_name": "Lê Văn Tư",
    "sender_phone": "0912345678",
}


@pytest.mark.parametrize(
    ("path", "login", "payload", "loc"),
    [
        (
            "/api/v1/feedback/public",
            False,
            {**FEEDBACK, "subject": "Đường\u0000hỏng"},
            ["body", "subject"],
        ),
        (
            "/api/v1/feedback/public",
            False,
            {**FEEDBACK, "sender_name": "\u0000"},
            ["body", "sender_name"],
        ),
        (
            "/api/v1/feedback",
            True,
            {**FEEDBACK, "content": "x" * 50 + "\u0000"},
            ["body", "content"],
        ),
        (
            "/api/v1/tokens",
            True,
            {"name": "ứng dụng", "scopes": ["read", "\u0000"]},
            ["body", "scopes", "1"],
        ),
        (
            "/api/v1/dossiers",
            True,
            {"procedure": "1.001193", "data": {"ho\u0000ten": "A"}},
            ["body", "data", "ho\\u0000ten"],
        ),
        (
            "/api/v1/dossiers",
            True,
            {"procedure": "1.001193", "data": {"con": [{"ten": "B\u0000"}]}},
            ["body", "data", "con", "0", "ten"],
        ),
        (
            "/api/v1/surveys/khong-co/answer",
            False,
            {"overall": 1, "comment": "\u0000"},
            ["body", "comment"],
        ),
    ],
)
def test_nul_character_anywhere_in_json_is_422_and_nothing_is_saved(
    path, login, payload, loc, signed_in
):
    client = signed_in if login else anonymous()
    response = client.post(path, json.dumps(payload), content_type="application/json")
    body = _problem(response, 422, "validation_error")
    assert body["errors"][0]["path"] == ".".join(loc[1:]) and "NUL" in body["errors"][0]["message"]
    assert "NUL" in body["detail"]
    assert Feedback.objects.count() == 0


def test_the_same_text_without_nul_is_accepted():
    response = anonymous().post(
        "/api/v1/feedback/public", json.dumps(FEEDBACK), content_type="application/json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("number", [2**53, -(2**63), 10**30])
def test_integers_no_column_can_hold_are_422(number, signed_in):
    payload = {"action": "comment", "expected_version": number}
    response = signed_in.post(
        "/api/v1/feedback/PA-1/actions", json.dumps(payload), content_type="application/json"
    )
    body = _problem(response, 422, "validation_error")
    assert body["errors"][0]["path"] == "expected_version"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/qa?q=a%00b",
        "/api/v1/procedures?q=khai%00sinh",
        "/api/v1/feedback/track/abc%00",
        "/api/v1/worktime/calendar?year=20%0026",
    ],
)
def test_nul_character_in_address_or_query_is_400(url):
    _problem(anonymous().get(url), 400, "bad_request")


def test_nul_in_feedback_is_refused_on_postgresql_too(postgres_db):
    """PostgreSQL refuses NUL in text outright: before the check this was a 500 there."""
    payload = {**FEEDBACK, "content": "nội dung\u0000"}
    _problem(
        anonymous().post(
            "/api/v1/feedback/public", json.dumps(payload), content_type="application/json"
        ),
        422,
        "validation_error",
    )
    _problem(anonymous().get("/api/v1/qa?q=%00"), 400, "bad_request")


@pytest.mark.parametrize(
    "url",
    [
        "/xac-thuc-ket-qua/?ma=abc%00&khoa=x",
        "/tra-cuu/?ma=abc%00",
        "/kho-du-lieu/chia-se/a%00b/",
        "/thu-tuc/?q=khai%00sinh",
        "/ket-qua-giai-quyet/?q=%00",
    ],
)
def test_nul_character_in_a_pages_address_or_query_is_a_vietnamese_400(url):
    response = anonymous().get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "ký tự NUL" in response.content.decode()


def test_nul_character_in_a_pages_form_is_a_vietnamese_400():
    response = anonymous().post(
        "/tai-khoan/login/",
        "login=a%00%40example.vn&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "ký tự NUL" in response.content.decode()


def test_nul_in_a_multipart_forms_text_is_400_on_postgresql_and_nothing_is_saved(postgres_db, signed_in, person):
    """A multipart form's text fields are read by the view: PostgreSQL refuses the NUL, the error page
    says why, and the transaction keeps nothing (before, a 500)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opendvc.dossiers.tests.conftest import pdf_bytes
    from opendvc.vault.models import StoredDocument

    pdf = pdf_bytes()
    response = signed_in.post(
        "/kho-du-lieu/",
        {"document_type": "CCCD\x00", "file": SimpleUploadedFile("cccd.pdf", pdf, "application/pdf")},
    )
    assert response.status_code == 400, response.content[:300]
    assert "ký tự NUL" in response.content.decode()
    assert not StoredDocument.objects.filter(owner=person).exists()


@pytest.mark.parametrize(
    ("query", "api_query"),
    [
        ("den-ngay=31/12/9999", "to=9999-12-31"),
        ("tu-ngay=01/01/0001", "from=0001-01-01"),
        ("tu-ngay=01/01/0001&den-ngay=31/12/9999", "from=0001-01-01&to=9999-12-31"),
    ],
)
def test_public_results_far_dates_are_refused_not_500(query, api_query):
    """The day after 31/12/9999 and the local midnight of 01/01/0001 do not exist: such days are
    refused with the range that is searched (before, an overflow and a 500)."""
    page = anonymous().get(f"/ket-qua-giai-quyet/?{query}")
    assert page.status_code == 422
    assert "nằm ngoài khoảng tra cứu (01/01/2000 – 31/12/2099)" in page.content.decode()
    body = _problem(anonymous().get(f"/api/v1/public/results?{api_query}"), 422, "validation_error")
    assert {e["path"] for e in body["errors"]} <= {"from", "to"}


def test_public_results_page_number_beyond_any_is_an_empty_page():
    for value in HUGE:
        response = anonymous().get("/ket-qua-giai-quyet/", {"trang": value})
        assert response.status_code == 200, value


# --- unreadable multipart bodies ------------------------------------------------------------------

BOUNDARY = "----opendvc-test"


def multipart(
    filename: str, *, field: str = "file", content: bytes = b"%PDF-1.4\n%%EOF\n"
) -> tuple[bytes, str]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
    )
    body = (
        head.encode()
        + b"Content-Type: application/pdf\r\n\r\n"
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={BOUNDARY}"


@pytest.mark.parametrize("length", [1000, 5000])
@pytest.mark.parametrize(
    ("path", "field"), [("/api/v1/files", "file"), ("/api/v1/feedback/inbound/email", "message")]
)
def test_overlong_file_name_in_api_upload_is_400(path, field, length, signed_in):
    data, ctype = multipart("a" * length + ".pdf", field=field)
    body = _problem(signed_in.post(path, data, content_type=ctype), 400, "bad_request")
    assert "Tên tệp" in body["detail"]


def test_broken_multipart_body_is_400():
    data = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'.encode()
    data += (
        b"Content-Transfer-Encoding: base64\r\n\r\n@@@not-base64@@@\r\n--"
        + BOUNDARY.encode()
        + b"--\r\n"
    )
    client = Client(raise_request_exception=False)
    user = User.objects.create_user(email="b@example.vn", password="mat-khau-dai-123")
    client.force_login(user)
    response = client.post(
        "/api/v1/files", data, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"].startswith(PROBLEM)


@pytest.mark.parametrize("path", ["/phan-anh-kien-nghi/gui/", "/tai-khoan/login/"])
def test_overlong_file_name_on_a_web_form_gets_a_vietnamese_page(path):
    data, ctype = multipart("Đơn-khiếu-nại-" * 100 + ".pdf")
    response = Client(raise_request_exception=False).post(path, data, content_type=ctype)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'lang="vi"' in html and "Tên tệp" in html and "đổi tên tệp ngắn hơn" in html


def test_too_many_files_in_one_request_is_400(settings, signed_in):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    parts = (
        b"".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{i}.pdf"\r\n\r\nx\r\n'.encode()
            for i in range(4)
        )
        + f"--{BOUNDARY}--\r\n".encode()
    )
    body = _problem(
        signed_in.post(
            "/api/v1/files", parts, content_type=f"multipart/form-data; boundary={BOUNDARY}"
        ),
        400,
        "bad_request",
    )
    assert "quá nhiều tệp" in body["detail"]


def test_request_checker_messages_are_vietnamese_with_their_limits():
    from opendvc.api.main import validation_message

    assert validation_message({"type": "missing", "msg": "Field required"}) == "Thiếu trường bắt buộc."
    assert validation_message({"type": "string_too_long", "ctx": {"max_length": 200}}) == "Tối đa 200 ký tự."
    assert validation_message({"type": "less_than_equal", "ctx": {"le": 10000}}) == "Phải nhỏ hơn hoặc bằng 10000."
    assert validation_message({"type": "value_error", "msg": "Value error, Mã không hợp lệ."}) == "Mã không hợp lệ."
    assert validation_message({"type": "something_new", "msg": "Whatever"}) == "Giá trị không hợp lệ."
    assert validation_message({"type": "literal_error", "ctx": {}}) == "Phải là một trong."

