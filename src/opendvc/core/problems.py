"""RFC 9457 problem details: one shape for every API error.

Each problem has a stable machine ``code`` (English, snake_case) and a Vietnamese ``detail``.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"

# code -> (status, Vietnamese title)
TITLES: dict[str, tuple[int, str]] = {
    "bad_request": (400, "Yêu cầu không hợp lệ"),
    "malformed_json": (400, "Dữ liệu JSON không đúng định dạng"),
    "validation_error": (422, "Dữ liệu không hợp lệ"),
    "unauthenticated": (401, "Chưa đăng nhập"),
    "permission_denied": (403, "Không có quyền truy cập"),
    "not_found": (404, "Không tìm thấy"),
    "method_not_allowed": (405, "Phương thức không được hỗ trợ"),
    "conflict": (409, "Xung đột dữ liệu"),
    "payload_too_large": (413, "Dữ liệu gửi lên quá lớn"),
    "unsupported_media_type": (415, "Kiểu nội dung không được hỗ trợ"),
    "rate_limited": (429, "Quá nhiều yêu cầu"),
    "server_error": (500, "Lỗi hệ thống"),
    "service_unavailable": (503, "Dịch vụ tạm thời không sẵn sàng"),
}


class ProblemError(Exception):
    """Raise from a service or handler to answer with a problem document."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        default_status, default_title = TITLES.get(code, (400, "Yêu cầu không hợp lệ"))
        self.code = code
        self.detail = detail
        self.status = status or default_status
        self.title = title or default_title
        self.extra = extra or {}

    def messages(self) -> list[str]:
        """What a page shows: the detail, then each error's message the detail does not already say,
        every text once (a service often gives its one error's message as the detail, or as the
        detail's first sentence)."""
        errors = self.extra.get("errors") or []
        said = self.detail or ""
        texts = [
            said,
            *(e.get("message", "") for e in errors if isinstance(e, dict)),
        ]
        return list(dict.fromkeys(t for i, t in enumerate(texts) if t and (i == 0 or t not in said)))

    def as_dict(self, instance: str = "") -> dict[str, Any]:
        return problem_body(
            self.code,
            self.detail,
            status=self.status,
            title=self.title,
            instance=instance,
            **self.extra,
        )


# Where a request carries its values; not part of an error's ``path``.
REQUEST_PARTS = {"body", "query", "path", "form", "file", "header", "cookie"}


def error_path(loc) -> str:
    """The ``path`` of an error item from a location list: ``["body", "data", "con", 0]`` →
    ``data.con.0`` (every domain names fields this way: ``attachments.0``, ``fees``)."""
    parts = [str(x) for x in loc]
    if len(parts) > 1 and parts[0] in REQUEST_PARTS:
        parts = parts[1:]
    return ".".join(parts)


def problem_body(
    code: str,
    detail: str,
    *,
    status: int | None = None,
    title: str | None = None,
    instance: str = "",
    **extra: Any,
) -> dict[str, Any]:
    by_status: dict[int, str] = {}
    for st, ti in TITLES.values():
        by_status.setdefault(st, ti)
    default_status, default_title = TITLES.get(
        code, (status or 400, by_status.get(status or 400, "Lỗi"))
    )
    body: dict[str, Any] = {
        "type": f"https://opendvc.vn/problems/{code.replace('_', '-')}",
        "title": title or default_title,
        "status": status or default_status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(
    code: str, detail: str, *, status: int | None = None, instance: str = "", **extra: Any
) -> JsonResponse:
    body = problem_body(code, detail, status=status, instance=instance, **extra)
    return JsonResponse(
        body,
        status=body["status"],
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
