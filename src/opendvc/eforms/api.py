"""E-form API: ``GET /api/v1/procedures/{code}/form`` (definition and JSON Schema) and
``POST /api/v1/procedures/{code}/form/validate`` (the same server-side validation as the pages)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field, Router, Schema

from opendvc.api.schemas import problems
from opendvc.core.problems import ProblemError

from .engine import MAX_PAYLOAD_BYTES, json_schema
from .selectors import public_form_for_code
from .services import FormValidationError, form_validate

router = Router(tags=["Tờ khai điện tử"])


class FormProcedure(Schema):
    code: str
    name: str


class FormVersionOut(Schema):
    key: str = Field(description="Mã tờ khai")
    version: int = Field(description="Phiên bản đang dùng; hồ sơ ghi lại phiên bản đã khai")
    title: str
    published_at: str = Field(description="Thời điểm công bố phiên bản (ISO 8601)")


class FormOut(Schema):
    procedure: FormProcedure
    form: FormVersionOut
    definition: dict[str, Any] = Field(
        description="Định nghĩa tờ khai: các trường, nhãn, lựa chọn, nhóm lặp (dùng để vẽ tờ khai)"
    )
    # Named apart from the model's own ``json_schema`` method, written under its key (``by_alias``).
    data_schema: dict[str, Any] = Field(
        alias="json_schema",
        description="JSON Schema (2020-12) của dữ liệu tờ khai, dùng để kiểm tra trước khi gửi"
    )


class FormRef(Schema):
    key: str
    version: int


class FormChecked(Schema):
    form: FormRef
    data: dict[str, Any] = Field(
        description="Dữ liệu đã chuẩn hóa: ngày ISO 8601, số tiền là số nguyên (đồng), số điện thoại "
        "và số định danh đã chuẩn hóa"
    )


def _form_of(code: str):
    found = public_form_for_code(code)
    if found is None:
        raise ProblemError(
            "not_found", _("Không tìm thấy tờ khai điện tử của thủ tục này."), status=404
        )
    return found


@router.get(
    "/procedures/{code}/form",
    auth=None,
    response={200: FormOut, **problems(404)},
    by_alias=True,
    summary="Tờ khai điện tử của thủ tục (định nghĩa và JSON Schema)",
)
def get_form(request, code: str) -> dict[str, Any]:
    procedure, version = _form_of(code)
    return {
        "procedure": {"code": procedure.code, "name": procedure.name},
        "form": {
            "key": version.form.key,
            "version": version.number,
            "title": version.title,
            "published_at": version.published_at.isoformat(),
        },
        "definition": version.definition,
        "json_schema": json_schema(version.definition),
    }


@router.post(
    "/procedures/{code}/form/validate",
    response={200: FormChecked, **problems(404, 422)},
    # The body is read as raw JSON (any value), so that the form's own checks answer, not a schema.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "title": "FormData",
                        "description": "Dữ liệu tờ khai (đối tượng JSON theo json_schema của tờ khai)",
                    }
                }
            },
        }
    },
    summary="Kiểm tra dữ liệu tờ khai; trả về dữ liệu đã chuẩn hóa hoặc lỗi theo từng trường",
)
def validate_form(request, code: str) -> dict[str, Any]:
    """Needs a caller (session or API token), like every API write. The body is the form data object. 200 with ``data`` cleaned (ISO dates, integers for money),
    or 422 ``form_invalid`` with ``errors: [{path, message}]``."""
    _procedure, version = _form_of(code)
    if len(request.body) > MAX_PAYLOAD_BYTES:
        raise ProblemError(
            "form_invalid",
            _("Dữ liệu quá lớn."),
            status=422,
            title=_("Dữ liệu tờ khai không hợp lệ"),
            extra={
                "errors": [
                    {
                        "path": "",
                        "message": _("Tối đa %(n)s KB.") % {"n": MAX_PAYLOAD_BYTES // 1024},
                    }
                ]
            },
        )
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than the decoder reads (a form is at most a few levels deep).
        raise ProblemError(
            "form_invalid",
            _("Nội dung không phải JSON hợp lệ."),
            status=422,
            title=_("Dữ liệu tờ khai không hợp lệ"),
            extra={"errors": [{"path": "", "message": _("Nội dung không phải JSON hợp lệ.")}]},
        ) from None
    try:
        cleaned = form_validate(form_version=version, data=data)
    except FormValidationError as exc:
        raise ProblemError(
            "form_invalid",
            ngettext("Tờ khai có %(n)s lỗi.", "Tờ khai có %(n)s lỗi.", len(exc.errors))
            % {"n": len(exc.errors)},
            status=422,
            title=_("Dữ liệu tờ khai không hợp lệ"),
            extra={"errors": exc.errors},
        ) from None
    return {"form": {"key": version.form.key, "version": version.number}, "data": cleaned}
