"""Bad input never produces a stack trace or a 500: problem+json for the API, Vietnamese pages otherwise."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from opendvc.accounts.models import User

PROBLEM = "application/problem+json"


@pytest.fixture
def client_in(db):
    user = User.objects.create_user(email="nguoidan@example.vn", password="mat-khau-dai-123")
    c = Client()
    c.force_login(user)
    return c


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["detail"]
    assert {"type", "title"} <= body.keys()
    return body


def test_malformed_json_is_problem(client_in):
    _problem(
        client_in.post("/api/v1/tokens", "{bad json", content_type="application/json"),
        400,
        "malformed_json",
    )


def test_wrong_content_type_is_415(client_in):
    body = _problem(
        client_in.post(
            "/api/v1/tokens", '{"name":"x","scopes":["read"]}', content_type="text/plain"
        ),
        415,
        "unsupported_media_type",
    )
    assert "application/json" in body["accepted"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversize_body_is_413_with_limit(client_in):
    body = _problem(
        client_in.post(
            "/api/v1/tokens", '{"name":"' + "x" * 5000 + '"}', content_type="application/json"
        ),
        413,
        "payload_too_large",
    )
    assert body["limit_bytes"] == 1000


def test_schema_violation_is_422_with_locations(client_in):
    body = _problem(
        client_in.post("/api/v1/tokens", '{"name": ""}', content_type="application/json"),
        422,
        "validation_error",
    )
    assert any(e["path"] == "scopes" and e["message"] for e in body["errors"])


def test_unknown_route_is_problem(db):
    _problem(Client().get("/api/v1/khong-ton-tai"), 404, "not_found")


def test_disallowed_method_is_problem_with_allow(db):
    response = Client().post("/api/v1/ping", "{}", content_type="application/json")
    body = _problem(response, 405, "method_not_allowed")
    assert body["allowed_methods"] == ["GET", "HEAD"]
    assert response["Allow"] == "GET, HEAD"


def test_unauthenticated_api_is_401_problem(db):
    _problem(Client().get("/api/v1/me"), 401, "unauthenticated")


def test_html_404_is_vietnamese(db):
    response = Client().get("/trang-khong-co/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html and 'lang="vi"' in html


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_html_oversize_post_is_vietnamese_413(db):
    response = Client().post("/i18n/setlang/", {"language": "vi", "next": "/" + "x" * 500})
    assert response.status_code in {400, 413}
    assert "quá" in response.content.decode() or "không hợp lệ" in response.content.decode()


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom), path("api/boom/", _boom)]
handler500 = "opendvc.core.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_html_500_is_vietnamese_without_trace(db):
    c = Client(raise_request_exception=False)
    response = c.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Hệ thống đang gặp sự cố" in html
    assert "Traceback" not in html and "RuntimeError" not in html


def test_request_id_is_echoed_or_made(db):
    c = Client()
    assert c.get("/healthz", HTTP_X_REQUEST_ID="abc-123").headers["X-Request-ID"] == "abc-123"
    made = c.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces <script>").headers[
        "X-Request-ID"
    ]
    assert len(made) == 32 and " " not in made


@override_settings(ROOT_URLCONF=__name__)
def test_api_500_is_problem_without_trace(db):
    response = Client(raise_request_exception=False).get("/api/boom/")
    body = _problem(response, 500, "server_error")
    assert (
        "RuntimeError" not in response.content.decode()
        and "Traceback" not in response.content.decode()
    )
    assert body["detail"].startswith("Đã có lỗi")


def test_html_wrong_method_is_a_vietnamese_405_with_allow(db):
    """A form's address opened as a link: a page that says so instead of an empty 405."""
    user = User.objects.create_user(email="nguoi-dan-405@example.vn", password="mat-khau-dai-123")
    client = Client()
    client.force_login(user)
    response = client.get("/kho-du-lieu/00000000-0000-0000-0000-000000000000/xoa/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    html = response.content.decode()
    assert '<html lang="vi"' in html and "bằng nút hoặc biểu mẫu" in html


def test_a_post_only_page_opened_as_a_link_says_so_in_the_page_language(db):
    """The "cancel" link of a postal pickup (a ``require_POST`` view) opened with GET: the portal's
    error page, in the page's language, with a way back to the page that linked to it."""
    user = User.objects.create_user(email="buu-chinh-405@example.vn", password="mat-khau-dai-123")
    client = Client()
    client.force_login(user)
    url = "/buu-chinh/don-cua-toi/BC-1/huy/"

    response = client.get(url, HTTP_REFERER="http://testserver/buu-chinh/don-cua-toi/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    html = response.content.decode()
    assert '<html lang="vi"' in html and "dùng nút" in html
    assert 'href="/buu-chinh/don-cua-toi/"' in html and 'href="/"' in html

    client.cookies["django_language"] = "en"
    response = client.get(url, HTTP_REFERER="https://ke-gian.example/lua-dao/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "button" in html and "chỉ nhận" not in html and "Không thực hiện" not in html
    assert "ke-gian.example" not in html and 'href="/"' in html

    # The API keeps answering problem+json.
    response = client.delete("/api/v1/ping")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert response["Content-Type"] == "application/problem+json"

