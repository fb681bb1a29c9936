"""Money in Vietnamese đồng, written one way everywhere: ``8.000 đồng`` (dot for thousands).

Pages, PDFs, notifications and history sentences all go through ``format_vnd``; texts copied verbatim
from a source (a fee note such as ``8,000 VNĐ``) go through ``normalise_vnd_text`` before display.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

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
    return f"{sign}{abs(value):,}".replace(",", ".") + " " + _("đồng")


# An amount followed by a currency word: 8,000 VNĐ · 8.000đ · 8000 VND · 8.000 đồng.
_AMOUNT_IN_TEXT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(VNĐ|VND|vnđ|vnd|Vnđ|đồng|đ)(?![^\W\d_])",
)


def normalise_vnd_text(text: str) -> str:
    """Rewrite every amount of money in ``text`` in the portal's one format (``8,000 VNĐ`` →
    ``8.000 đồng``); the rest of the text is kept as it is."""
    if not text:
        return text or ""

    def repl(match: re.Match) -> str:
        digits = re.sub(r"[.,]", "", match.group(1))
        return format_vnd(int(digits))

    return _AMOUNT_IN_TEXT.sub(repl, text)
