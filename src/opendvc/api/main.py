"""The JSON API at /api/v1/: one NinjaAPI, one router per domain app, errors as problem+json."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from opendvc.core.middleware import payload_too_large
from opendvc.core.problems import ProblemError, problem_response

from .auth import DEFAULT_AUTH

api = NinjaAPI(
    title="OpenDVC API",
    version="1.0.0",
    description=(
        "API của Cổng Dịch vụ công trực tuyến. Lỗi trả về theo RFC 9457 (application/problem+json) "
        "với mã `code` ổn định và `detail` tiếng Việt."
    ),
    urls_namespace="api",
    auth=DEFAULT_AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)


class Problem(Schema):
    type: str
    title: str
    status: int
    code: str
    detail: str


@api.exception_handler(ProblemError)
def _problem(request, exc: ProblemError):
    return problem_response(exc.code, exc.detail, status=exc.status, instance=request.path, **exc.extra)


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(x) for x in err.get("loc", [])]
        errors.append({"loc": loc, "msg": err.get("msg", ""), "type": err.get("type", "")})
    if any(e["type"] == "json_invalid" for e in errors) or any("JSON" in e["msg"] for e in errors):
        return problem_response("malformed_json", "Nội dung gửi lên không phải JSON hợp lệ.", instance=request.path)
    return problem_response(
        "validation_error", "Dữ liệu gửi lên không hợp lệ; xem danh sách lỗi.", instance=request.path, errors=errors
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem_response("unauthenticated", "Cần đăng nhập hoặc mã truy cập hợp lệ.", instance=request.path)


@api.exception_handler(AuthorizationError)
def _forbidden(request, exc):
    return problem_response("permission_denied", "Bạn không có quyền thực hiện thao tác này.", instance=request.path)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response("not_found", "Không tìm thấy tài nguyên yêu cầu.", instance=request.path)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    codes = {400: "bad_request", 401: "unauthenticated", 403: "permission_denied", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
             429: "rate_limited"}
    code = codes.get(exc.status_code, "bad_request")
    if exc.status_code == 400 and "parse" in str(exc.message).lower():
        return problem_response("malformed_json", "Nội dung gửi lên không phải JSON hợp lệ.", instance=request.path)
    return problem_response(code, str(exc.message), status=exc.status_code, instance=request.path)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return payload_too_large(request)


@api.exception_handler(Exception)
def _server_error(request, exc):
    import logging

    logging.getLogger("opendvc.api").exception("Unhandled API error")
    return problem_response("server_error", "Đã có lỗi hệ thống; vui lòng thử lại sau.", instance=request.path)


from . import views  # noqa: E402,F401  (registers the core operations)

# Domain routers. Each app exposes ``router`` in its api.py.
api.add_router("/worktime", "opendvc.worktime.api.router")
api.add_router("/", "opendvc.catalog.api.router")
api.add_router("/", "opendvc.eforms.api.router")
api.add_router("/accounts", "opendvc.accounts.api.router")
api.add_router("/", "opendvc.dossiers.api.router")
api.add_router("/", "opendvc.feedback.api.router")
api.add_router("/", "opendvc.surveys.api.router")
api.add_router("/", "opendvc.workflow.api.router")
