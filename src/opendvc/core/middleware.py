"""Request ids, the HTML/JSON shape of errors raised before a view runs, and the Content-Security-Policy
header."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.signals import setting_changed
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, RawPostDataException
from django.http.multipartparser import MultiPartParserError, TooManyFilesSent
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.utils.translation.trans_real import parse_accept_lang_header

from .logging import request_id_var
from .problems import error_path, problem_response, vietnamese_words
from .ratelimit import client_ip
from .text import lone_surrogate

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def wants_problem_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


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
        if request.method == "HEAD" and request.path.startswith("/api/"):
            return self._head(request)
        response = self._answer(request)
        if (
            400 <= response.status_code < 500
            and request.method in _BODY_METHODS
            and not getattr(request, "inbound_logged", False)
        ):
            inbound_refusal_send(request, response)
        return response

    def _answer(self, request: HttpRequest) -> HttpResponse:
        early = self._check_body(request)
        if early is not None:
            return early
        response = self.get_response(request)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            # The request limits count per minute (core.ratelimit): a client may try again after one.
            response["Retry-After"] = "60"
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith(
                ("application/problem+json", "application/json")
            )
        ):
            return _as_problem(request, response)
        if (
            response.status_code == 405
            and not getattr(response, "streaming", False)
            and not response.content
            and not request.path.startswith("/api/")
        ):
            return method_not_allowed(request, response.get("Allow", ""))
        return response

    def _head(self, request: HttpRequest) -> HttpResponse:
        """HEAD on the API is answered as GET without the body (RFC 9110 §9.3.2): the same status and
        headers (ETag, Cache-Control, Content-Length of the body GET would send), for caches and
        monitors. The API's operations are declared for GET only; Django's own views answer HEAD the
        same way for pages."""
        request.method = "GET"
        try:
            response = self(request)
        finally:
            request.method = "HEAD"
        if not getattr(response, "streaming", False):
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    def _check_body(self, request: HttpRequest) -> HttpResponse | None:
        """No NUL character in the address, the query or a form's fields, on pages as in the API
        (PostgreSQL refuses NUL in text); API bodies must be JSON (or multipart for uploads), within
        the configured limit, with no NUL in any JSON string."""
        if "\x00" in request.path:
            return nul_refused(request)
        if "%00" in request.META.get("QUERY_STRING", ""):
            return None if answers_in_own_words(request) else nul_refused(request)
        if not request.path.startswith("/api/"):
            if (
                request.method == "POST"
                and request.content_type == "application/x-www-form-urlencoded"
            ):
                try:
                    body = request.body
                except RequestDataTooBig:
                    return None  # answered 413 where the form is read
                if (b"%00" in body or b"\x00" in body) and not answers_in_own_words(request):
                    return nul_refused(request)
            return None
        if request.method not in {"POST", "PUT", "PATCH"}:
            return None

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        ctype = request.content_type or ""
        if ctype != "multipart/form-data" and length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return payload_too_large(request)
        if length and not (
            ctype == "application/json" or ctype.endswith("+json") or ctype == "multipart/form-data"
        ):
            return problem_response(
                "unsupported_media_type",
                _(
                    "Kiểu nội dung '%(type)s' không được hỗ trợ; hãy gửi application/json, hoặc "
                    "multipart/form-data khi tải tệp lên."
                )
                % {"type": ctype or _("không xác định")},
                instance=request.path,
                accepted=["application/json", "multipart/form-data"],
            )
        if length and (ctype == "application/json" or ctype.endswith("+json")):
            return _check_json(request)
        if ctype == "multipart/form-data" and request.method == "POST":
            return _check_multipart(request)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return payload_too_large(request)
        if _is_nul_refusal(exception):
            # A NUL character that came another way (a multipart form's text field) and reached
            # PostgreSQL: the statement and its transaction were refused, nothing was half-saved.
            return nul_refused(request)
        # Unreadable bodies (MultiPartParserError, SuspiciousOperation) go on to Django's handler, which
        # logs them under django.security and calls handler400 (core.views.bad_request) with the cause.
        return None


# Integers beyond this cannot be stored or compared by the database (signed 64 bits); JSON clients
# commonly lose precision past 2^53 already.
MAX_JSON_INT = 2**53 - 1


# A UTF-16 surrogate left alone by a JSON escape ("\ud800" with no pair): no UTF-8 text holds it, so
# it could be neither stored nor written out. A pair ("\ud83d\ude00") is decoded to one character.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _json_flaw(value: Any, path: list[str]) -> tuple[list[str], str] | None:
    """The first NUL character, lone surrogate or out-of-range integer in a decoded JSON value, with
    its location."""
    stack = [(value, path)]
    while stack:
        item, loc = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return loc, "nul"
            if lone_surrogate(item):
                return loc, "surrogate"
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if abs(item) > MAX_JSON_INT:
                return loc, "int"
        elif isinstance(item, dict):
            for key, val in item.items():
                if "\x00" in key:
                    return [*loc, key.replace("\x00", "\\u0000")], "nul"
                if lone_surrogate(key):
                    return [*loc, _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", key)], "surrogate"
                stack.append((val, [*loc, key]))
        elif isinstance(item, list):
            stack.extend((val, [*loc, str(i)]) for i, val in enumerate(item))
    return None


def _check_multipart(request: HttpRequest) -> HttpResponse | None:
    """Refuse an API upload whose text fields (or field and file names) carry a NUL character, before
    any handler stores a file or a row: PostgreSQL refuses NUL in text, SQLite would keep it. The form
    is parsed here once (Django keeps the result for the handler); a body Django cannot read gets the
    answer the API gives for it. A body within the in-memory limit is read first, so that a handler
    reading the raw body (a signed webhook) still can."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    boundary = (request.content_params or {}).get("boundary", "")
    scanner = _PartHeaders(boundary.encode("ascii", "replace"))
    try:
        if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            scanner.scan(request.body)  # kept on the request; the form is parsed from it
        else:
            # Streamed to the upload handlers: the part headers are checked as the parser reads.
            scanner.stream = request._stream
            request._stream = scanner
        fields, files = request.POST, request.FILES
    except RequestDataTooBig:
        return payload_too_large(request)
    except (MultiPartParserError, SuspiciousOperation) as exc:
        # TooManyFilesSent and TooManyFieldsSent are SuspiciousOperations.
        return problem_response("bad_request", unreadable_body_detail(exc), instance=request.path)
    finally:
        if scanner.stream is not None:
            request._stream = scanner.stream
    if scanner.undecodable:
        return not_utf8(request, [])
    for key, values in fields.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return nul_refused(request)
    for key, uploads in files.lists():
        if "\x00" in key or any("\x00" in (upload.name or "") for upload in uploads):
            return nul_refused(request)
    # Django decodes a field's name and value, and a file's name, replacing bytes that are not UTF-8
    # with U+FFFD: the text stored would not be what was sent. U+FFFD itself is refused too (it only
    # ever stands for text lost on the way).
    errors = [
        {"path": key, "message": _(NOT_UTF8_VALUE)}
        for key, values in fields.lists()
        if REPLACEMENT in key or any(REPLACEMENT in value for value in values)
    ] + [
        {"path": key, "message": _(NOT_UTF8_FILE_NAME)}
        for key, uploads in files.lists()
        if REPLACEMENT in key or any(REPLACEMENT in (upload.name or "") for upload in uploads)
    ]
    if errors:
        return not_utf8(request, errors)
    return None


