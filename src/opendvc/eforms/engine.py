"""The e-form engine: checks a form definition, compiles it into fast validators, exports JSON Schema.

A definition (stored as JSON, see ``definitions/*.json``) has sections of fields. Each field has a
``key`` (unique in its scope), a ``kind`` (see ``KINDS``), a Vietnamese ``label`` and optional hints.
Groups (``kind: group``) repeat a list of sub-fields (family members…); they cannot nest.
``show_if: {"field": key, "in": [values]}`` shows a field only when an earlier field of the same scope
has one of the values; a hidden field is neither required nor kept.
Dates may be tied to each other and to an age: ``on_or_after: {"field": key, "message": text}`` (this
date is not before the other date field of the same scope, e.g. a death not before the birth) and
``min_age: years`` (a birth date of someone at least that old today, e.g. the ages of marriage of the
Law on Marriage and Family 2014, Art. 8.1.a). Both are checked once each date is valid on its own.

Data is a dict keyed by field key. Cleaned data holds ISO dates (``YYYY-MM-DD``), integers for numbers
and money (VND), booleans for checkboxes, ``{"province", "ward", "street"}`` for addresses and lists of
upload ids for file slots. Regulation Art. 2.8: one consistent format whatever channel the data came by.

Compiling is pure Python with no database access; ``compiled_for`` caches one compiled form per
published version (versions are immutable, so the cache never goes stale).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from jsonschema import Draft202012Validator

from opendvc.accounts.validators import normalize_phone, normalize_tax_code, validate_cccd
from opendvc.core.quoting import page_in_vietnamese, quoting, vi_attribute, vietnamese

KINDS = {
    "text": "Văn bản ngắn",
    "textarea": "Văn bản dài",
    "number": "Số",
    "money": "Số tiền (đồng)",
    "date": "Ngày (dd/mm/yyyy)",
    "choice": "Chọn một",
    "multichoice": "Chọn nhiều",
    "checkbox": "Ô đánh dấu",
    "email": "Thư điện tử",
    "phone": "Số điện thoại Việt Nam",
    "cccd": "Số CCCD",
    "tax_code": "Mã số thuế",
    "address": "Địa chỉ (tỉnh → phường/xã)",
    "group": "Nhóm lặp lại",
    "file": "Tệp đính kèm (thành phần hồ sơ)",
    "declaration": "Lời cam đoan",
}
# Where a field may take its first value from: the signed-in person's profile (these must be filled in
# the profile before filing online, Regulation Art. 14.3) or the organisation the person files for.
PROFILE_SOURCES = {
    "full_name": gettext_lazy("Họ và tên"),
    "date_of_birth": gettext_lazy("Ngày sinh"),
    "gender": gettext_lazy("Giới tính"),
    "cccd": gettext_lazy("Số định danh cá nhân (CCCD)"),
    "phone": gettext_lazy("Số điện thoại"),
    "email": gettext_lazy("Thư điện tử"),
    "permanent_address": gettext_lazy("Địa chỉ thường trú"),
    "current_address": gettext_lazy("Nơi ở hiện tại"),
}
ORGANISATION_SOURCES = {
    # "individual" or "organisation": for a choice saying who the applicant is.
    "applicant_kind": gettext_lazy("Cá nhân hay tổ chức"),
    "organisation_name": gettext_lazy("Tên tổ chức"),
    "organisation_tax_code": gettext_lazy("Mã số thuế của tổ chức"),
    "organisation_address": gettext_lazy("Địa chỉ của tổ chức"),
    "organisation_representative": gettext_lazy("Người đại diện theo pháp luật"),
}
PREFILL_SOURCES = set(PROFILE_SOURCES) | set(ORGANISATION_SOURCES)
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000, "email": 254}
MAX_GROUP_ITEMS = 50
MAX_DATA_DEPTH = 5  # root → group list → item → address/multichoice → scalar
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_FILES = 10
MONEY_MAX = 10**15
UPLOAD_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ---------------------------------------------------------------------------------------------
# Definition checking
# ---------------------------------------------------------------------------------------------

_CHOICE = {
    "type": "object",
    "required": ["value", "label"],
    "additionalProperties": False,
    "properties": {
        "value": {"type": "string", "minLength": 1, "maxLength": 100},
        "label": {"type": "string", "minLength": 1, "maxLength": 300},
        "label_en": {"type": "string"},
    },
}
_FIELD: dict[str, Any] = {
    "type": "object",
    "required": ["key", "kind", "label"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string"},
        "kind": {"type": "string"},
        "label": {"type": "string", "minLength": 1, "maxLength": 500},
        "label_en": {"type": "string", "maxLength": 500},
        "help": {"type": "string", "maxLength": 2000},
        "help_en": {"type": "string", "maxLength": 2000},
        "required": {"type": "boolean"},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 10000},
        "min": {"type": "integer"},
        "max": {"type": "integer"},
        "choices": {"type": "array", "minItems": 1, "maxItems": 300, "items": _CHOICE},
        "show_if": {
            "type": "object",
            "required": ["field", "in"],
            "additionalProperties": False,
            "properties": {
                "field": {"type": "string"},
                "in": {"type": "array", "minItems": 1, "items": {"type": ["string", "boolean"]}},
            },
        },
        "fields": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/field"}},
        "min_items": {"type": "integer", "minimum": 0, "maximum": MAX_GROUP_ITEMS},
        "max_items": {"type": "integer", "minimum": 1, "maximum": MAX_GROUP_ITEMS},
        "item_label": {"type": "string", "maxLength": 200},
        "component": {"type": "string", "minLength": 1, "maxLength": 1000},
        "max_files": {"type": "integer", "minimum": 1, "maximum": MAX_FILES},
        "prefill": {"enum": sorted(PREFILL_SOURCES)},
        "not_future": {"type": "boolean"},
        "on_or_after": {
            "type": "object",
            "required": ["field"],
            "additionalProperties": False,
            "properties": {
                "field": {"type": "string"},
                "message": {"type": "string", "minLength": 1, "maxLength": 300},
                "message_en": {"type": "string", "minLength": 1, "maxLength": 300},
            },
        },
        "min_age": {"type": "integer", "minimum": 1, "maximum": 120},
        "widget": {"enum": ["radio", "select"]},
        "rows": {"type": "integer", "minimum": 2, "maximum": 30},
        "autocomplete": {"type": "string", "maxLength": 60},
    },
}
DEFINITION_META_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["title", "sections"],
    "additionalProperties": False,
    "$defs": {"field": _FIELD},
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 500},
        "title_en": {"type": "string", "maxLength": 500},
        "description": {"type": "string", "maxLength": 5000},
        "official_form": {"type": "string", "maxLength": 1000},
        "procedures": {
            "type": "array",
            "items": {"type": "string", "maxLength": 40},
            "uniqueItems": True,
        },
        "sections": {
            "type": "array",
            "minItems": 1,
            "maxItems": 40,
            "items": {
                "type": "object",
                "required": ["key", "title", "fields"],
                "additionalProperties": False,
                "properties": {
                    "key": {"type": "string"},
                    "title": {"type": "string", "minLength": 1, "maxLength": 300},
                    "title_en": {"type": "string", "maxLength": 300},
                    "help": {"type": "string", "maxLength": 2000},
                    "fields": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 200,
                        "items": {"$ref": "#/$defs/field"},
                    },
                },
            },
        },
    },
}

# The structure's faults by JSON Schema keyword (translated where a definition is checked).
_JSONSCHEMA_MESSAGES = {
    "required": gettext_noop("Thiếu thuộc tính bắt buộc."),
    "additionalProperties": gettext_noop("Có thuộc tính không được hỗ trợ."),
    "type": gettext_noop("Sai kiểu dữ liệu."),
    "enum": gettext_noop("Giá trị không nằm trong danh sách cho phép."),
    "minItems": gettext_noop("Danh sách quá ít phần tử."),
    "maxItems": gettext_noop("Danh sách quá nhiều phần tử."),
    "minLength": gettext_noop("Chuỗi quá ngắn hoặc rỗng."),
    "maxLength": gettext_noop("Chuỗi quá dài."),
    "minimum": gettext_noop("Giá trị quá nhỏ."),
    "maximum": gettext_noop("Giá trị quá lớn."),
    "uniqueItems": gettext_noop("Danh sách có phần tử trùng nhau."),
}
# The JSON types a definition's values have, as the type fault names them.
_JSON_TYPES = {
    "string": gettext_noop("chuỗi"),
    "integer": gettext_noop("số nguyên"),
    "boolean": "true/false",
    "array": gettext_noop("danh sách"),
    "object": gettext_noop("đối tượng"),
}


@lru_cache(maxsize=1)
def _meta_validator():
    # Imported on first use: only checking a form definition needs the JSON Schema validator.

    Draft202012Validator.check_schema(DEFINITION_META_SCHEMA)
    return Draft202012Validator(DEFINITION_META_SCHEMA)


def _jsonschema_message(error) -> str:
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        if missing:
            return _("Thiếu thuộc tính bắt buộc “%(name)s”.") % {"name": missing[0]}
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        if extra:
            return _("Thuộc tính không được hỗ trợ: %(names)s.") % {
                "names": ", ".join(f"“{e}”" for e in extra)
            }
    if error.validator == "type":
        want = (
            error.validator_value
            if isinstance(error.validator_value, list)
            else [error.validator_value]
        )
        names = [_(_JSON_TYPES[w]) if w in _JSON_TYPES else w for w in want]
        if len(names) == 1:
            return _("Sai kiểu dữ liệu: cần %(type)s.") % {"type": names[0]}
        return _("Sai kiểu dữ liệu: cần %(types)s hoặc %(last)s.") % {
            "types": ", ".join(names[:-1]),
            "last": names[-1],
        }
    if error.validator in _JSONSCHEMA_MESSAGES:
        return _(_JSONSCHEMA_MESSAGES[error.validator])
    return _("Giá trị không hợp lệ.")


def check_definition(definition: Any) -> list[dict[str, str]]:
    """Every problem of a form definition as ``{"path", "message"}`` (in the language of the request);
    empty when it is sound.

    Checks the structure (JSON Schema), then the meaning: unknown kinds, bad or duplicate keys, choices
    where needed, conditions pointing at an unknown or later field or at values the field cannot have,
    groups nested in groups, file slots without a component, min/max that contradict each other.
    """
    if not isinstance(definition, dict):
        return [{"path": "", "message": _("Định nghĩa biểu mẫu phải là một đối tượng JSON.")}]
    problems: list[dict[str, str]] = []
    for error in sorted(
        _meta_validator().iter_errors(definition), key=lambda e: list(e.absolute_path)
    ):
        if error.validator == "$ref":
            continue
        path = "/".join(str(p) for p in error.absolute_path)
        problems.append({"path": path, "message": _jsonschema_message(error)})
    if problems:
        return problems
    section_keys: set[str] = set()
    top_scope: dict[str, dict] = {}
    for s_index, section in enumerate(definition["sections"]):
        s_path = f"sections/{s_index}"
        if not KEY_RE.match(section["key"]):
            problems.append({"path": f"{s_path}/key", "message": _key_message(section["key"])})
        elif section["key"] in section_keys:
            problems.append(
                {
                    "path": f"{s_path}/key",
                    "message": _("Mã phần “%(key)s” bị trùng.") % {"key": section["key"]},
                }
            )
        section_keys.add(section["key"])
        _check_fields(section["fields"], f"{s_path}/fields", top_scope, problems, depth=1)
    _check_date_rules(definition, problems)
    return problems


def _check_date_rules(definition: dict, problems: list) -> None:
    """``on_or_after`` names another date field of the same scope (earlier or later in the form: the
    rule is checked once the whole scope is read); ``min_age`` and ``on_or_after`` are for dates."""

    def scope_of(fields: list[dict], path: str) -> list[tuple[dict, str]]:
        return [(spec, f"{path}/{index}") for index, spec in enumerate(fields)]

    top: list[tuple[dict, str]] = []
    groups: list[list[tuple[dict, str]]] = []
    for s_index, section in enumerate(definition["sections"]):
        top += scope_of(section["fields"], f"sections/{s_index}/fields")
    for spec, f_path in list(top):
        if spec["kind"] == "group" and spec.get("fields"):
            groups.append(scope_of(spec["fields"], f"{f_path}/fields"))
    for scope in (top, *groups):
        kinds = {spec["key"]: spec["kind"] for spec, _path in scope}
        for spec, f_path in scope:
            for rule in ("on_or_after", "min_age"):
                if rule in spec and spec["kind"] != "date":
                    problems.append(
                        {
                            "path": f"{f_path}/{rule}",
                            "message": _("Chỉ trường ngày mới có quy tắc này."),
                        }
                    )
            other = (spec.get("on_or_after") or {}).get("field")
            if other is not None and (kinds.get(other) != "date" or other == spec["key"]):
                problems.append(
                    {
                        "path": f"{f_path}/on_or_after/field",
                        "message": _(
                            "Quy tắc so sánh ngày trỏ tới “%(other)s”: không phải một trường ngày "
                            "khác trong cùng phạm vi."
                        )
                        % {"other": other},
                    }
                )


def _key_message(key: str) -> str:
    return _(
        "Mã “%(key)s” không hợp lệ: chỉ dùng chữ thường không dấu, chữ số và dấu gạch dưới, "
        "bắt đầu bằng chữ cái, tối đa 60 ký tự."
    ) % {"key": key}


def _check_fields(
    fields: list[dict], path: str, scope: dict[str, dict], problems: list, *, depth: int
) -> None:
    for index, spec in enumerate(fields):
        f_path = f"{path}/{index}"
        key, kind = spec["key"], spec["kind"]
        if kind not in KINDS:
            problems.append(
                {
                    "path": f"{f_path}/kind",
                    "message": _(
                        "Loại trường “%(kind)s” không được hỗ trợ. Các loại hợp lệ: %(kinds)s."
                    )
                    % {"kind": kind, "kinds": ", ".join(sorted(KINDS))},
                }
            )
        if not KEY_RE.match(key):
            problems.append({"path": f"{f_path}/key", "message": _key_message(key)})
        elif key in scope:
            problems.append(
                {
                    "path": f"{f_path}/key",
                    "message": _("Mã trường “%(key)s” bị trùng trong cùng phạm vi.") % {"key": key},
                }
            )
        condition = spec.get("show_if")
        if condition:
            target = scope.get(condition["field"])
            if target is None:
                problems.append(
                    {
                        "path": f"{f_path}/show_if/field",
                        "message": _(
                            "Điều kiện hiển thị trỏ tới trường “%(field)s” không có (hoặc nằm sau) "
                            "trong cùng phạm vi."
                        )
                        % {"field": condition["field"]},
                    }
                )
            else:
                problems.extend(
                    _check_condition_values(target, condition["in"], f"{f_path}/show_if/in")
                )
        if kind in ("choice", "multichoice"):
            choices = spec.get("choices")
            if not choices:
                problems.append(
                    {
                        "path": f"{f_path}/choices",
                        "message": _("Trường lựa chọn cần danh sách lựa chọn."),
                    }
                )
            else:
                values = [c["value"] for c in choices]
                if len(values) != len(set(values)):
                    problems.append(
                        {
                            "path": f"{f_path}/choices",
                            "message": _("Danh sách lựa chọn có giá trị trùng."),
                        }
                    )
        elif "choices" in spec:
            problems.append(
                {
                    "path": f"{f_path}/choices",
                    "message": _("Chỉ trường lựa chọn mới có danh sách lựa chọn."),
                }
            )
        if kind == "group":
            if depth > 1:
                problems.append(
                    {"path": f_path, "message": _("Nhóm lặp lại không được lồng trong nhóm khác.")}
                )
            elif not spec.get("fields"):
                problems.append(
                    {
                        "path": f"{f_path}/fields",
                        "message": _("Nhóm lặp lại cần ít nhất một trường con."),
                    }
                )
            else:
                _check_fields(spec["fields"], f"{f_path}/fields", {}, problems, depth=depth + 1)
            lo, hi = spec.get("min_items", 0), spec.get("max_items", MAX_GROUP_ITEMS)
            if lo > hi:
                problems.append(
                    {
                        "path": f"{f_path}/min_items",
                        "message": _("Số mục tối thiểu lớn hơn số mục tối đa."),
                    }
                )
        elif "fields" in spec:
            problems.append(
                {"path": f"{f_path}/fields", "message": _("Chỉ nhóm lặp lại mới có trường con.")}
            )
        if kind == "file" and not spec.get("component"):
            problems.append(
                {
                    "path": f"{f_path}/component",
                    "message": _(
                        "Tệp đính kèm phải gắn với một thành phần hồ sơ (thuộc tính “component”)."
                    ),
                }
            )
        if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
            problems.append(
                {"path": f"{f_path}/min", "message": _("Giá trị tối thiểu lớn hơn giá trị tối đa.")}
            )
        if kind == "declaration" and spec.get("required") is False:
            problems.append(
                {"path": f"{f_path}/required", "message": _("Lời cam đoan luôn bắt buộc.")}
            )
        if KEY_RE.match(key) and key not in scope:
            scope[key] = spec


def _check_condition_values(target: dict, values: list, path: str) -> list[dict[str, str]]:
    kind = target["kind"]
    if kind in ("checkbox", "declaration"):
        if any(not isinstance(v, bool) for v in values):
            return [
                {"path": path, "message": _("Điều kiện theo ô đánh dấu chỉ nhận true hoặc false.")}
            ]
        return []
    if kind in ("choice", "multichoice"):
        allowed = {c["value"] for c in target.get("choices", [])}
        wrong = [str(v) for v in values if v not in allowed]
        if wrong:
            return [
                {
                    "path": path,
                    "message": _(
                        "Điều kiện dùng giá trị không có trong lựa chọn của “%(key)s”: %(values)s."
                    )
                    % {"key": target["key"], "values": ", ".join(wrong)},
                }
            ]
        return []
    if kind in ("group", "file", "address"):
        return [
            {
                "path": path,
                "message": _("Không thể đặt điều kiện theo trường loại “%(kind)s”.")
                % {"kind": kind},
            }
        ]
    return []


def iter_fields(definition: dict) -> list[dict]:
    """Top-level field specs in order (groups included, their children not)."""
    return [f for section in definition.get("sections", []) for f in section["fields"]]


def count_fields(definition: dict) -> int:
    total = 0
    for spec in iter_fields(definition):
        total += 1 + len(spec.get("fields", []))
    return total


# ---------------------------------------------------------------------------------------------
# Administrative units (vietnam-provinces, two-tier since 1 July 2025)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def units() -> tuple[dict[int, str], dict[int, tuple[str, int]]]:
    # Imported on first use: the administrative units' tables are large and only address fields need them.
    from vietnam_provinces import Province, Ward

    provinces = {int(p.code): " ".join(p.name.split()) for p in Province.iter_all()}
    wards = {int(w.code): (" ".join(w.name.split()), int(w.province_code)) for w in Ward.iter_all()}
    return provinces, wards


# ---------------------------------------------------------------------------------------------
# Compiled validators
# ---------------------------------------------------------------------------------------------


class Invalid(Exception):
    def __init__(self, message: str, sub: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.sub = sub  # a part inside the value, e.g. "ward" of an address


def _empty(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value is None or value == "" or value == [] or value is False


def _as_text(value: Any, max_length: int) -> str:
    if not isinstance(value, str):
        raise Invalid(_("Giá trị phải là chuỗi ký tự."))
    text = unicodedata.normalize("NFC", value.strip())
    if _CONTROL_RE.search(text):
        raise Invalid(_("Có ký tự điều khiển không được phép."))
    if len(text) > max_length:
        raise Invalid(_("Tối đa %(n)s ký tự (đang có %(m)s).") % {"n": max_length, "m": len(text)})
    return text


def _as_int(value: Any, *, money: bool = False) -> int:
    if isinstance(value, bool):
        raise Invalid(_("Giá trị phải là số."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        raw = value.strip()
        if money:
            raw = re.sub(r"(?i)[\s.,]|đồng|vnđ|vnd|đ$", "", raw)
        if re.fullmatch(r"-?\d{1,18}", raw):
            return int(raw)
        if re.fullmatch(r"-?\d{19,}", raw):
            # A whole number all the same: told as too large, not as "not a whole number".
            raise Invalid(_("Số quá lớn: tối đa %(n)s chữ số.") % {"n": 18})
    raise Invalid(
        _("Số tiền phải là số nguyên (đồng), ví dụ 1.500.000.")
        if money
        else _("Giá trị phải là số nguyên.")
    )


def parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise Invalid(_("Ngày phải có dạng dd/mm/yyyy."))
    raw = value.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", raw)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", raw)
        if not m:
            raise Invalid(_("Ngày phải có dạng dd/mm/yyyy, ví dụ 05/09/2024."))
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise Invalid(
            _("Ngày %(d)02d/%(m)02d/%(y)04d không tồn tại.") % {"d": d, "m": mo, "y": y}
        ) from None


Cleaner = Callable[[Any], Any]


@dataclass
class CompiledField:
    key: str
    kind: str
    required: bool
    clean: Cleaner | None
    show_field: str | None = None
    show_values: tuple = ()
    children: list[CompiledField] = field(default_factory=list)
    children_keys: frozenset = frozenset()
    min_items: int = 0
    max_items: int = MAX_GROUP_ITEMS
    spec: dict = field(default_factory=dict)
    # ``on_or_after``: the other date field of the scope this one may not precede.
    not_before: str | None = None


# Identifier kinds, each checked and normalised by the accounts' validator of the same rule.
IDENTIFIER_CHECKS: dict[str, Callable[[str], str]] = {
    "phone": normalize_phone,
    "cccd": validate_cccd,
    "tax_code": normalize_tax_code,
}


def _make_cleaner(spec: dict, today: Callable[[], dt.date]) -> Cleaner | None:
    kind = spec["kind"]
    if kind in ("text", "textarea", "email"):
        limit = spec.get("max_length", DEFAULT_MAX_LENGTH[kind])
        if kind == "email":

            def clean_email(value):
                text = _as_text(value, limit)
                if not EMAIL_RE.match(text):
                    raise Invalid(_("Địa chỉ thư điện tử không hợp lệ, ví dụ ten@example.vn."))
                return text.lower()

            return clean_email
        return lambda value: _as_text(value, limit)
    if kind in ("number", "money"):
        money = kind == "money"
        lo = spec.get("min", 0 if money else None)
        hi = spec.get("max", MONEY_MAX if money else None)

        def clean_number(value):
            number = _as_int(value, money=money)
            if lo is not None and number < lo:
                raise Invalid(_("Giá trị nhỏ nhất là %(n)s.") % {"n": f"{lo:,}".replace(",", ".")})
            if hi is not None and number > hi:
                raise Invalid(_("Giá trị lớn nhất là %(n)s.") % {"n": f"{hi:,}".replace(",", ".")})
            return number

        return clean_number
    if kind == "date":
        not_future = spec.get("not_future", False)
        min_age = spec.get("min_age")

        def clean_date(value):
            day = parse_date(value)
            if day.year < 1900:
                raise Invalid(_("Năm phải từ 1900 trở về sau."))
            now = today()
            if not_future and day > now:
                raise Invalid(_("Ngày không được sau ngày hôm nay."))
            if min_age and _age(day, now) < min_age:
                raise Invalid(
                    _("Người có ngày sinh này chưa đủ %(n)s tuổi tính đến hôm nay.")
                    % {"n": min_age}
                )
            return day.isoformat()

        return clean_date
    if kind == "choice":
        allowed = frozenset(c["value"] for c in spec["choices"])

        def clean_choice(value):
            if not isinstance(value, str) or value not in allowed:
                raise Invalid(_("Giá trị không nằm trong danh sách lựa chọn."))
            return value

        return clean_choice
    if kind == "multichoice":
        allowed_list = [c["value"] for c in spec["choices"]]
        allowed = frozenset(allowed_list)

        def clean_multi(value):
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or any(not isinstance(v, str) for v in values):
                raise Invalid(_("Giá trị phải là danh sách lựa chọn."))
            wrong = [v for v in values if v not in allowed]
            if wrong:
                raise Invalid(
                    _("Giá trị không nằm trong danh sách lựa chọn: %(v)s.")
                    % {"v": ", ".join(wrong[:3])[:100]}
                )
            chosen = set(values)
            return [v for v in allowed_list if v in chosen]

        return clean_multi
    if kind in ("checkbox", "declaration"):

        def clean_bool(value):
            if isinstance(value, bool):
                return value
            if value in ("1", "on", "true", "yes"):
                return True
            if value in ("0", "off", "false", "no", ""):
                return False
            raise Invalid(_("Giá trị phải là có hoặc không."))

        return clean_bool
    if kind in IDENTIFIER_CHECKS:
        check = IDENTIFIER_CHECKS[kind]

        def clean_identifier(value):
            try:
                return check(_as_text(value, 20))
            except ValidationError as exc:
                raise Invalid(exc.messages[0]) from None

        return clean_identifier
    if kind == "address":
        required = spec.get("required", False)
        return lambda value: _clean_address(value, required)
    if kind == "file":
        limit = spec.get("max_files", MAX_FILES)

        def clean_files(value):
            ids = [value] if isinstance(value, str) else value
            if not isinstance(ids, list) or any(
                not isinstance(v, str) or not UPLOAD_ID_RE.match(v) for v in ids
            ):
                raise Invalid(_("Tệp đính kèm không hợp lệ."))
            if len(ids) > limit:
                raise Invalid(_("Tối đa %(n)s tệp.") % {"n": limit})
            return list(dict.fromkeys(ids))

        return clean_files
    return None


def _age(born: dt.date, on: dt.date) -> int:
    """Full years of age on ``on`` of someone born on ``born`` (born 29/02: of age on 01/03)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _clean_address(value: Any, required: bool) -> dict:
    if not isinstance(value, dict):
        raise Invalid(_("Địa chỉ không hợp lệ."))
    extra = set(value) - {"province", "ward", "street"}
    if extra:
        raise Invalid(
            _("Địa chỉ có phần không được hỗ trợ: %(k)s.")
            % {"k": ", ".join(sorted(map(str, extra)))[:100]}
        )
    provinces, wards = units()
    out: dict[str, Any] = {}
    province = value.get("province")
    if province in (None, ""):
        raise Invalid(_("Vui lòng chọn tỉnh, thành phố."), "province")
    try:
        province = _as_int(province)
    except Invalid:
        raise Invalid(_("Tỉnh, thành phố không hợp lệ."), "province") from None
    if province not in provinces:
        raise Invalid(_("Tỉnh, thành phố không có trong danh mục."), "province")
    out["province"] = province
    ward = value.get("ward")
    if ward in (None, ""):
        raise Invalid(_("Vui lòng chọn phường, xã, đặc khu."), "ward")
    try:
        ward = _as_int(ward)
    except Invalid:
        raise Invalid(_("Phường, xã không hợp lệ."), "ward") from None
    entry = wards.get(ward)
    if entry is None or entry[1] != province:
        raise Invalid(_("Phường, xã không thuộc tỉnh, thành phố đã chọn."), "ward")
    out["ward"] = ward
    street = value.get("street") or ""
    try:
        out["street"] = _as_text(street, 300)
    except Invalid as exc:
        raise Invalid(exc.message, "street") from None
    return out


