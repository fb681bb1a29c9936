"""Display helpers for the catalog pages: money in VND, processing times, the catalog page's lists."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from opendvc.catalog.models import ProcedureMethod
from opendvc.core.money import format_vnd, normalise_vnd_text

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """8000 -> "8.000 đồng"; 0 -> "Miễn phí"; None -> "" (the caller shows "chưa xác minh")."""

    return format_vnd(amount, free_label=True)


_NO_SPACE_BEFORE_BRACKET = re.compile(r"(?<=[^\s(])\(")


@register.filter
def source_fee(text) -> str:
    """A method's fee as the national portal writes it ("Miễn phí(Lệ phí …)", "8,000 VNĐ"), made
    readable without changing what it says: amounts in the portal's one format, a space before an
    opening bracket."""
    return _NO_SPACE_BEFORE_BRACKET.sub(" (", normalise_vnd_text(str(text or "")))


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


_FIELD_NAME = re.compile(r"\b(?:" + "|".join(re.escape(k) for k in UNVERIFIED_LABELS if "[" not in k) + r")\b")


@register.filter
def level_basis(text: str) -> str:
    """The stored reason of a derived level (``services.LEVEL_BASIS``, in Vietnamese) in the page's
    language."""
    return _(str(text)) if text else ""


@register.filter
def source_note(note: str) -> str:
    """A source note of the collected data as people read it: the catalog's field names it cites
    (``online_class lấy từ tên thủ tục: …``) become their labels. The note's own words are kept."""
    return _FIELD_NAME.sub(lambda m: unverified_label(m.group(0)), str(note))


# The catalog page's two long lists — every value of every filter with its count, and the twenty
# results — are written here rather than as template loops: each ``{{ }}`` of a loop costs a few
# microseconds, and these loops were most of the page's rendering. The markup is the one the
# templates had (``catalog/_filters.html``, ``catalog/_results.html``), escaped the same way.


def _esc(value) -> str:
    """``conditional_escape`` without its check for lazy arguments on every call: safe text as it is,
    anything else through ``html.escape`` (which is what ``django.utils.html.escape`` calls)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


@register.simple_tag
def filter_options(group: dict) -> str:
    """The ``<option>``s of one filter of ``catalog.views._catalog_list``: value, label and count,
    the chosen one ``selected``, names marked Vietnamese on an English page (``lang_attr``)."""
    selected, lang = group["selected"], _esc(group["lang_attr"])
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<option value="{_esc(o["value"])}"'
            f"{' selected' if o['value'] == selected else ''}{lang}>"
            f"{_esc(o['label'])} ({o['count']})</option>\n"
            for o in group["options"]
        )
    )


@register.simple_tag
def result_items(rows: list[dict], vi_attr: str) -> str:
    """The ``<li>`` of each result row (``catalog.views._row``): name linked to its page, code, field,
    level, online filing, the first agencies."""
    lang = _esc(vi_attr)
    code_word, online_word = _esc(_("Mã")), _esc(_("Nộp trực tuyến"))
    online = f'<span class="badge badge-ok">{online_word}</span>'
    out = []
    for item in rows:
        agencies = ""
        if item["agency_names"]:
            names = "; ".join(f"<span{lang}>{_esc(n)}</span>" for n in item["agency_names"])
            agencies = (
                f'\n    <p class="procedure-agencies">{names}{_esc(item["agencies_more"])}</p>'
            )
        out.append(
            '  <li class="procedure-item">\n'
            f'    <a class="procedure-name" href="{_esc(item["url"])}"{lang}>'
            f"{_esc(item['name'])}</a>\n"
            '    <p class="procedure-meta">\n'
            f"      <span>{code_word} {_esc(item['code'])}</span> ·\n"
            f"      <span{lang}>{_esc(item['field']['name'])}</span> ·\n"
            f'      <span class="badge{" badge-ok" if item["level"] >= 3 else ""}">'
            f"{_esc(item['level_label'])}</span>\n"
            f"      {online if item['online'] else ''}\n"
            f"    </p>{agencies}\n"
            "  </li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value is escaped