REPLACEMENT = "\ufffd"
# The refusals' words, in Vietnamese here and in the language of the request where they are used
# (``_(NOT_UTF8_DETAIL)``: an API client asking for English reads them in English).
NOT_UTF8_DETAIL = gettext_noop(
    "Dữ liệu gửi lên có tên trường, giá trị hoặc tên tệp không phải văn bản UTF-8 hợp lệ; "
    "hãy gửi lại với bảng mã UTF-8 (đổi tên tệp nếu cần)."
)
NOT_UTF8_VALUE = gettext_noop("Không phải văn bản UTF-8 hợp lệ.")
NOT_UTF8_FILE_NAME = gettext_noop("Tên tệp không phải văn bản UTF-8 hợp lệ; hãy đổi tên tệp rồi gửi lại.")


def not_utf8(request: HttpRequest, errors: list[dict]) -> HttpResponse:
    """400 for a multipart body whose names or values are not UTF-8 (``errors`` where known)."""
    return problem_response(
        "bad_request", _(NOT_UTF8_DETAIL), instance=request.path, errors=errors, reason="not_utf8"
    )


class _PartHeaders:
    """Finds a multipart part whose headers are not UTF-8, in the whole body or as a stream is read.

    Django's parser skips a header line it cannot decode: a part whose Content-Disposition carries a
    file name in another encoding vanished, and the file was then reported missing. A delimiter never
    occurs inside a part (RFC 2046 §5.1.1), so every one found starts a part's headers."""

    # Django refuses part headers longer than this (MultiPartParser.MAX_TOTAL_HEADER_SIZE).
    MAX_HEADERS = 10 * 1024

    def __init__(self, boundary: bytes):
        self.delimiter = b"\r\n--" + boundary
        self.stream = None
        self.undecodable = False
        self._pending = b"\r\n"  # the first delimiter has no CRLF before it

    def read(self, *args, **kwargs):
        data = self.stream.read(*args, **kwargs)
        self.scan(data)
        return data

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def scan(self, data: bytes) -> None:
        if self.undecodable or not data or len(self.delimiter) <= 4:
            return
        buf = self._pending + data
        start = 0
        while True:
            at = buf.find(self.delimiter, start)
            if at < 0:
                # Keep what could be the start of a delimiter cut by the chunk's end.
                self._pending = buf[max(start, len(buf) - len(self.delimiter) + 1) :]
                return
            head = at + len(self.delimiter)
            end = buf.find(b"\r\n\r\n", head)
            if end < 0:
                # Headers cut by the chunk's end: wait for the rest (Django refuses overlong ones).
                self._pending = buf[at : at + len(self.delimiter) + self.MAX_HEADERS]
                return
            try:
                buf[head:end].decode()
            except UnicodeDecodeError:
                if not buf[head:].startswith(b"--"):  # not the closing delimiter's epilogue
                    self.undecodable = True
                    return
            start = end


