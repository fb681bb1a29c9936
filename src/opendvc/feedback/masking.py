"""Finding and masking personal data before an answer is published (Regulation Art. 4.4, 13.3;
Personal Data Protection Law 91/2025/QH15).

Two sources of what to mask:

- the values the record itself holds (``KnownValues``: the sender's names, addresses, phone
  numbers, emails, identifiers, date of birth), found in any case, with or without diacritics and
  whatever the separators between digits;
- patterns of Vietnamese personal data: identifiers (CCCD 12 digits, CMND 9, passports, tax codes
  10 or 13 digits), phone numbers in every written form (``0912 345 678``, ``(091) 2000001``,
  ``+84 91…``, landlines), bank account numbers, emails (also ``an [at] gmail [dot] com``), dates of
  birth, house numbers with their street, and the names after a title or a family word (``ông``,
  ``vợ tôi là``, ``con gái tôi tên``…).

Dates in general are kept (an answer cites laws ``ngày 23/4/2018``); only dates given as a birth
date or as the card's date of issue, and the record's own date of birth, are masked. An officer
reviews the masked text, with each change highlighted, and confirms before anything is public.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MASK = "***"


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str
    value: str

    def __iter__(self):  # unpacks as (kind, value)
        return iter((self.kind, self.value))


@dataclass
class KnownValues:
    """What the record itself says about its sender; each is masked wherever it appears."""

    names: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)


# --- folding: lower case without diacritics, one character for one character ---------------------


def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", c)[0]
    return base.lower() if len(base.lower()) == 1 else c


def fold(text: str) -> str:
    """``Nguyễn Văn Ân`` -> ``nguyen van an``; same length as the NFC input so offsets carry over."""
    return "".join(_fold_char(c) for c in text)


# --- patterns --------------------------------------------------------------------------------------

_SEP = r"[ .\-]"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# "an.nguyen [at] gmail.com", "an(at)gmail(dot)com", "an a còng gmail chấm com", "an @ gmail . com".
_AT = r"\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|\s@\s|\sat\s|\s(?:a còng|a móc)\s|\[\s*@\s*\])\s*"
_DOT = r"\s*(?:\.|\[\s*(?:dot|chấm)\s*\]|\(\s*(?:dot|chấm)\s*\)|\s(?:dot|chấm)\s)\s*"
OBFUSCATED_EMAIL = re.compile(
    rf"(?<![\w.])[\w.+-]+{_AT}[\w-]+(?:{_DOT}[a-z]{{2,10}})+(?!\w)", re.IGNORECASE
)
# A run of digits written in groups: "075 090 001 234", "(091) 2000001", "+84 91 234 5678",
# "0312345678-001". Groups after the first have at least two digits so "… 678 lúc 9 giờ" stops.
NUMBER = re.compile(
    r"(?<![\w/.\-+,])(?:\(\s?\+?\d{1,4}\s?\)|\+\s?\d{1,4}|\d+)"
    r"(?:(?:[ .\-]|\s?\(\s?|\s?\)\s?)?\d{2,}\)?)*(?![\w/]|[.,\-]\d)"
)
_MONEY_AFTER = re.compile(r"\s*(?:đồng|đ\b|vnđ|vnd|triệu|tỷ|nghìn|ngàn|%)", re.IGNORECASE)
# Shorter numbers are personal data only after a word saying what they are.
_NUMBER_CONTEXT = re.compile(
    r"(?<!\w)(?:stk|số tài khoản|tài khoản số|tài khoản|tk|mst|mã số thuế|điện thoại|đt|sđt|sdt|số máy|hotline"
    r"|di động|zalo|cccd|cmnd|căn cước|chứng minh|số định danh|hộ chiếu|giấy phép lái xe|gplx)"
    r"(?:\s+\w+){0,2}?[\s:.\-]*(?:số|là|:)?\s*$",
    re.IGNORECASE,
)
PASSPORT = re.compile(r"(?<![\w])[A-Z]{1,2}\s?\d{7}(?![\w])")
_DATE = (
    r"(?:\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}"
    r"|(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2}(?:\s*,)?\s+năm\s+\d{4}"
    r"|\d{1,2}\s?[/.\-]\s?\d{4}|\d{4})"
)
BIRTH_DATE = re.compile(
    rf"(?<!\w)(?:ngày\s+sinh|năm\s+sinh|sinh\s+ngày|sinh\s+năm|sinh\s+tháng|sinh|ns|cấp\s+ngày|ngày\s+cấp)"
    rf"\s*[:,]?\s*({_DATE})(?![\w/])",
    re.IGNORECASE,
)
# A house number with its street: "số 12 đường Nguyễn Trãi", "123/4 Phạm Văn Thuận",
# "nhà số 45, hẻm 12", "tổ 5".
_CAP = r"(?:[A-ZĐ]|[ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ])\w*"
_STREET_WORD = r"(?:đường|hẻm|ngõ|ngách|kiệt|phố|quốc lộ|tỉnh lộ|hương lộ)"
STREET = re.compile(
    rf"(?<!\w)(?:(?i:số nhà|nhà số|số)\s+)?\d+[A-Za-z]?(?:/\d+[A-Za-z]?)+(?![/\w])\s*,?\s*(?i:{_STREET_WORD})?\s*"
    rf"(?:{_CAP}|\d+\w*)(?:\s+{_CAP}){{0,4}}"
    rf"|(?<!\w)(?:(?i:số nhà|nhà số|số)\s+)?\d+[A-Za-z]?\s*,?\s*(?i:{_STREET_WORD})\s+(?:{_CAP}|\d+\w*)"
    rf"(?:\s+(?:{_CAP}|\d{{1,2}}(?!\w))){{0,4}}"
    rf"|(?<!\w)(?i:số nhà|nhà số)\s+\d+[A-Za-z]?(?:\s+{_CAP}){{0,4}}"
    r"|(?<!\w)(?i:tổ dân phố|tổ)\s+(?:số\s+)?\d+(?!\w)"
)
_LOOKS_LIKE_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}(?!\d)|\d{1,2}/(?:19|20)\d\d(?!\d)")
# A capitalised name after a title or a family word: "ông Nguyễn Văn A", "vợ tôi là Lê Thị B",
# "họ tên: TRẦN VĂN C", "con gái tôi tên Phạm Minh Thư".
_NAME_WORD = rf"(?:{_CAP})"
_TRIGGER = (
    r"tôi là|tên tôi là|tên tôi|tên là|họ và tên|họ tên|người gửi|người đứng tên|chủ hộ"
    r"|ông nội|bà nội|ông ngoại|bà ngoại|ông|bà|anh trai|chị gái|em trai|em gái|anh|chị|cháu|em|cô|chú|bác|dì"
    r"|cậu|mợ|thím|cụ|bố|cha|mẹ|má|ba|vợ|chồng|con trai|con gái|con|người thân|người nhà"
)
NAME_AFTER = re.compile(
    rf"(?<!\w)(?i:{_TRIGGER})(?:\s+(?i:tôi|của tôi|mình|của mình|ruột|tên|tên là|là))*\s*[:,(]?\s*"
    rf"({_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}})"
)


def _is_money(text: str, m: re.Match) -> bool:
    raw = m.group(0)
    if _MONEY_AFTER.match(text, m.end()):
        return True
    groups = raw.split(".")
    if (
        len(groups) < 2
        or raw[0] in "0+("
        or (raw.startswith("84") and len(re.sub(r"\D", "", raw)) in (11, 12))
    ):
        return False
    return all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3


def _number_kind(digits: str, raw: str) -> str:
    if raw.lstrip("( ").startswith("+") or (digits.startswith("84") and len(digits) in (11, 12)):
        return "phone"
    if len(digits) == 12:
        return "id_number"
    if len(digits) == 9:
        return "id_number"
    if len(digits) == 13 or (len(digits) == 10 and not digits.startswith("0")):
        return "tax_code"
    if digits.startswith("0") and len(digits) in (10, 11):
        return "phone"
    return "account_number"


def _find_numbers(text: str) -> Iterable[Found]:
    for m in NUMBER.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        said = _NUMBER_CONTEXT.search(text[max(0, m.start() - 30) : m.start()])
        if len(digits) < 6 or (not said and _is_money(text, m)):
            continue
        if len(digits) >= 9 or said:
            yield Found(m.start(), m.end(), _number_kind(digits, m.group(0)), m.group(0))


# --- the record's own values ---------------------------------------------------------------------


def _words_pattern(value: str) -> re.Pattern | None:
    words = fold(unicodedata.normalize("NFC", value)).split()
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"[\s,]+".join(re.escape(w) for w in words) + r"(?!\w)")


def _digits_pattern(digits: str) -> re.Pattern | None:
    if len(digits) < 6:
        return None
    sep = r"[\s.\-()]*"
    if digits.startswith("0"):  # national form: also written +84 / 84 / (0)
        head = r"(?:\(?\+?\s?84\)?" + sep + r"\(?0?|\(?0)"
        body = digits[1:]
    else:
        head, body = "", digits
    return re.compile(r"(?<![\d])" + head + sep.join(body) + r"(?!\d)")


def _date_patterns(day: dt.date) -> list[re.Pattern]:
    d, m, y = day.day, day.month, day.year
    dd = rf"0?{d}"
    mm = rf"0?{m}"
    return [
        re.compile(rf"(?<!\d){dd}\s?[/.\-]\s?{mm}\s?[/.\-]\s?{y}(?!\d)"),
        re.compile(rf"(?<!\d){dd}\s?[/.\-]\s?{mm}\s?[/.\-]\s?{y % 100:02d}(?!\d)"),
        re.compile(
            rf"(?<!\w)(?:ngày\s+)?{dd}\s+tháng\s+{mm}(?:\s*,)?\s+năm\s+{y}(?!\d)", re.IGNORECASE
        ),
        re.compile(rf"(?<!\d){y}-{m:02d}-{d:02d}(?!\d)"),
    ]


def _name_variants(name: str) -> list[str]:
    """The full name, and the given names alone ("Văn Dân", "Dân" after a title) — people are
    called by their given name in Vietnamese."""
    words = unicodedata.normalize("NFC", name).split()
    if len(words) < 2:
        return [name] if len(name) >= 4 else []
    return [" ".join(words[i:]) for i in range(len(words) - 1)]


_HAMLET = re.compile(r"(?:ap|thon|to|to dan pho|khu pho|xom|buon|khom|doi)\s")


def _find_known(text: str, folded: str, known: KnownValues) -> Iterable[Found]:
    for name in known.names:
        for variant in filter(None, _name_variants(name)):
            pattern = _words_pattern(variant)
            if pattern:
                yield from (
                    Found(m.start(), m.end(), "name", text[m.start() : m.end()])
                    for m in pattern.finditer(folded)
                )
        given = fold(name).split()[-1:] if len(name.split()) >= 2 else []
        for g in given:
            pattern = re.compile(
                rf"(?<!\w)(?:{'|'.join(fold(t) for t in _TRIGGER.split('|'))})\s+({re.escape(g)})(?!\w)"
            )
            yield from (
                Found(m.start(1), m.end(1), "name", text[m.start(1) : m.end(1)])
                for m in pattern.finditer(folded)
            )
    for address in known.addresses:
        # The whole address, its first part (house and street), and the parts below ward level
        # (a hamlet, a residential group); wards and provinces are public facts and stay.
        pieces = [p.strip() for p in address.split(",")]
        parts = [
            address,
            pieces[0],
            *(p for p in pieces[1:] if re.search(r"\d", p) or _HAMLET.match(fold(p))),
        ]
        for part in parts:
            pattern = _words_pattern(part.strip())
            if pattern:
                yield from (
                    Found(m.start(), m.end(), "address", text[m.start() : m.end()])
                    for m in pattern.finditer(folded)
                )
    for email in known.emails:
        local = email.split("@")[0]
        for value in (email, local if len(local) >= 4 else ""):
            if value:
                pattern = re.compile(r"(?<![\w.])" + re.escape(value.lower()) + r"(?![\w])")
                yield from (
                    Found(m.start(), m.end(), "email", text[m.start() : m.end()])
                    for m in pattern.finditer(folded)
                )
    for number in [*known.phones, *known.identifiers]:
        pattern = _digits_pattern(re.sub(r"\D", "", number))
        if pattern:
            kind = "phone" if number in known.phones else "id_number"
            yield from (Found(m.start(), m.end(), kind, m.group(0)) for m in pattern.finditer(text))
    for day in known.dates:
        for pattern in _date_patterns(day):
            yield from (
                Found(m.start(), m.end(), "date_of_birth", m.group(0))
                for m in pattern.finditer(text)
            )


# --- the public functions ------------------------------------------------------------------------


def _merge(found: Iterable[Found], text: str) -> list[Found]:
    """Overlapping finds become one span (the widest), left to right."""
    spans: list[Found] = []
    for f in sorted(found, key=lambda f: (f.start, -f.end)):
        if f.end <= f.start:
            continue
        if spans and f.start < spans[-1].end:
            last = spans[-1]
            if f.end > last.end:
                spans[-1] = Found(last.start, f.end, last.kind, text[last.start : f.end])
            continue
        spans.append(f)
    return spans


def find_personal_data(
    text: str, *, names: Iterable[str] = (), known: KnownValues | None = None
) -> list[Found]:
    """The pieces of personal data in ``text`` (NFC), left to right, without overlaps."""
    text = unicodedata.normalize("NFC", text or "")
    folded = fold(text)
    known = known or KnownValues()
    known = KnownValues(
        names=[*known.names, *names],
        addresses=known.addresses,
        phones=known.phones,
        emails=known.emails,
        identifiers=known.identifiers,
        dates=known.dates,
    )
    found: list[Found] = list(_find_known(text, folded, known))
    found += [Found(m.start(), m.end(), "email", m.group(0)) for m in EMAIL.finditer(text)]
    found += [
        Found(m.start(), m.end(), "email", m.group(0)) for m in OBFUSCATED_EMAIL.finditer(text)
    ]
    found += _find_numbers(text)
    found += [Found(m.start(), m.end(), "id_number", m.group(0)) for m in PASSPORT.finditer(text)]
    found += [
        Found(m.start(1), m.end(1), "date_of_birth", m.group(1)) for m in BIRTH_DATE.finditer(text)
    ]
    found += [
        Found(m.start(), m.end(), "address", m.group(0))
        for m in STREET.finditer(text)
        if not _LOOKS_LIKE_DATE.match(m.group(0))
    ]
    found += [Found(m.start(1), m.end(1), "name", m.group(1)) for m in NAME_AFTER.finditer(text)]
    return _merge(found, text)


def mask_personal_data(
    text: str, *, names: Iterable[str] = (), known: KnownValues | None = None
) -> str:
    """``text`` with every piece of personal data replaced by ``***``."""
    text = unicodedata.normalize("NFC", text or "")
    out, pos = [], 0
    for f in find_personal_data(text, names=names, known=known):
        out += [text[pos : f.start], MASK]
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def highlight_masking(
    text: str, *, names: Iterable[str] = (), known: KnownValues | None = None
) -> SafeString:
    """The original text as HTML with each piece that masking removes shown struck out in a
    ``<mark>`` followed by what replaces it, so the officer sees every change before publishing."""
    text = unicodedata.normalize("NFC", text or "")
    out, pos = [], 0
    for f in find_personal_data(text, names=names, known=known):
        out.append(escape(text[pos : f.start]))
        out.append(
            f'<mark data-kind="{f.kind}"><del>{escape(f.value)}</del> <ins>{MASK}</ins></mark>'
        )
        pos = f.end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above
