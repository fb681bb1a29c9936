"""Money in Vietnamese đồng, written one way everywhere: ``8.000 đồng`` (dot for thousands; on English
pages ``8,000 VND``).

Pages, PDFs, notifications and history sentences all go through ``format_vnd``; texts copied verbatim
from a source (a fee note such as ``8,000 VNĐ``) go through ``normalise_vnd_text`` before display.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _


def format_vnd(amount: Any, *, free_label: bool = False) -> str:
    """``8000`` → ``"8.000 đồng"``; ``None`` or a non-number → ``""``; ``0`` → ``"0 đồng"`` (or
    ``"Miễn phí"`` with ``free_label``). Amounts are whole đồng; a fraction is rounded."""
    if amount is None or isinstance(amount, bool):
        return ""
    try:
        value = int(Decimal(str(amount).strip()).to_integral_value())
    except (InvalidOperation, ValueError):
        return ""
    if value == 0 and free_label:
        return _("Miễn phí")
    sign = "-" if value < 0 else ""
    if (get_language() or "vi").startswith("en"):
        # English pages group thousands with commas and name the currency by its code.
        return f"{sign}{abs(value):,} VND"
    return f"{sign}{abs(value):,}".replace(",", ".") + " đồng"


# An amount followed by a currency word: 8,000 VNĐ · 8.000đ · 8000 VND · 8.000 đồng · 150,000 Việt
# Nam Đồng; the thousands are grouped by threes with dots or commas. A unit of charge in brackets
# right after it, as the national portal writes it ("2,000 Việt Nam Đồng(/trang)"), is kept as
# "/trang". A decimal comma ("1,5 VNĐ") is not an amount in đồng and is left as written.
_AMOUNT_IN_TEXT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+|\d+)(?![.,]\d)\s*"
    r"(?:[Vv]iệt\s+[Nn]am\s+[Đđ]ồng|VNĐ|VND|vnđ|vnd|Vnđ|đồng|Đồng|đ)(?![^\W\d_])"
    r"(?:\((/[^()/]+)\))?",
)


def normalise_vnd_text(text: str) -> str:
    """Rewrite every amount of money in ``text`` in the portal's one format (``8,000 VNĐ`` →
    ``8.000 đồng``, ``2,000 Việt Nam Đồng(/trang)`` → ``2.000 đồng/trang``); the rest of the text
    is kept as it is."""
    if not text:
        return text or ""

    def repl(match: re.Match) -> str:
        digits = re.sub(r"[.,]", "", match.group(1))
        return format_vnd(int(digits)) + (match.group(2) or "").rstrip()

    return _AMOUNT_IN_TEXT.sub(repl, text)