def _check_json(request: HttpRequest) -> HttpResponse | None:
    """Refuse JSON carrying NUL characters, lone surrogates or integers no database column can hold,
    wherever they sit.

    Malformed JSON is left to the API, which answers ``malformed_json``; so is JSON nested too deeply
    for the decoder, which is refused here with that answer since the decoder cannot read it."""
    body = request.body
    if (
        b"\\u0000" not in body.lower()
        and not re.search(rb"\d{16}", body)
        and not _SURROGATE_ESCAPE.search(body)
    ):
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    except RecursionError:
        return problem_response(
            "malformed_json",
            _("Nội dung gửi lên không phải JSON hợp lệ (lồng nhau quá sâu)."),
            instance=request.path,
        )
    flaw = _json_flaw(data, ["body"])
    if flaw is None:
        return None
    loc, kind = flaw
    if kind == "nul":
        msg = _("Chuỗi chứa ký tự NUL (\\u0000), không được chấp nhận.")
        detail = _("Dữ liệu gửi lên chứa ký tự NUL (\\u0000); hãy bỏ ký tự này rồi gửi lại.")
    elif kind == "surrogate":
        msg = _(
            "Chuỗi chứa nửa cặp thay thế UTF-16 (\\ud800–\\udfff) đứng một mình, không phải ký tự "
            "hợp lệ."
        )
        detail = _(
            "Dữ liệu gửi lên chứa ký tự không hợp lệ (nửa cặp thay thế UTF-16); hãy gõ lại đoạn văn "
            "bản đó rồi gửi lại."
        )
    else:
        msg = _("Số nguyên vượt giới hạn ±%(max)s.") % {"max": MAX_JSON_INT}
        detail = _("Dữ liệu gửi lên có số nguyên quá lớn.")
    return problem_response(
        "validation_error",
        detail,
        instance=request.path,
        errors=[{"path": error_path(loc), "message": msg}],
    )


