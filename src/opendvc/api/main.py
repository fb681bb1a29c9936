"""The JSON API at /api/v1/: one NinjaAPI, one router per domain app, errors as problem+json."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, RawPostDataException
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.parser import Parser

from opendvc.core.middleware import payload_too_large, unreadable_body_detail
from opendvc.core.problems import ProblemError, error_path, problem_response, retry_after_header

from .auth import DEFAULT_AUTH
from .schemas import Problem

PROBLEM_MEDIA = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"


def transport_problems(operation: dict) -> set[int]:
    """The problems any operation of this shape can answer, whatever its own rules: 400 for a NUL
    character in the address or query, 401/403 without a caller or scope, 404 for an unknown path
    value, 422 for invalid parameters, and for a body also 400 (unreadable), 413 (too large),
    415 (not JSON or multipart) and 422 (invalid fields). An operation that takes a bearer token
    also answers 429 once an address has sent too many wrong tokens (``api_token_failures``)."""
    statuses = {400}
    params = operation.get("parameters", [])
    if operation.get("security"):
        statuses |= {401, 403, 429}
    if any(p.get("in") == "path" for p in params):
        statuses |= {404, 422}
    if params:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {413, 415, 422}
    return statuses


class BodyNotAnObject(ValueError):
    """A JSON body that is valid JSON but not an object (``[1]``, ``"x"``, ``3``)."""


class ObjectBodies(Parser):
    """Every JSON body of the API is an object: a list or a bare value is refused (an input whose
    fields are all optional took ``[1]`` as an empty update)."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject
        return data


# The groups of operations, in the order the documentation lists them (a citizen's journey first, then
# the agencies' and the connections'), each with what it holds. Every operation names one of them.
TAGS: dict[str, str] = {
    "Thủ tục hành chính": "Danh mục thủ tục: tìm kiếm có dấu hoặc không dấu, bộ lọc, toàn bộ thông tin "
    "một thủ tục.",
    "Tờ khai điện tử": "Tờ khai điện tử của thủ tục (định nghĩa, JSON Schema) và kiểm tra dữ liệu khai.",
    "Hồ sơ": "Tải tệp, nộp hồ sơ, danh sách và chi tiết hồ sơ, các thao tác xử lý, tra cứu công khai.",
    "Thanh toán": "Phí, lệ phí hồ sơ phải nộp, thanh toán trực tuyến qua cổng thanh toán (thủ tục mức độ "
    "4), các lần thanh toán và biên lai điện tử.",
    "Tiến trình và kết quả": "Các bước xử lý của một hồ sơ (phiếu kiểm soát) và công khai kết quả "
    "giải quyết.",
    "Kho dữ liệu cá nhân": "Giấy tờ điện tử của công dân, tổ chức: tải lên, dùng lại khi nộp hồ sơ, "
    "chia sẻ có thời hạn.",
    "CSDL quốc gia": "Điền tờ khai từ cơ sở dữ liệu quốc gia và xác thực mã số thuế.",
    "Bưu chính": "Bưu điện cập nhật hành trình bưu gửi (nhận hồ sơ, trả kết quả qua bưu chính).",
    "Phản ánh, kiến nghị": "Gửi, theo dõi, trả lời và công khai phản ánh, kiến nghị.",
    "Khảo sát mức độ hài lòng": "Phiếu khảo sát sau khi nhận kết quả và câu trả lời.",
    "Xác thực giấy tờ": "Kiểm tra chữ ký số của tệp kết quả và tài liệu do Cổng cấp theo mã QR.",
    "Thủ tục liên thông": "Nhóm thủ tục nhiều cơ quan giải quyết nối tiếp: phần của từng cơ quan, "
    "tiến độ, kết quả.",
    "Kết nối hệ thống": "Đồng bộ với Cổng Dịch vụ công quốc gia và phần mềm một cửa: tồn đọng, gửi lại, "
    "tạm dừng, nhận trạng thái, lấy danh mục quốc gia.",
    "Báo cáo": "Số liệu công khai theo cơ quan và số liệu báo cáo của một kỳ.",
    "Thời gian làm việc": "Tính thời hạn theo ngày, giờ làm việc; ngày nghỉ và ngày làm việc bù.",
    "Tài khoản": "Thông tin cá nhân và các tổ chức được nhân danh.",
    "Mã truy cập API": "Tạo, xem và thu hồi mã truy cập API của chính mình.",
    "Hệ thống": "Kiểm tra API và tài khoản đang gọi.",
}


class OpenDvcAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The generated document, with every problem response described as ``application/problem+json``
        (Ninja would call it ``application/json``), the transport problems of each operation added and
        the groups of operations described (``TAGS``)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["tags"] = [{"name": name, "description": text} for name, text in TAGS.items()]
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for methods in schema["paths"].values():
            for operation in methods.values():
                responses = operation["responses"]
                for status in transport_problems(operation):
                    responses.setdefault(status, {"description": "Problem"})
                for status, response in responses.items():
                    if int(status) >= 400:
                        response["content"] = {PROBLEM_MEDIA: {"schema": {"$ref": PROBLEM_REF}}}
                        if response.get("description") in (None, "", "Unknown Status Code"):
                            response["description"] = "Problem"
                operation["responses"] = {
                    str(k): v for k, v in sorted(responses.items(), key=lambda kv: int(kv[0]))
                }
        return schema


api = OpenDvcAPI(
    title="OpenDVC API",
    version="1.0.0",
    description=(
        "API của Cổng Dịch vụ công trực tuyến. Lỗi trả về theo RFC 9457 (application/problem+json) "
        "với mã `code` ổn định, `title` và `detail` để người đọc hiểu.\n\n"
        "Xác thực: gửi mã truy cập trong tiêu đề `Authorization: Bearer <mã>`. Người dùng đã đăng "
        "nhập tạo mã tại trang Tài khoản → Mã truy cập API (`/ca-nhan/ma-truy-cap-api/`) hoặc bằng "
        "`POST /api/v1/tokens`, chọn quyền của mã và ngày hết hạn; mã chỉ hiện một lần. Trên trang "
        "này, khi đã đăng nhập ở Cổng, có thể gọi thử bằng phiên đăng nhập.\n\n"
        "Ngôn ngữ: API đọc tiêu đề `Accept-Language` của yêu cầu: tiếng Anh khi tiếng Anh được ưu "
        "tiên hơn tiếng Việt theo trọng số q (`en`, `en-US`, `vi;q=0.2, en;q=0.8`), tiếng Việt trong "
        "mọi trường hợp khác (không gửi, `vi`, `en;q=0.1, vi;q=0.9`, giá trị không đọc được). Cookie "
        "ngôn ngữ `django_language` của cổng, nếu gửi kèm, được ưu tiên hơn tiêu đề. `title`, "
        "`detail` và thông báo của từng trường (`errors[].message`) theo ngôn ngữ đó, trừ dữ liệu "
        "tiếng Việt được trích trong câu (tên thủ tục, cơ quan…) và một số thông báo nghiệp vụ chưa có "
        "bản tiếng Anh; `code` không đổi. Phản hồi cho biết ngôn ngữ trong `Content-Language` và "
        "nêu `Vary: Accept-Language, Cookie`, để bộ nhớ đệm dùng chung giữ một bản cho mỗi ngôn ngữ."
    ),
    urls_namespace="api",
    auth=DEFAULT_AUTH,
    parser=ObjectBodies(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(ProblemError)
def _problem(request, exc: ProblemError):
    # The problem's own title ("Phiếu khảo sát đã hết hạn"), not only the general one of its status.
    return retry_after_header(
        problem_response(
            exc.code,
            exc.detail,
            status=exc.status,
            title=exc.title,
            instance=request.path,
            **exc.extra,
        ),
        exc,
    )


def _body_loc(loc):
    """Ninja names the body parameter in a location (``["body", "payload", "scopes"]``); the path of
    the field in the request is what follows it."""
    loc = list(loc)
    return ["body", *loc[2:]] if len(loc) > 2 and loc[0] == "body" else loc


# The request checker's (pydantic's) messages in the portal's words, by the kind of error, with its
# limits filled in; translated where used, in the request's language (Vietnamese unless the client
# asks for English). A kind not listed keeps a general sentence; a rule of our own (value_error) keeps
# its own message.
_MESSAGES = {
    "missing": gettext_noop("Thiếu trường bắt buộc."),
    "string_type": gettext_noop("Phải là chuỗi ký tự."),
    "int_type": gettext_noop("Phải là số nguyên."),
    "int_parsing": gettext_noop("Phải là số nguyên."),
    "int_from_float": gettext_noop("Phải là số nguyên."),
    "float_type": gettext_noop("Phải là số."),
    "float_parsing": gettext_noop("Phải là số."),
    "decimal_parsing": gettext_noop("Phải là số."),
    "bool_type": gettext_noop("Phải là true hoặc false."),
    "bool_parsing": gettext_noop("Phải là true hoặc false."),
    "date_type": gettext_noop("Phải là ngày dạng YYYY-MM-DD."),
    "date_parsing": gettext_noop("Phải là ngày dạng YYYY-MM-DD."),
    "date_from_datetime_parsing": gettext_noop("Phải là ngày dạng YYYY-MM-DD."),
    "date_from_datetime_inexact": gettext_noop("Phải là ngày dạng YYYY-MM-DD, không kèm giờ."),
    "datetime_type": gettext_noop("Phải là thời điểm theo ISO 8601 (YYYY-MM-DDTHH:MM:SS+07:00)."),
    "datetime_parsing": gettext_noop("Phải là thời điểm theo ISO 8601 (YYYY-MM-DDTHH:MM:SS+07:00)."),
    "datetime_from_date_parsing": gettext_noop("Phải là thời điểm theo ISO 8601 (YYYY-MM-DDTHH:MM:SS+07:00)."),
    "uuid_type": gettext_noop("Phải là mã UUID."),
    "uuid_parsing": gettext_noop("Phải là mã UUID."),
    "list_type": gettext_noop("Phải là danh sách."),
    "dict_type": gettext_noop("Phải là đối tượng JSON."),
    "model_type": gettext_noop("Phải là đối tượng JSON."),
    "model_attributes_type": gettext_noop("Phải là đối tượng JSON."),
    "string_too_short": gettext_noop("Cần ít nhất {min_length} ký tự."),
    "string_too_long": gettext_noop("Tối đa {max_length} ký tự."),
    "too_short": gettext_noop("Cần ít nhất {min_length} phần tử."),
    "too_long": gettext_noop("Tối đa {max_length} phần tử."),
    "greater_than": gettext_noop("Phải lớn hơn {gt}."),
    "greater_than_equal": gettext_noop("Phải lớn hơn hoặc bằng {ge}."),
    "less_than": gettext_noop("Phải nhỏ hơn {lt}."),
    "less_than_equal": gettext_noop("Phải nhỏ hơn hoặc bằng {le}."),
    "string_pattern_mismatch": gettext_noop("Không đúng định dạng."),
    "literal_error": gettext_noop("Phải là một trong: {expected}."),
    "enum": gettext_noop("Phải là một trong: {expected}."),
    "extra_forbidden": gettext_noop("Trường không được chấp nhận."),
    "url_parsing": gettext_noop("Phải là địa chỉ URL."),
    "url_type": gettext_noop("Phải là địa chỉ URL."),
}


def validation_message(err: dict) -> str:
    """The message of one of pydantic's errors, in the request's language."""
    kind = err.get("type", "")
    if kind in ("value_error", "assertion_error"):
        msg = str(err.get("msg", ""))
        return (
            msg.split(", ", 1)[1]
            if msg.startswith(("Value error, ", "Assertion failed, "))
            else msg
        )
    template = _MESSAGES.get(kind)
    if template is None:
        return _("Giá trị không hợp lệ.")
    template = _(template)
    ctx = dict(err.get("ctx") or {})
    if isinstance(ctx.get("expected"), str):
        # pydantic joins the accepted values in English ("'a', 'b' or 'c'").
        ctx["expected"] = ctx["expected"].replace(" or ", " " + _("hoặc") + " ")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip(": ") + "."


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    if any(err.get("type") == "json_invalid" or "JSON" in err.get("msg", "") for err in exc.errors):
        return problem_response(
            "malformed_json", _("Nội dung gửi lên không phải JSON hợp lệ."), instance=request.path
        )
    return problem_response(
        "validation_error",
        _("Dữ liệu gửi lên không hợp lệ; xem danh sách lỗi."),
        instance=request.path,
        errors=[
            {"path": "", "message": _("Thiếu nội dung yêu cầu: gửi một đối tượng JSON.")}
            if _no_body(request, err)
            else {"path": error_path(_body_loc(err.get("loc", []))), "message": validation_message(err)}
            for err in exc.errors
        ],
    )


def _no_body(request, err: dict) -> bool:
    """A JSON body missing as a whole (an empty request): ninja names its parameter (``["body",
    "payload"]``), which is no field of the request. A multipart field missing keeps its name."""
    loc = list(err.get("loc", []))
    return (
        err.get("type") == "missing"
        and len(loc) == 2
        and loc[0] == "body"
        and not (request.content_type or "").startswith("multipart/")
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem_response(
        "unauthenticated", _("Cần đăng nhập hoặc mã truy cập hợp lệ."), instance=request.path
    )


@api.exception_handler(AuthorizationError)
def _forbidden(request, exc):
    return problem_response(
        "permission_denied", _("Bạn không có quyền thực hiện thao tác này."), instance=request.path
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(
        "not_found", _("Không tìm thấy tài nguyên yêu cầu."), instance=request.path
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    codes = {
        400: "bad_request",
        401: "unauthenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        415: "unsupported_media_type",
        429: "rate_limited",
    }
    code = codes.get(exc.status_code, "bad_request")
    if isinstance(exc.__cause__, BodyNotAnObject):
        return problem_response(
            "validation_error",
            _("Dữ liệu gửi lên không hợp lệ; xem danh sách lỗi."),
            instance=request.path,
            errors=[{"path": "", "message": _("Nội dung gửi lên phải là một đối tượng JSON ({…}).")}],
        )
    if exc.status_code == 400 and "parse" in str(exc.message).lower():
        return problem_response(
            "malformed_json", _("Nội dung gửi lên không phải JSON hợp lệ."), instance=request.path
        )
    return problem_response(code, str(exc.message), status=exc.status_code, instance=request.path)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return payload_too_large(request)


@api.exception_handler(RawPostDataException)
def _body_already_read(request, exc):
    # A multipart body beyond the in-memory limit is streamed once (core.middleware checks its fields);
    # a handler that reads the raw body (a signed webhook) then finds it too large to read, as it would.
    return payload_too_large(request)


@api.exception_handler(MultiPartParserError)
def _unreadable_multipart(request, exc):
    return problem_response("bad_request", unreadable_body_detail(exc), instance=request.path)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc):
    # RequestDataTooBig is a SuspiciousOperation too, but has its own handler (413) above.
    return problem_response("bad_request", unreadable_body_detail(exc), instance=request.path)


@api.exception_handler(Exception)
def _server_error(request, exc):
    logging.getLogger("opendvc.api").exception("Unhandled API error")
    return problem_response(
        "server_error", _("Đã có lỗi hệ thống; vui lòng thử lại sau."), instance=request.path
    )


from . import views  # noqa: E402,F401  (registers the core operations)

# Domain routers. Each app exposes ``router`` in its api.py.
api.add_router("/worktime", "opendvc.worktime.api.router")
api.add_router("/", "opendvc.catalog.api.router")
api.add_router("/", "opendvc.eforms.api.router")
api.add_router("/accounts", "opendvc.accounts.api.router")
api.add_router("/", "opendvc.dossiers.api.router")
api.add_router("/", "opendvc.payments.api.router")
api.add_router("/", "opendvc.feedback.api.router")
api.add_router("/", "opendvc.surveys.api.router")
api.add_router("/", "opendvc.reports.api.router")
api.add_router("/", "opendvc.signing.api.router")
api.add_router("/", "opendvc.vault.api.router")
api.add_router("/", "opendvc.integrations.api.router")
api.add_router("/", "opendvc.postal.api.router")
api.add_router("/", "opendvc.linked.api.router")
api.add_router("/", "opendvc.registries.api.router")
