"""Display helpers for the catalog pages: money in VND, processing times."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from opendvc.catalog.models import ProcedureMethod
from opendvc.core.money import format_vnd

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """8000 -> "8.000 đồng"; 0 -> "Miễn phí"; None -> "" (the caller shows "chưa xác minh")."""

    return format_vnd(amount, free_label=True)


@register.filter
def number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    return str(value).replace(".", ",")


@register.filter
def duration(method: ProcedureMethod) -> str:
    """ "3 ngày làm việc"; a number the source gave without a unit keeps only the number."""
    if method.time_amount is None:
        return ""
    amount = number(method.time_amount)
    if not method.time_unit:
        return amount
    return f"{amount} {method.get_time_unit_display()}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


UNVERIFIED_LABELS = {
    "level": gettext_noop("Mức độ dịch vụ công"),
    "online_class": gettext_noop("Phân loại toàn trình / một phần"),
    "conditions": gettext_noop("Yêu cầu, điều kiện"),
    "fee_items": gettext_noop("Mức phí, lệ phí cụ thể"),
    "methods[].time_unit": gettext_noop("Đơn vị thời hạn giải quyết"),
    "methods[].time_amount": gettext_noop("Thời hạn giải quyết"),
    "methods[].cutoff": gettext_noop("Giờ chốt nhận hồ sơ trong ngày"),
    "legal_basis[].date": gettext_noop("Ngày ban hành văn bản pháp lý"),
    "legal_basis[].issuer": gettext_noop("Cơ quan ban hành văn bản pháp lý"),
    "implementing_agency": gettext_noop("Cơ quan thực hiện"),
}


@register.filter
def unverified_label(name: str) -> str:
    label = UNVERIFIED_LABELS.get(name)
    return _(label) if label else name