def unreadable_body_detail(exc: BaseException | None) -> str:
    """An explanation for a request body Django could not read (multipart parts, field and file
    counts, suspicious names), instead of a bare "400"; in the request's language (Vietnamese unless
    English was chosen)."""
    if isinstance(exc, TooManyFilesSent):
        return _("Gửi quá nhiều tệp trong một lần (tối đa %(max)s tệp).") % {
            "max": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    if isinstance(exc, TooManyFieldsSent):
        return _("Biểu mẫu gửi lên có quá nhiều trường (tối đa %(max)s).") % {
            "max": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    if isinstance(exc, MultiPartParserError):
        if "header size" in str(exc):
            return _(
                "Tên tệp hoặc phần đầu của một tệp gửi lên quá dài (tối đa khoảng 1.000 ký tự); "
                "hãy đổi tên tệp ngắn hơn rồi gửi lại."
            )
        return _(
            "Nội dung biểu mẫu có tệp đính kèm bị hỏng hoặc không đọc được; vui lòng chọn lại tệp "
            "và gửi lại."
        )
    if isinstance(exc, SuspiciousOperation):
        return _(
            "Yêu cầu có dấu hiệu không an toàn nên không được xử lý; vui lòng kiểm tra và gửi lại."
        )
    return _("Yêu cầu gửi lên không hợp lệ. Vui lòng kiểm tra và thử lại.")


NUL_DETAIL = gettext_noop(
    "Dữ liệu gửi lên chứa ký tự NUL (\\u0000), không được chấp nhận; hãy bỏ ký tự này rồi gửi lại."
)


def _is_nul_refusal(exception: BaseException) -> bool:
    """Whether ``exception`` is the database driver refusing a NUL character in text (psycopg raises
    it before sending the statement: PostgreSQL cannot store NUL in text)."""
    from django.db import DataError

    return isinstance(exception, (DataError, ValueError)) and "cannot contain NUL" in str(exception)


def error_response(
    request: HttpRequest, status: int, code: str, title: str, message: str, *, back: str = ""
) -> HttpResponse:
    """An error answered as problem+json to the API (and to clients asking for JSON), as the
    Vietnamese error page otherwise (with a link to ``back``, the page to return to, when given)."""
    if wants_problem_json(request):
        return problem_response(code, message, status=status, instance=request.path)
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message, "back": back},
        status=status,
    )


def referring_page(request: HttpRequest) -> str:
    """The page of this site that linked to ``request`` (its ``Referer``, as a path), or "" when there
    is none, it is another site's, or it is the address itself."""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(referer)
    page = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return "" if page == request.get_full_path() else page


def method_not_allowed(request: HttpRequest, allow: str = "") -> HttpResponse:
    """405 for a page asked with a method it does not take — a form's address (``require_POST``)
    opened as a link: the portal's error page saying the action is done from its button, with the
    way back, and the ``Allow`` header of the view. The API answers its own 405 as problem+json."""
    page = error_response(
        request,
        405,
        "method_not_allowed",
        _("Không thực hiện được thao tác"),
        _(
            "Thao tác này chỉ thực hiện được bằng nút hoặc biểu mẫu trên trang, không mở được bằng "
            "đường liên kết. Hãy quay lại trang trước và dùng nút trên trang."
        ),
        back=referring_page(request),
    )
    if allow:
        page["Allow"] = allow
    return page


def own_words(view):
    """Mark ``view`` as answering bad input in its peer's own format (a payment gateway's
    confirmation is answered in the gateway's codes, never with a page): the checks before the view
    leave a NUL character to it."""
    view.answers_in_own_words = True
    return view


