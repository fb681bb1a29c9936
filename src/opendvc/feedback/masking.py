"""Finding and masking personal data before an answer is published (Regulation Art. 4.4, 13.3;
Personal Data Protection Law 91/2025/QH15): email addresses, phone numbers, ID numbers (CCCD 12
digits, old CMND 9 digits, passports), and the names the sender gave. An officer reviews the masked
text and confirms before anything is public."""

from __future__ import annotations

import re
import unicodedata

MASK = "***"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Vietnamese phone numbers: 0xxxxxxxxx or +84 / 84 followed by 9 digits, with optional separators.
PHONE = re.compile(r"(?<![\w])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?![\w])")
# CCCD (12 digits), CMND (9 digits), passport (letter + 7 digits).
ID_NUMBER = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)|(?<![\w])[A-Z]\d{7}(?![\w])")
# "tôi là Nguyễn Văn A", "tên tôi là …", "họ tên: …": a capitalised name after these phrases.
_WORD = r"[A-ZĐÀ-Ỹ][a-zđà-ỹ]+"
NAME_AFTER = re.compile(
    r"(?<!\w)(?i:tôi là|tên tôi là|tên là|họ và tên|họ tên|ông|bà|anh|chị|cháu|em)\s*:?\s+"
    rf"((?:{_WORD})(?:\s+{_WORD}){{1,4}})"
)


def _name_pattern(name: str) -> re.Pattern | None:
    words = [w for w in re.split(r"\s+", unicodedata.normalize("NFC", name or "").strip()) if w]
    if len(words) < 2:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def find_personal_data(text: str, *, names: list[str] = ()) -> list[tuple[str, str]]:
    """The pieces of personal data found in ``text``: (kind, value)."""
    text = unicodedata.normalize("NFC", text or "")
    found: list[tuple[str, str]] = []
    for kind, pattern in (("email", EMAIL), ("phone", PHONE), ("id_number", ID_NUMBER)):
        found += [(kind, m.group(0)) for m in pattern.finditer(text)]
    for name in names:
        pattern = _name_pattern(name)
        if pattern:
            found += [("name", m.group(0)) for m in pattern.finditer(text)]
    found += [("name", m.group(1)) for m in NAME_AFTER.finditer(text)]
    return found


def mask_personal_data(text: str, *, names: list[str] = ()) -> str:
    """``text`` with every piece of personal data replaced by ``***`` (names first, then the rest)."""
    text = unicodedata.normalize("NFC", text or "")
    for name in sorted(names, key=len, reverse=True):
        pattern = _name_pattern(name)
        if pattern:
            text = pattern.sub(MASK, text)
    text = EMAIL.sub(MASK, text)
    text = PHONE.sub(MASK, text)
    text = ID_NUMBER.sub(MASK, text)
    text = NAME_AFTER.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + MASK, text)
    return text
