"""RFC 9457 problem details: one shape for every API error.

Each problem has a stable machine ``code`` (English, snake_case), a ``title`` saying what kind of
problem it is (the code's own, or the general one of its status) and a ``detail``. Titles are written
in Vietnamese and given in the language of the request (English when the visitor chose it).
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from django.utils.translation import gettext, gettext_noop

PROBLEM_CONTENT_TYPE = "application/problem+json"

# code -> (status, Vietnamese title)
TITLES: dict[str, tuple[int, str]] = {
    "bad_request": (400, gettext_noop("Yêu cầu không hợp lệ")),
    "malformed_json": (400, gettext_noop("Dữ liệu JSON không đúng định dạng")),
    "validation_error": (422, gettext_noop("Dữ liệu không hợp lệ")),
    "unauthenticated": (401, gettext_noop("Chưa đăng nhập")),
    "permission_denied": (403, gettext_noop("Không có quyền truy cập")),
    "not_found": (404, gettext_noop("Không tìm thấy")),
    "method_not_allowed": (405, gettext_noop("Phương thức không được hỗ trợ")),
    "conflict": (409, gettext_noop("Xung đột dữ liệu")),
    "payload_too_large": (413, gettext_noop("Dữ liệu gửi lên quá lớn")),
    "unsupported_media_type": (415, gettext_noop("Kiểu nội dung không được hỗ trợ")),
    "rate_limited": (429, gettext_noop("Quá nhiều yêu cầu")),
    "server_error": (500, gettext_noop("Lỗi hệ thống")),
    "service_unavailable": (503, gettext_noop("Dịch vụ tạm thời không sẵn sàng")),
}
# The general title of a status, for a code of a domain's own without a title of its own.
_BY_STATUS: dict[int, str] = {}
for _status, _title in TITLES.values():
    _BY_STATUS.setdefault(_status, _title)


def default_title(code: str, status: int | None = None) -> str:
    """The Vietnamese title of ``code`` when it is one of the general codes, else the general title
    of ``status`` (a 409 of a domain is a "conflict", not a "bad request")."""
    if code in TITLES:
        return TITLES[code][1]
    return _BY_STATUS.get(status or 400, gettext_noop("Lỗi"))


def title_text(title: str) -> str:
    """A title in the language of the request: titles are kept in Vietnamese (marked for
    translation where they are written), and one already translated stays as it is."""
    return gettext(title) if title else title


class ProblemError(Exception):
    """Raise from a service or handler to answer with a problem document."""

    #: Seconds after which the request may be tried again (``Retry-After``), for a passing problem.
    retry_after: int | None = None

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
        self.code = code
        self.detail = detail
        self.status = status or TITLES.get(code, (400, ""))[0]
        self.title = title or default_title(code, self.status)
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
        return list(
            dict.fromkeys(t for i, t in enumerate(texts) if t and (i == 0 or t not in said))
        )

    def as_dict(self, instance: str = "") -> dict[str, Any]:
        return problem_body(
            self.code,
            self.detail,
            status=self.status,
            title=self.title,
            instance=instance,
            **self.extra,
        )


def retry_after_header(response, exc: ProblemError):
    """``response`` (an API problem or a page showing ``exc``) with ``Retry-After`` when ``exc`` is a
    passing problem (``ProblemError.retry_after``)."""
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


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
    status = status or TITLES.get(code, (400, ""))[0]
    body: dict[str, Any] = {
        "type": f"https://opendvc.vn/problems/{code.replace('_', '-')}",
        "title": title_text(title or default_title(code, status)),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem_response(
    code: str,
    detail: str,
    *,
    status: int | None = None,
    title: str | None = None,
    instance: str = "",
    **extra: Any,
) -> JsonResponse:
    body = problem_body(code, detail, status=status, title=title, instance=instance, **extra)
    return JsonResponse(
        body,
        status=body["status"],
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