def answers_in_own_words(request: HttpRequest) -> bool:
    """Whether the view at ``request``'s address is marked ``own_words`` (resolved only when some
    input is refused, so ordinary requests pay nothing)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return bool(getattr(match.func, "answers_in_own_words", False))


def nul_refused(request: HttpRequest) -> HttpResponse:
    """400 for a NUL character in the address, the query or the data sent."""
    return error_response(request, 400, "bad_request", _("Yêu cầu không hợp lệ"), _(NUL_DETAIL))


def payload_too_large(request: HttpRequest) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = _("Dữ liệu gửi lên vượt quá giới hạn %(limit)s byte.") % {
        "limit": f"{limit:,}".replace(",", ".")
    }
    if wants_problem_json(request):
        return problem_response(
            "payload_too_large", detail, instance=request.path, limit_bytes=limit
        )
    return render(
        request,
        "errors/error.html",
        {"status": 413, "title": _("Dữ liệu quá lớn"), "message": detail},
        status=413,
    )


# Translated where used (``_as_problem``): in the language of the request.
_STATUS_CODES = {
    400: ("bad_request", gettext_noop("Yêu cầu không hợp lệ.")),
    401: ("unauthenticated", gettext_noop("Cần đăng nhập hoặc mã truy cập hợp lệ.")),
    403: ("permission_denied", gettext_noop("Bạn không có quyền thực hiện thao tác này.")),
    404: ("not_found", gettext_noop("Không tìm thấy tài nguyên yêu cầu.")),
    405: ("method_not_allowed", gettext_noop("Phương thức HTTP này không được hỗ trợ cho địa chỉ này.")),
    413: ("payload_too_large", gettext_noop("Dữ liệu gửi lên quá lớn.")),
    415: ("unsupported_media_type", gettext_noop("Kiểu nội dung không được hỗ trợ.")),
}


def _with_head(allow: str) -> str:
    """The methods of an ``Allow`` header, with HEAD wherever GET is (the API answers HEAD as GET)."""
    methods = [m.strip() for m in allow.split(",") if m.strip()]
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return ", ".join(methods)


def _as_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    code, detail = _STATUS_CODES.get(
        response.status_code,
        (
            "server_error" if response.status_code >= 500 else "bad_request",
            gettext_noop("Yêu cầu không thể xử lý."),
        ),
    )
    detail = _(detail)
    extra = {}
    allow = _with_head(response["Allow"]) if response.has_header("Allow") else None
    if response.status_code == 405 and allow is not None:
        extra["allowed_methods"] = [m.strip() for m in allow.split(",")]
    problem = problem_response(
        code, detail, status=response.status_code, instance=request.path, **extra
    )
    if allow is not None:
        problem["Allow"] = allow
    return problem


def prefers_english(accept_language: str) -> bool:
    """Whether an ``Accept-Language`` value ranks English above Vietnamese (RFC 9110 §12.5.4): each
    language takes the highest weight of the ranges naming it (``en``, ``en-US``), or that of ``*``
    when none does; a tie, a weight of 0 or a value that cannot be read leaves Vietnamese."""
    weights: dict[str, float] = {}
    for range_, weight in parse_accept_lang_header(accept_language):
        primary = range_.split("-", 1)[0]
        weights[primary] = max(weight, weights.get(primary, 0.0))
    other = weights.get("*", 0.0)
    return weights.get("en", other) > weights.get("vi", other)


class VietnameseFirstMiddleware:
    """The portal speaks Vietnamese unless the visitor chose English with the language switch.

    The browser's Accept-Language is ignored on pages: a government portal in Vietnam answers in
    Vietnamese first, and the choice made with the switch (the language cookie) is what counts. An
    API client has no switch: its ``Accept-Language`` is read (English when it ranks English above
    Vietnamese, Vietnamese otherwise), the language cookie still deciding when one is sent; Django's
    LocaleMiddleware then answers with ``Content-Language``.

    ``Vary`` names what chose the language (RFC 9110 §12.5.5), so that a cache keeps one answer per
    language and no more: a page varies on ``Cookie`` (the language cookie) and not on
    ``Accept-Language``, which LocaleMiddleware names on every response although pages never read it;
    an API answer varies on both. A page that reads no session and no CSRF token (which add ``Cookie``
    themselves) still changes with the language cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith("/api/")
        accept = request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        if accept and api and prefers_english(accept):
            request.META["HTTP_ACCEPT_LANGUAGE"] = "en"
        response = self.get_response(request)
        if not api:
            _vary_drop(response, "Accept-Language")
        patch_vary_headers(response, ("Accept-Language", "Cookie") if api else ("Cookie",))
        return response


def _vary_drop(response: HttpResponse, header: str) -> None:
    """Remove ``header`` from ``response``'s ``Vary`` (the names compared without regard to case)."""
    kept = [
        name.strip()
        for name in response.get("Vary", "").split(",")
        if name.strip() and name.strip().lower() != header.lower()
    ]
    if kept:
        response["Vary"] = ", ".join(kept)
    elif response.has_header("Vary"):
        del response["Vary"]


# -- Peers' webhooks --------------------------------------------------------------------------------