def _compile_fields(specs: list[dict], today: Callable[[], dt.date]) -> list[CompiledField]:
    out = []
    for spec in specs:
        kind = spec["kind"]
        condition = spec.get("show_if")
        compiled = CompiledField(
            key=spec["key"],
            kind=kind,
            required=bool(spec.get("required", False)) or kind == "declaration",
            clean=_make_cleaner(spec, today),
            show_field=condition["field"] if condition else None,
            show_values=tuple(condition["in"]) if condition else (),
            spec=spec,
            not_before=(spec.get("on_or_after") or {}).get("field"),
        )
        if kind == "group":
            compiled.children = _compile_fields(spec["fields"], today)
            compiled.children_keys = frozenset(c.key for c in compiled.children)
            compiled.min_items = spec.get("min_items", 1 if spec.get("required") else 0)
            compiled.max_items = spec.get("max_items", MAX_GROUP_ITEMS)
        out.append(compiled)
    return out


def _condition_holds(fld: CompiledField, out: dict) -> bool:
    current = out.get(fld.show_field)
    if isinstance(current, list):
        return any(v in fld.show_values for v in current)
    if current is None:
        return False in fld.show_values
    return current in fld.show_values


def _lower_first(label: str) -> str:
    """A label inside a sentence: its first letter in lower case, unless its first word is written in
    capitals (an abbreviation: "CCCD", "UBND")."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return label
    return label[:1].lower() + label[1:]


def own_words(item: dict, key: str) -> tuple[str, SafeString]:
    """A definition's label, title or help (``key``) in the page's language when the definition gives
    it (``label_en``, ``title_en``, ``help_en``), else its Vietnamese text; with the attribute of the
    element showing it: `` lang="vi"`` when it is the Vietnamese text on a page in another language
    (WCAG 2.1, 3.1.2), none otherwise (so the attribute is true exactly when the text is Vietnamese
    quoted in another language)."""
    lang = vi_attribute()
    if lang and item.get(f"{key}_en"):
        return item[f"{key}_en"], SafeString("")
    return item[key], lang


def field_label(spec: dict) -> tuple[str, bool]:
    """The label to name a field by in a message (``own_words``), and whether it is the definition's
    Vietnamese one quoted in a sentence of another language (to be quoted and marked as Vietnamese)."""
    label, lang = own_words(spec, "label")
    return label, bool(lang)


# "Please enter …" by the kind of field: the label in the sentence (Vietnamese, or English when the
# definition gives it), and the label quoted as the form writes it (Vietnamese inside another language).
_REQUIRED = {
    "choose": (
        gettext_lazy("Vui lòng chọn %(label)s."),
        gettext_lazy("Vui lòng chọn “%(label)s”."),
    ),
    "attach": (
        gettext_lazy("Vui lòng đính kèm %(label)s."),
        gettext_lazy("Vui lòng đính kèm “%(label)s”."),
    ),
    "enter": (gettext_lazy("Vui lòng nhập %(label)s."), gettext_lazy("Vui lòng nhập “%(label)s”.")),
}


def _required_message(fld: CompiledField) -> str:
    if fld.kind == "declaration":
        return _("Bạn cần đánh dấu xác nhận lời cam đoan.")
    if fld.kind == "group":
        return _("Cần ít nhất %(n)s mục.") % {"n": max(fld.min_items, 1)}
    if fld.kind in ("choice", "multichoice", "checkbox"):
        verb = "choose"
    elif fld.kind == "file":
        verb = "attach"
    else:
        verb = "enter"
    inline, quoted = _REQUIRED[verb]
    label, foreign = field_label(fld.spec)
    if foreign:
        return quoting(str(quoted), {"label": label})
    return str(inline) % {"label": _lower_first(label)}


def _data_depth_ok(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


class CompiledForm:
    """A definition turned into validators; ``validate`` is the hot path (no database, no templates)."""

    def __init__(self, definition: dict, *, today: Callable[[], dt.date] | None = None) -> None:
        self.definition = definition
        self.fields = _compile_fields(iter_fields(definition), today or timezone.localdate)
        self.keys = frozenset(f.key for f in self.fields)

    def validate(self, data: Any, *, partial: bool = False) -> tuple[dict, list[dict[str, str]]]:
        """Return ``(cleaned, errors)``. ``partial`` (drafts) skips "required" checks and keeps every
        valid value; otherwise ``errors`` lists each problem with its field path."""
        errors: list[dict[str, str]] = []
        if not isinstance(data, dict):
            return {}, [{"path": "", "message": _("Dữ liệu biểu mẫu phải là một đối tượng JSON.")}]
        if not _data_depth_ok(data, MAX_DATA_DEPTH):
            return {}, [
                {
                    "path": "",
                    "message": _("Dữ liệu lồng quá sâu (tối đa %(n)s cấp).")
                    % {"n": MAX_DATA_DEPTH},
                }
            ]
        size = len(json.dumps(data, ensure_ascii=False, default=str).encode())
        if size > MAX_PAYLOAD_BYTES:
            return {}, [
                {
                    "path": "",
                    "message": _("Dữ liệu quá lớn (%(n)s KB, tối đa %(m)s KB).")
                    % {"n": size // 1024, "m": MAX_PAYLOAD_BYTES // 1024},
                }
            ]
        cleaned = self._scope(self.fields, self.keys, data, "", errors, partial)
        return cleaned, errors

    def _scope(self, fields, keys, data: dict, prefix: str, errors: list, partial: bool) -> dict:
        out: dict[str, Any] = {}
        for key in data:
            if key not in keys:
                errors.append(
                    {"path": f"{prefix}{key}", "message": _("Trường không có trong biểu mẫu.")}
                )
        for fld in fields:
            if fld.show_field is not None and not _condition_holds(fld, out):
                continue
            value = data.get(fld.key)
            path = prefix + fld.key
            if fld.kind == "group":
                self._group(fld, value, path, out, errors, partial)
                continue
            if _empty(value):
                if fld.required and not partial:
                    errors.append({"path": path, "message": _required_message(fld)})
                elif fld.kind == "checkbox" and value is False:
                    out[fld.key] = False
                continue
            try:
                result = fld.clean(value)
            except Invalid as exc:
                errors.append(
                    {"path": f"{path}/{exc.sub}" if exc.sub else path, "message": exc.message}
                )
                continue
            if result is False and fld.kind == "declaration" and not partial:
                errors.append({"path": path, "message": _required_message(fld)})
                continue
            out[fld.key] = result
        for fld in fields:
            other = fld.not_before
            if other is None or fld.key not in out or other not in out:
                continue
            # ISO dates compare as text.
            if out[fld.key] < out[other]:
                errors.append(
                    {
                        "path": prefix + fld.key,
                        "message": self._not_before_message(fld.spec, fields, other),
                    }
                )
        return out

    @staticmethod
    def _not_before_message(spec: dict, fields, other: str) -> str:
        """The definition's own message for the rule (its English one on an English page, else the
        Vietnamese one marked so), or the general one naming the other field."""
        rule = spec["on_or_after"]
        if rule.get("message_en") and not page_in_vietnamese():
            return rule["message_en"]
        if rule.get("message"):
            return vietnamese(rule["message"])
        other_spec = next((f.spec for f in fields if f.key == other), {"label": other})
        label, foreign = field_label(other_spec)
        template = _("Ngày này không được trước ngày đã khai ở trường “%(other)s”.")
        return quoting(template, {"other": label}) if foreign else template % {"other": label}

    def _group(self, fld: CompiledField, value, path, out, errors, partial) -> None:
        if value in (None, "", []):
            if not partial and fld.min_items:
                errors.append({"path": path, "message": _required_message(fld)})
            return
        if not isinstance(value, list):
            errors.append({"path": path, "message": _("Giá trị phải là danh sách.")})
            return
        if len(value) > fld.max_items:
            errors.append(
                {
                    "path": path,
                    "message": _("Tối đa %(n)s mục (đang có %(m)s).")
                    % {"n": fld.max_items, "m": len(value)},
                }
            )
            return
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                errors.append(
                    {"path": f"{path}/{index}", "message": _("Mỗi mục phải là một đối tượng.")}
                )
                continue
            items.append(
                self._scope(
                    fld.children, fld.children_keys, item, f"{path}/{index}/", errors, partial
                )
            )
        if not partial and len(value) < fld.min_items:
            errors.append(
                {"path": path, "message": _("Cần ít nhất %(n)s mục.") % {"n": fld.min_items}}
            )
        out[fld.key] = items


_CACHE: dict[tuple[int, str], CompiledForm] = {}
_CACHE_LOCK = threading.Lock()


def compiled_for(form_version) -> CompiledForm:
    """The compiled form of a published version, compiled once per process (versions never change)."""
    key = (form_version.pk, form_version.content_hash)
    found = _CACHE.get(key)
    if found is None:
        found = CompiledForm(form_version.definition)
        with _CACHE_LOCK:
            if len(_CACHE) > 500:
                _CACHE.clear()
            _CACHE[key] = found
    return found


# ---------------------------------------------------------------------------------------------
# JSON Schema export (for API clients)
# ---------------------------------------------------------------------------------------------


def _field_schema(spec: dict) -> dict:
    kind = spec["kind"]
    title = {"title": spec["label"]}
    if kind in ("text", "textarea", "email", "phone", "cccd", "tax_code"):
        schema = {
            "type": "string",
            "maxLength": spec.get("max_length", DEFAULT_MAX_LENGTH.get(kind, 20)),
        }
        if kind == "email":
            schema["format"] = "email"
    elif kind in ("number", "money"):
        schema = {"type": "integer"}
        if "min" in spec or kind == "money":
            schema["minimum"] = spec.get("min", 0)
        if "max" in spec:
            schema["maximum"] = spec["max"]
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind == "choice":
        schema = {"enum": [c["value"] for c in spec["choices"]]}
    elif kind == "multichoice":
        schema = {
            "type": "array",
            "items": {"enum": [c["value"] for c in spec["choices"]]},
            "uniqueItems": True,
        }
    elif kind in ("checkbox", "declaration"):
        schema = {"type": "boolean"}
        if kind == "declaration":
            schema["const"] = True
    elif kind == "address":
        schema = {
            "type": "object",
            "additionalProperties": False,
            "required": ["province", "ward"],
            "properties": {
                "province": {"type": "integer"},
                "ward": {"type": "integer"},
                "street": {"type": "string", "maxLength": 300},
            },
        }
    elif kind == "file":
        schema = {
            "type": "array",
            "maxItems": spec.get("max_files", MAX_FILES),
            "items": {"type": "string", "pattern": UPLOAD_ID_RE.pattern},
            "x-component": spec.get("component", ""),
        }
    elif kind == "group":
        schema = {
            "type": "array",
            "maxItems": spec.get("max_items", MAX_GROUP_ITEMS),
            "minItems": spec.get("min_items", 0),
            "items": _object_schema(spec["fields"]),
        }
    else:
        schema = {}
    return {**title, **schema}


def _object_schema(specs: list[dict]) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {s["key"]: _field_schema(s) for s in specs},
        "required": [
            s["key"]
            for s in specs
            if (s.get("required") or s["kind"] == "declaration") and not s.get("show_if")
        ],
    }


def json_schema(definition: dict) -> dict:
    """The data shape as JSON Schema 2020-12 (conditional fields are listed as optional)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": definition["title"],
        **_object_schema(iter_fields(definition)),
    }
