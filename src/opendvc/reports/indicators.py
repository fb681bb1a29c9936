"""Indicators held as versioned configuration (``IndicatorSet``): numerator, denominator and formula
per indicator, so a new decision is a new version and every report says which version it used.

The default set follows QĐ 766/QĐ-TTg (2022) as provinces compute it. Where the national formula is
not published exactly, the definition says so (``exact: false``) and the report prints that note.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from .figures import FIGURES, rate
from .models import IndicatorSet

DEFAULT_VERSION = "qd766-2022.1"
DEFAULT_DEFINITIONS: list[dict[str, Any]] = [
    {
        "code": "on_time_rate",
        "name": N_("Tỷ lệ hồ sơ giải quyết đúng hạn"),
        "group": "Tiến độ, kết quả giải quyết",
        "points": 20,
        "numerator": "to_handle-handled_late-in_progress_overdue",
        "denominator": "to_handle",
        "formula": N_(
            "100% − (trễ hạn đã giải quyết + quá hạn đang giải quyết) / (tồn kỳ trước + tiếp nhận mới)"
        ),
        "basis": "QĐ 766/QĐ-TTg, nhóm Tiến độ, kết quả giải quyết",
        "exact": True,
    },
    {
        "code": "online_rate",
        "name": N_("Tỷ lệ hồ sơ trực tuyến (mức độ 3–4)"),
        "group": "Cung cấp dịch vụ trực tuyến",
        "points": 22,
        "numerator": "received_online_l34",
        "denominator": "received_l34",
        "formula": N_(
            "hồ sơ tiếp nhận trực tuyến của thủ tục mức độ 3–4 / hồ sơ tiếp nhận của các thủ tục đó"
        ),
        "basis": "QĐ 766/QĐ-TTg; Quy chế Điều 13.2",
        "exact": True,
    },
    {
        "code": "online_received_rate",
        "name": N_("Tỷ lệ tiếp nhận trực tuyến"),
        "group": "Cung cấp dịch vụ trực tuyến",
        "points": None,
        "numerator": "received_online",
        "denominator": "received_new",
        "formula": N_("tiếp nhận trực tuyến / tiếp nhận mới"),
        "basis": "QĐ 766/QĐ-TTg",
        "exact": True,
    },
    {
        "code": "online_payment_rate",
        "name": N_("Tỷ lệ thanh toán trực tuyến"),
        "group": "Cung cấp dịch vụ trực tuyến",
        "points": None,
        "numerator": "paid_online",
        "denominator": "with_fee",
        "formula": N_("hồ sơ nộp phí trực tuyến / hồ sơ có phí đã nộp"),
        "basis": "QĐ 766/QĐ-TTg",
        "exact": False,
        "note": N_(
            "Mẫu số chỉ gồm hồ sơ đã nộp phí trên Cổng; hồ sơ có phí nhưng chưa thu không được đếm."
        ),
    },
    {
        "code": "online_result_rate",
        "name": N_("Tỷ lệ trả kết quả trực tuyến"),
        "group": "Số hóa hồ sơ",
        "points": 22,
        "numerator": "result_online",
        "denominator": "result_online+result_postal+result_counter",
        "formula": N_("kết quả trả trực tuyến / kết quả đã trả"),
        "basis": "QĐ 766/QĐ-TTg, nhóm Số hóa",
        "exact": False,
        "note": N_(
            "Chỉ số số hóa quốc gia còn tính tỷ lệ cấp kết quả điện tử và số hóa thành phần hồ sơ; cổng "
            "chưa có số liệu đó."
        ),
    },
    {
        "code": "feedback_on_time_rate",
        "name": N_("Tỷ lệ phản ánh, kiến nghị trả lời đúng hạn"),
        "group": "Mức độ hài lòng",
        "points": None,
        "numerator": "fb_answered_focal+fb_answered_head",
        "denominator": "fb_received",
        "formula": N_("trả lời đúng hạn / phản ánh nhận trong kỳ"),
        "basis": "QĐ 766/QĐ-TTg; Quy chế Điều 8",
        "exact": True,
    },
    {
        "code": "satisfaction_rate",
        "name": N_("Tỷ lệ hài lòng"),
        "group": "Mức độ hài lòng",
        "points": 18,
        "numerator": "sv_satisfied",
        "denominator": "sv_answers",
        "formula": N_("phiếu hài lòng / phiếu khảo sát đã trả lời"),
        "basis": "QĐ 766/QĐ-TTg",
        "exact": False,
        "note": N_(
            "QĐ 766 tính (hồ sơ − hồ sơ bị đánh giá không hài lòng hoặc bị phản ánh) / hồ sơ; cổng tính trên "
            "phiếu khảo sát đã trả lời."
        ),
    },
    {
        "code": "transparency",
        "name": N_("Công khai, minh bạch"),
        "group": "Công khai, minh bạch",
        "points": 18,
        "numerator": "",
        "denominator": "",
        "formula": N_("chưa tính tự động"),
        "basis": "QĐ 766/QĐ-TTg",
        "exact": False,
        "note": N_(
            "Nhóm chỉ số công khai, minh bạch chấm theo việc công bố thủ tục và kết quả; cổng chưa có dữ liệu."
        ),
    },
]

DEFAULT_TITLE = N_("Bộ chỉ số theo QĐ 766/QĐ-TTg")
# The texts a page shows of the shipped set (marked for translation above), and the title.
SHIPPED_TEXTS = frozenset(
    [DEFAULT_TITLE]
    + [d[k] for d in DEFAULT_DEFINITIONS for k in ("name", "formula", "note") if d.get(k)]
)


def shown_text(text: str) -> tuple[str, bool]:
    """A text of an indicator set as a page shows it, and whether it is in the page's language: a
    text of the shipped default set (stored in Vietnamese) in the active language when translated;
    any other text (an administrator's) as it was typed, in Vietnamese."""
    text = str(text or "")
    if text in SHIPPED_TEXTS:
        shown = gettext(text)
        if shown != text:
            return shown, True
    return text, False


TERM = re.compile(r"([+-]?)\s*([a-z0-9_]+)")


def validate_expression(text: str) -> list[str]:
    """Names in ``text`` that are not figures (empty when the expression is valid)."""
    return [name for _sign, name in TERM.findall(text or "") if name not in FIGURES]


def evaluate_expression(text: str, totals: dict[str, Any]) -> float | None:
    if not (text or "").strip():
        return None
    value = 0.0
    for sign, name in TERM.findall(text):
        amount = totals.get(name) or 0
        value += -amount if sign == "-" else amount
    return value


def evaluate(definitions: list[dict[str, Any]], totals: dict[str, Any]) -> list[dict[str, Any]]:
    """Each indicator with its numerator, denominator and value (percent; None without a denominator)."""
    out = []
    for d in definitions:
        num = evaluate_expression(d.get("numerator", ""), totals)
        den = evaluate_expression(d.get("denominator", ""), totals)
        out.append(
            {
                **d,
                "numerator_value": num,
                "denominator_value": den,
                "value": rate(num, den) if num is not None and den else None,
            }
        )
    return out


def current_set(on: date | None = None) -> IndicatorSet:
    """The set in force on ``on`` (the latest valid from then); the default set is created when none exists."""

    on = on or timezone.localdate()
    found = IndicatorSet.objects.filter(valid_from__lte=on).order_by("-valid_from", "-id").first()
    if found is not None:
        return found
    found = IndicatorSet.objects.order_by("valid_from", "id").first()
    return found or ensure_default()


def ensure_default() -> IndicatorSet:
    with transaction.atomic():
        found, _ = IndicatorSet.objects.get_or_create(
            version=DEFAULT_VERSION,
            defaults={
                "title": DEFAULT_TITLE,
                "basis": "Quyết định 766/QĐ-TTg ngày 23/6/2022",
                "valid_from": date(2022, 6, 23),
                "definitions": DEFAULT_DEFINITIONS,
                "note": 'Chỉ số có "exact": false là công thức gần đúng; xem ghi chú từng chỉ số.',
            },
        )
    return found
