"""Request ids and the HTML/JSON shape of errors raised before a view runs."""

from __future__ import annotations

import re
import uuid

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .logging import request_id_var
from .problems import problem_response

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def wants_problem_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


class RequestIdMiddleware:
    """Takes ``X-Request-ID`` from the client when well-formed, else makes one; echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class ProblemDetailsMiddleware:
    """Turns oversize bodies into 413 (problem+json for the API, a Vietnamese page otherwise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        early = self._check_body(request)
        if early is not None:
            return early
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith(("application/problem+json", "application/json"))
        ):
            return _as_problem(request, response)
        return response

    def _check_body(self, request: HttpRequest) -> HttpResponse | None:
        """API bodies must be JSON (or multipart for uploads) and within the configured limit."""
        if not request.path.startswith("/api/") or request.method not in {"POST", "PUT", "PATCH"}:
            return None
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        ctype = request.content_type or ""
        if ctype != "multipart/form-data" and length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return payload_too_large(request)
        if length and not (ctype == "application/json" or ctype.endswith("+json") or ctype == "multipart/form-data"):
            return problem_response(
                "unsupported_media_type",
                f"Kiểu nội dung '{ctype or 'không xác định'}' không được hỗ trợ; hãy gửi application/json.",
                instance=request.path,
                accepted=["application/json", "multipart/form-data"],
            )
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return payload_too_large(request)
        return None


def payload_too_large(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = f"Dữ liệu gửi lên vượt quá giới hạn {limit:,} byte.".replace(",", ".")
    if wants_problem_json(request):
        return problem_response("payload_too_large", detail, instance=request.path, limit_bytes=limit)
    return render(request, "errors/error.html", {"status": 413, "title": "Dữ liệu quá lớn", "message": detail}, status=413)


_STATUS_CODES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthenticated", "Cần đăng nhập hoặc mã truy cập hợp lệ."),
    403: ("permission_denied", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy tài nguyên yêu cầu."),
    405: ("method_not_allowed", "Phương thức HTTP này không được hỗ trợ cho địa chỉ này."),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Kiểu nội dung không được hỗ trợ."),
}


def _as_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    code, detail = _STATUS_CODES.get(response.status_code, ("server_error" if response.status_code >= 500 else "bad_request", "Yêu cầu không thể xử lý."))
    extra = {}
    if response.status_code == 405 and response.has_header("Allow"):
        extra["allowed_methods"] = [m.strip() for m in response["Allow"].split(",")]
    problem = problem_response(code, detail, status=response.status_code, instance=request.path, **extra)
    if response.has_header("Allow"):
        problem["Allow"] = response["Allow"]
    return problem


class VietnameseFirstMiddleware:
    """The portal speaks Vietnamese unless the visitor chose English with the language switch.

    The browser's Accept-Language is ignored: a government portal in Vietnam answers in Vietnamese
    first, and the choice made with the switch (the language cookie) is what counts.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