# The addresses the portal's peers send to (the one-stop software, the postal operator), by their view
# name (``"api:onestop_event"``) → the peer's code; registered by the app of each with
# ``inbound_webhook``.
WEBHOOKS: dict[str, str] = {}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Sent for a request to a peer's webhook refused with a 4xx that its handler did not log itself (the
# checks before it: content type, size, JSON flaws, an unreadable body; the signature of an endpoint
# checked by the API's authentication): ``peer``, ``code`` and ``detail`` (the problem's words, in
# Vietnamese whatever language the answer was given in) and
# ``body`` (the raw body when it could be read within the request size limit, else ``b""``),
# ``client`` (the client address the request limits count, ``core.ratelimit.client_ip``) and
# ``signed`` (the endpoint's authentication accepted the peer's signature before the refusal).
inbound_refused = Signal()
# The longest reason kept (the problem's detail and its field errors).
MAX_REFUSAL_DETAIL = 2000


def inbound_webhook(view_name: str, peer: str) -> None:
    """Register the address named ``view_name`` as the webhook of ``peer``. A handler that logs every
    request itself sets ``request.inbound_logged`` (the refusals before it are logged here)."""
    WEBHOOKS[view_name] = peer


def webhook_peer(request: HttpRequest) -> str:
    """The peer whose webhook ``request``'s address is, or "" for any other address."""
    if not WEBHOOKS:
        return ""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return WEBHOOKS.get(match.view_name, "")


def _refusal_words(response: HttpResponse) -> tuple[str, str]:
    """The code and the reason of a refusal, from its problem+json: the detail, then each field
    error (``path: message``), in Vietnamese whatever language the answer was given in
    (``problems.vietnamese_words``): the log keeps one wording of each reason."""
    code, detail = str(response.status_code), ""
    if not getattr(response, "streaming", False) and response.get("Content-Type", "").startswith(
        ("application/problem+json", "application/json")
    ):
        try:
            problem = json.loads(response.content)
        except ValueError:
            problem = None
        if isinstance(problem, dict):
            code = str(problem.get("code") or code)
            detail = vietnamese_words(str(problem.get("detail") or problem.get("title") or ""))
            errors = problem.get("errors")
            if isinstance(errors, list) and errors:
                detail += " — " + "; ".join(
                    f"{e.get('path') or 'body'}: {vietnamese_words(str(e.get('message', '')))}"
                    for e in errors
                    if isinstance(e, dict)
                )
    return code[:60], detail[:MAX_REFUSAL_DETAIL]


def _readable_body(request: HttpRequest) -> bytes:
    """The raw body of a refused request when it is within the size limit and can still be read
    (``b""`` for one refused as too large, or streamed to the upload handlers already)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return b""
    try:
        return request.body
    except (RequestDataTooBig, RawPostDataException, OSError):
        return b""


def inbound_refusal_send(request: HttpRequest, response: HttpResponse) -> None:
    """Tell the log of peers' requests (``inbound_refused``) of a refusal at a peer's webhook: the
    operator looking for a request the peer says it sent finds it with the reason, whichever check
    refused it. Any other address (an API client's bad request) is not logged there."""
    peer = webhook_peer(request)
    if not peer:
        return
    code, detail = _refusal_words(response)
    for _receiver, outcome in inbound_refused.send_robust(
        sender=ProblemDetailsMiddleware,
        peer=peer,
        code=code,
        detail=detail,
        body=_readable_body(request),
        client=client_ip(request),
        signed=bool(getattr(request, "auth", None)),
    ):
        if isinstance(outcome, Exception):
            logging.getLogger(__name__).error(
                "Refused request of %s not logged", peer, exc_info=outcome
            )


# -- Content-Security-Policy ----------------------------------------------------------------------

# The header of each configured policy (enforced, report-only), built once from the settings and
# built again when a test changes them.
_POLICIES: dict[bool, str] = {}
# What a view sets on its response to change the policy of that response (django-csp's decorators).
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


def _policies_clear(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _POLICIES.clear()


def _policy(report_only: bool) -> str:
    policy = _POLICIES.get(report_only)
    if policy is None:
        policy = _POLICIES[report_only] = build_policy(report_only=report_only)
    return policy


setting_changed.connect(_policies_clear)


class KeptPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header of the configured policy built once per process
    instead of twice for every response (its dataclass copy and the policy's text were a fifth of the
    CPU of the bare ping). A response whose view changed the policy (django-csp's decorators) or whose
    page used a nonce gets django-csp's own handling; the rules on which responses get the header are
    django-csp's (not on a debug 404/500, not when exempt, set, or under an excluded prefix)."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, report_only, exempt, setting in (
            (HEADER, False, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = _policy(report_only)
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
