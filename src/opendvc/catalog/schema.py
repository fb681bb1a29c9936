"""The one record schema for importing, exporting and snapshotting procedures.

A record is a dict with the keys of ``FIELDS`` (the same keys as the shipped reference data, plus a
few optional ones). JSON files hold a list of records (or ``{"procedures": [...]}``); CSV and XLSX
files hold one record per row with these column names, list and object values written as JSON text.
See docs/catalog-import.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .fees import fee_period, fee_rate
from .models import NATIONAL_CODE_RE, SYNTHETIC_PREFIX

# Column order of CSV/XLSX files; JSON files use the same keys.
FIELDS: list[str] = [
    "national_code",
    "local_code",
    "name",
    "sector",
    "field",
    "tiers",
    "levels_raw",
    "implementing_agency",
    "agency_codes",
    "competent_authority",
    "coordinating_agency",
    "level",
    "online_class",
    "status",
    "effective_from",
    "effective_to",
    "methods",
    "fee_items",
    "components",
    "steps",
    "applicants",
    "applicants_raw",
    "conditions",
    "result",
    "result_kind",
    "legal_basis",
    "announcing_decision",
    "procedure_type",
    "source_url",
    "source_copy",
    "source_list_copy",
    "notes",
    "unverified_fields",
]
REQUIRED = ["national_code", "name", "sector", "field"]
# Keys whose values are lists/objects (JSON text inside CSV/XLSX cells).
STRUCTURED = {
    "tiers",
    "agency_codes",
    "methods",
    "fee_items",
    "components",
    "steps",
    "applicants",
    "legal_basis",
    "notes",
    "unverified_fields",
}
METHODS = ["online", "direct", "postal"]
TIME_UNITS = ["working_days", "working_hours", "calendar_days"]
# The national portal's own unit words, as found in the reference data; converted on import and
# the conversion is written into ``time_basis`` so the page never presents it as the source's word.
TIME_UNIT_ALIASES = {
    "days": ("calendar_days", "ngày (theo lịch)"),
    "hours": ("working_hours", "giờ làm việc"),
}
APPLICANTS = ["individual", "organisation"]
KINDS = ["submit", "present"]
STATUSES = ["draft", "published", "suspended"]
ONLINE_CLASSES = {
    "toàn trình": "toan_trinh",
    "toan_trinh": "toan_trinh",
    "một phần": "mot_phan",
    "mot_phan": "mot_phan",
}
CUTOFF_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
URL_RE = re.compile(r"^https?://[^\s]+$")
MAX_TEXT = 20_000


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"dòng {self.row}, cột {self.column}: {self.reason}"


@dataclass
class Checked:
    row: int
    record: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Row:
    def __init__(self, row: int) -> None:
        self.row = row
        self.errors: list[RowError] = []

    def err(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.row, column, reason))

    def text(
        self,
        value: Any,
        column: str,
        *,
        required: bool = False,
        max_len: int = MAX_TEXT,
        nullable: bool = False,
    ) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(column, "bắt buộc, không được để trống")
            return None if nullable else ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.err(column, "phải là chuỗi ký tự")
            return None if nullable else ""
        value = value.strip()
        if len(value) > max_len:
            self.err(column, f"dài quá {max_len} ký tự")
        return value

    def integer(
        self,
        value: Any,
        column: str,
        *,
        minimum: int = 0,
        maximum: int | None = None,
        nullable: bool = True,
    ) -> int | None:
        if value is None or value == "":
            if not nullable:
                self.err(column, "bắt buộc")
            return None
        if isinstance(value, bool):
            self.err(column, "phải là số nguyên")
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value.strip())
        if not isinstance(value, int):
            self.err(column, "phải là số nguyên")
            return None
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" đến {maximum}" if maximum is not None else ""
            self.err(column, f"phải từ {minimum}{upper}")
            return None
        return value

    def boolean(
        self, value: Any, column: str, *, nullable: bool = False, default: bool = True
    ) -> bool | None:
        if value is None or value == "":
            return None if nullable else default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "1", "có", "co", "x"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"false", "0", "không", "khong"}:
            return False
        self.err(column, "phải là true hoặc false")
        return None if nullable else default

    def date(self, value: Any, column: str) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        self.err(column, "phải là ngày dạng YYYY-MM-DD")
        return None

    def choice_list(self, value: Any, column: str, allowed: list[str]) -> list[str]:
        items = self.listof(value, column)
        out = []
        for item in items:
            if item not in allowed:
                self.err(column, f"giá trị {item!r} không hợp lệ; cho phép: {', '.join(allowed)}")
            elif item not in out:
                out.append(item)
        return out

    def listof(self, value: Any, column: str) -> list:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                self.err(column, "không phải JSON hợp lệ")
                return []
        if not isinstance(value, list):
            self.err(column, "phải là danh sách (JSON array)")
            return []
        return value

    def obj(self, value: Any, column: str) -> dict | None:
        if not isinstance(value, dict):
            self.err(column, "phải là đối tượng (JSON object)")
            return None
        return value


def _fee_period(r: _Row, f: dict, col: str) -> dict[str, str | None]:
    """An item's ``valid_from``/``valid_to``: as the record gives them (ISO dates; an export carries
    them, null included), else the period its name or note states (``fees.fee_period``)."""
    if "valid_from" not in f and "valid_to" not in f:
        start, end = fee_period(f.get("name") if isinstance(f.get("name"), str) else "",
                                f.get("note") if isinstance(f.get("note"), str) else "")
        return {"valid_from": _iso(start), "valid_to": _iso(end)}
    start = r.date(f.get("valid_from"), f"{col}.valid_from")
    end = r.date(f.get("valid_to"), f"{col}.valid_to")
    if start and end and end < start:
        r.err(f"{col}.valid_to", "ngày hết áp dụng phải từ ngày bắt đầu áp dụng trở về sau")
    return {"valid_from": start, "valid_to": end}


_RATE_KEYS = ("rate_percent", "rate_from", "rate_to", "rate_basis")


def _fee_rate(r: _Row, f: dict, col: str) -> dict[str, Any]:
    """An item's reduced rate (``rate_percent`` of its amount charged from ``rate_from`` to ``rate_to``,
    set by ``rate_basis``): as the record gives it (an export carries the four keys, null included),
    else the rate its name or note states (``fees.fee_rate``)."""
    if not any(key in f for key in _RATE_KEYS):
        rate = fee_rate(
            f.get("name") if isinstance(f.get("name"), str) else "",
            f.get("note") if isinstance(f.get("note"), str) else "",
        )
        if rate is None:
            return {"rate_percent": None, "rate_from": None, "rate_to": None, "rate_basis": ""}
        return {
            "rate_percent": _number(rate.percent),
            "rate_from": _iso(rate.start),
            "rate_to": _iso(rate.end),
            "rate_basis": rate.basis,
        }
    raw = f.get("rate_percent")
    percent = None
    if raw not in (None, ""):
        try:
            if isinstance(raw, bool):
                raise InvalidOperation
            value = Decimal(str(raw).strip().replace(",", "."))
            if not value.is_finite() or not 0 <= value <= 100 or value != round(value, 2):
                raise InvalidOperation
            percent = _number(value)
        except (InvalidOperation, ValueError):
            r.err(
                f"{col}.rate_percent",
                "phải là số từ 0 đến 100 (phần trăm mức thu), tối đa 2 chữ số thập phân",
            )
    start = r.date(f.get("rate_from"), f"{col}.rate_from")
    end = r.date(f.get("rate_to"), f"{col}.rate_to")
    basis = r.text(f.get("rate_basis"), f"{col}.rate_basis", max_len=200) or ""
    if start and end and end < start:
        r.err(f"{col}.rate_to", "ngày hết áp dụng mức thu giảm phải từ ngày bắt đầu trở về sau")
    if percent is not None and not (start or end):
        r.err(f"{col}.rate_from", "mức thu giảm phải có thời gian áp dụng (rate_from, rate_to)")
    if raw in (None, "") and (start or end or basis):
        r.err(f"{col}.rate_percent", "thiếu mức thu giảm (phần trăm mức thu) cho thời gian đã nêu")
    return {"rate_percent": percent, "rate_from": start, "rate_to": end, "rate_basis": basis}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def check_record(
    raw: Any,
    row: int,
    *,
    known_tiers: set[str],
    known_agencies: set[str],
    allow_synthetic: bool = False,
) -> Checked:
    """Validate one raw record; return the cleaned record and every error found (no side effects)."""
    r = _Row(row)
    checked = Checked(row=row)
    if not isinstance(raw, dict):
        r.err("*", "mỗi bản ghi phải là một đối tượng")
        checked.errors = r.errors
        return checked
    unknown = sorted(k for k in raw if k not in FIELDS and k != "level_basis")
    for key in unknown:
        r.err(key, f"cột không có trong lược đồ; các cột hợp lệ: {', '.join(FIELDS)}")
    out: dict[str, Any] = {}
    code = r.text(raw.get("national_code"), "national_code", required=True, max_len=40) or ""
    if (
        code
        and not NATIONAL_CODE_RE.match(code)
        and not (allow_synthetic and code.startswith(SYNTHETIC_PREFIX))
    ):
        r.err("national_code", "mã thủ tục phải có dạng 1.001193")
    out["national_code"] = code
    out["local_code"] = r.text(raw.get("local_code"), "local_code", max_len=60)
    out["name"] = r.text(raw.get("name"), "name", required=True, max_len=2000)
    out["sector"] = r.text(raw.get("sector"), "sector", required=True, max_len=200)
    out["field"] = r.text(raw.get("field"), "field", required=True, max_len=200)
    out["tiers"] = r.choice_list(raw.get("tiers"), "tiers", sorted(known_tiers))
    out["levels_raw"] = r.text(raw.get("levels_raw"), "levels_raw", max_len=200)
    out["implementing_agency"] = r.text(raw.get("implementing_agency"), "implementing_agency")
    # Absent or empty: derive the agencies from ``implementing_agency``; a list (even []) is explicit.
    given = raw.get("agency_codes")
    agency_codes = None if given in (None, "") else r.listof(given, "agency_codes")
    if agency_codes is not None:
        for ac in agency_codes:
            if ac not in known_agencies:
                r.err("agency_codes", f"không có cơ quan mã {ac!r}")
        agency_codes = [a for a in dict.fromkeys(agency_codes) if a in known_agencies]
    out["agency_codes"] = agency_codes
    out["competent_authority"] = r.text(raw.get("competent_authority"), "competent_authority")
    out["coordinating_agency"] = r.text(raw.get("coordinating_agency"), "coordinating_agency")
    out["level"] = r.integer(raw.get("level"), "level", minimum=1, maximum=4)
    oc = raw.get("online_class")
    if oc in (None, ""):
        out["online_class"] = ""
    elif isinstance(oc, str) and oc.strip().lower() in ONLINE_CLASSES:
        out["online_class"] = ONLINE_CLASSES[oc.strip().lower()]
    else:
        r.err("online_class", "chỉ nhận: toàn trình, một phần hoặc để trống")
        out["online_class"] = ""
    status = raw.get("status") or "published"
    if status not in STATUSES:
        r.err("status", f"giá trị {status!r} không hợp lệ; cho phép: {', '.join(STATUSES)}")
    out["status"] = status
    out["effective_from"] = r.date(raw.get("effective_from"), "effective_from")
    out["effective_to"] = r.date(raw.get("effective_to"), "effective_to")
    if (
        out["effective_from"]
        and out["effective_to"]
        and out["effective_to"] < out["effective_from"]
    ):
        r.err("effective_to", "ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực")

    out["methods"] = []
    for i, m in enumerate(r.listof(raw.get("methods"), "methods"), start=1):
        col = f"methods[{i}]"
        m = r.obj(m, col)
        if m is None:
            continue
        method = m.get("method")
        if method not in METHODS:
            r.err(
                f"{col}.method", f"giá trị {method!r} không hợp lệ; cho phép: {', '.join(METHODS)}"
            )
        amount = m.get("time_amount")
        if amount in (None, ""):
            amount = None
        else:
            try:
                amount = Decimal(str(amount))
                if amount < 0 or amount > 99999:
                    raise InvalidOperation
                amount = int(amount) if amount == amount.to_integral_value() else float(amount)
            except (InvalidOperation, ValueError):
                r.err(f"{col}.time_amount", "phải là số không âm")
                amount = None
        unit = m.get("time_unit") or ""
        basis = r.text(m.get("time_basis"), f"{col}.time_basis") or ""
        time_text = r.text(m.get("time_text"), f"{col}.time_text", max_len=300) or ""
        if unit in TIME_UNIT_ALIASES:
            unit, label = TIME_UNIT_ALIASES[unit]
            note = f"Đơn vị quy đổi từ ô thời hạn của nguồn “{time_text}”: {label}."
            basis = f"{basis} {note}".strip() if note not in basis else basis
        elif unit and unit not in TIME_UNITS:
            r.err(
                f"{col}.time_unit",
                f"giá trị {unit!r} không hợp lệ; cho phép: {', '.join(TIME_UNITS)}",
            )
            unit = ""
        cutoff = m.get("cutoff")
        if cutoff not in (None, "") and not (isinstance(cutoff, str) and CUTOFF_RE.match(cutoff)):
            r.err(f"{col}.cutoff", "giờ chốt phải dạng HH:MM, ví dụ 15:00")
            cutoff = None
        out["methods"].append(
            {
                "method": method,
                "time_amount": amount,
                "time_unit": unit or None,
                "time_text": time_text,
                "time_basis": basis,
                "cutoff": cutoff or None,
                "fee_text": r.text(m.get("fee_text"), f"{col}.fee_text") or "",
                "description": r.text(m.get("description"), f"{col}.description") or "",
            }
        )

    out["fee_items"] = []
    for i, f in enumerate(r.listof(raw.get("fee_items"), "fee_items"), start=1):
        col = f"fee_items[{i}]"
        f = r.obj(f, col)
        if f is None:
            continue
        out["fee_items"].append(
            {
                "name": r.text(f.get("name"), f"{col}.name", required=True, max_len=2000),
                "amount_vnd": r.integer(
                    f.get("amount_vnd"), f"{col}.amount_vnd", minimum=0, maximum=10**12
                ),
                "amount_text": r.text(f.get("amount_text"), f"{col}.amount_text", max_len=200)
                or "",
                "per": r.text(f.get("per"), f"{col}.per", max_len=100) or "",
                "methods": r.choice_list(f.get("methods"), f"{col}.methods", METHODS),
                "condition": r.text(f.get("condition"), f"{col}.condition") or "",
                "note": r.text(f.get("note"), f"{col}.note") or "",
                **_fee_period(r, f, col),
                **_fee_rate(r, f, col),
            }
        )

    out["components"] = []
    for i, c in enumerate(r.listof(raw.get("components"), "components"), start=1):
        col = f"components[{i}]"
        c = r.obj(c, col)
        if c is None:
            continue
        kind = c.get("kind") or "submit"
        if kind not in KINDS:
            r.err(f"{col}.kind", f"giá trị {kind!r} không hợp lệ; cho phép: {', '.join(KINDS)}")
        out["components"].append(
            {
                "name": r.text(c.get("name"), f"{col}.name", required=True),
                "originals": r.integer(c.get("originals"), f"{col}.originals", maximum=32767) or 0,
                "copies": r.integer(c.get("copies"), f"{col}.copies", maximum=32767) or 0,
                "required": r.boolean(c.get("required"), f"{col}.required"),
                "kind": kind,
                "case": r.text(c.get("case"), f"{col}.case") or "",
                "form_file": r.text(c.get("form_file"), f"{col}.form_file", max_len=300) or "",
                "accepts_electronic_copy": r.boolean(
                    c.get("accepts_electronic_copy"),
                    f"{col}.accepts_electronic_copy",
                    nullable=True,
                ),
            }
        )

    out["steps"] = []
    for i, s in enumerate(r.listof(raw.get("steps"), "steps"), start=1):
        s = r.text(s, f"steps[{i}]", required=True)
        if s:
            out["steps"].append(s)
    out["applicants"] = r.choice_list(raw.get("applicants"), "applicants", APPLICANTS)
    out["applicants_raw"] = r.text(raw.get("applicants_raw"), "applicants_raw")
    out["conditions"] = r.text(raw.get("conditions"), "conditions", nullable=True)
    out["result"] = r.text(raw.get("result"), "result")
    out["result_kind"] = r.text(raw.get("result_kind"), "result_kind", max_len=100)

    out["legal_basis"] = []
    for i, lb in enumerate(r.listof(raw.get("legal_basis"), "legal_basis"), start=1):
        col = f"legal_basis[{i}]"
        lb = r.obj(lb, col)
        if lb is None:
            continue
        item = {
            "number": r.text(lb.get("number"), f"{col}.number", max_len=100) or "",
            "date": r.date(lb.get("date"), f"{col}.date"),
            "issuer": r.text(lb.get("issuer"), f"{col}.issuer", max_len=200) or "",
            "title": r.text(lb.get("title"), f"{col}.title") or "",
        }
        if not item["number"] and not item["title"]:
            r.err(col, "cần số hiệu hoặc trích yếu")
        out["legal_basis"].append(item)

    out["announcing_decision"] = r.text(
        raw.get("announcing_decision"), "announcing_decision", max_len=200
    )
    out["procedure_type"] = r.text(raw.get("procedure_type"), "procedure_type", max_len=200)
    for key in ("source_url", "source_copy", "source_list_copy"):
        value = r.text(raw.get(key), key, max_len=500)
        if value and not URL_RE.match(value):
            r.err(key, "phải là địa chỉ http(s)")
        out[key] = value
    out["notes"] = [
        n for n in (r.text(n, "notes") for n in r.listof(raw.get("notes"), "notes")) if n
    ]
    out["unverified_fields"] = [
        u
        for u in (
            r.text(u, "unverified_fields", max_len=100)
            for u in r.listof(raw.get("unverified_fields"), "unverified_fields")
        )
        if u
    ]
    if out["level"] == 1 and any(c["form_file"] for c in out["components"]):
        # Regulation Art. 5.3: a procedure with forms is offered at level 2 at least.
        r.err("level", "thủ tục có biểu mẫu phải ở mức độ 2 trở lên (Điều 5 khoản 3 Quy chế)")
    checked.record = out
    checked.errors = r.errors
    return checked
