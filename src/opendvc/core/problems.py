"""RFC 9457 problem details: one shape for every API error.

Each problem has a stable machine ``code`` (English, snake_case), a ``title`` saying what kind of
problem it is (the code's own, or the general one of its status) and a ``detail``. Titles are written
in Vietnamese and given in the language of the request (English when the visitor chose it).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, trans_real

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


def errors_at_inputs(exc: ProblemError, target_of) -> tuple[dict[str, str], list[dict]]:
    """A refused form's errors: the message at each input (by the input's id, ``target_of(path)``
    for the path an error names, None for no input of the form) and the summary's entries, those of
    an input linked to it (``{"target", "message"}``, the input's first error)."""
    fields: dict[str, str] = {}
    for e in exc.extra.get("errors") or []:
        if isinstance(e, dict) and e.get("message"):
            target = target_of(str(e.get("path") or ""))
            if target:
                fields.setdefault(target, str(e["message"]))
    links = [
        *({"target": "", "message": m} for m in exc.messages() if m not in fields.values()),
        *({"target": target, "message": m} for target, m in fields.items()),
    ]
    return fields, links


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


# A placeholder of a message: ``%(name)s`` (gettext's) or ``{name}`` (``str.format``'s).
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w+)\}")


@lru_cache(maxsize=4)
def _source_words(language: str) -> tuple[dict[str, str], list[tuple[re.Pattern, str]]]:
    """The catalogue of ``language`` read backwards: each translation → its Vietnamese source, and
    the translations with placeholders as patterns (the most specific first) with their source."""
    exact: dict[str, str] = {}
    patterns: dict[str, tuple[re.Pattern, str, int]] = {}
    for key, said in trans_real.translation(language)._catalog.items():
        if not isinstance(key, str) or not key or not isinstance(said, str) or said == key:
            continue
        source = key.rpartition("\x04")[2]  # without a message context
        exact.setdefault(said, source)
        if _PLACEHOLDER.search(said) is None or said in patterns:
            continue
        regex, seen, literal, end = [], set(), 0, 0
        for m in _PLACEHOLDER.finditer(said):
            name = m.group(1) or m.group(2)
            regex.append(re.escape(said[end : m.start()].replace("%%", "%")))
            literal += m.start() - end
            regex.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            end = m.end()
        regex.append(re.escape(said[end:].replace("%%", "%")))
        literal += len(said) - end
        if literal >= 4:
            patterns[said] = (re.compile("".join(regex), re.DOTALL), source, literal)
    ordered = sorted(patterns.values(), key=lambda p: -p[2])
    return exact, [(pattern, source) for pattern, source, _literal in ordered]


def vietnamese_words(text: str) -> str:
    """``text``, a message of the portal said in the active language, in its Vietnamese words (the
    catalogue's source), for what is stored whatever language the requester asked for (the log of
    peers' requests). A message with values filled in gets its values back in the Vietnamese
    sentence (a value that is itself a message of the catalogue in its Vietnamese words); a text the
    catalogue does not hold (a peer's own words, the request checker's) is kept as it is. A reason
    is said once, in the answer's language, by whichever check refused (the checks before a handler,
    the handler, a service it calls); read back here, none of them words it twice."""
    language = translation.get_language() or ""
    if not text or language.split("-")[0] == "vi":
        return text
    exact, patterns = _source_words(language)
    if text in exact:
        return exact[text]
    for pattern, source in patterns:
        found = pattern.fullmatch(text)
        if found is not None:
            return _filled(source, found.groupdict(), exact)
    return text


def _filled(source: str, values: dict[str, str], exact: dict[str, str]) -> str:
    def value(m: re.Match) -> str:
        said = values.get(m.group(1) or m.group(2))
        return m.group(0) if said is None else exact.get(said, said)

    return _PLACEHOLDER.sub(value, source.replace("%%", "\x00")).replace("\x00", "%")
