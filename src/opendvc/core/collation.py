"""Vietnamese alphabetical order for names stored in the database (procedures, sectors, fields,
agencies): ``sort_key`` turns a name into digits that every database collation orders as a
Vietnamese dictionary does, and ``SortedByName`` keeps it in a ``sort_name`` column."""

from __future__ import annotations

import unicodedata

# The Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y), with the Latin
# letters it lacks (f j w z) where the Latin alphabet puts them; one code point each (NFC).
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Diacritics that make another letter (breve, circumflex, horn) and the five tone marks, in the
# order of Vietnamese dictionaries and of the Unicode CLDR collation for Vietnamese: level (no mark),
# huyền, hỏi, ngã, sắc, nặng.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
# Two digits a unit: a gap between words 10, digits 20–29, letters 30–62, any other character 90.
_GAP, _OTHER = "10", "90"
_UNITS: dict[str, str] = {d: str(20 + int(d)) for d in "0123456789"}
_UNITS.update({letter: str(30 + n) for n, letter in enumerate(_ALPHABET)})


def _unit(char: str) -> tuple[str, str]:
    """The primary unit (two digits) and the tone (one digit) of one character (NFC)."""
    if char in "đĐð":
        return _UNITS["đ"], "0"
    decomposed = unicodedata.normalize("NFD", char.lower())
    base, marks = decomposed[:1], decomposed[1:]
    letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
    tone = next((_TONES[m] for m in marks if m in _TONES), "0")
    return _UNITS.get(letter, _UNITS.get(base, _OTHER)), tone


_UNIT_MEMO: dict[str, tuple[str, str]] = {}


def sort_key(text: str | None) -> str:
    """The key that sorts Vietnamese names in Vietnamese order when compared as strings.

    Letters first (a ă â b c d đ e ê … o ô ơ … u ư v x y), word by word (punctuation and spaces are
    one gap between words, lower than any letter), case ignored; tone marks only when the letters
    are the same (level, huyền, hỏi, ngã, sắc, nặng): "Cấp" < "Chứng" < "Công" < "Dân" < "Đăng" <
    "Ép" and "ma" < "mà" < "mả" < "mã" < "má" < "mạ".

    The key is made of digits only, so every database collation compares it as Python does
    (no collation reorders digits): ``order_by("sort_name")`` gives the same order on SQLite and
    PostgreSQL as ``sorted(names, key=sort_key)``. Equal keys (names differing in case only) are
    left to the caller's next column (the code).
    """
    primary: list[str] = []
    tones: list[str] = []
    gap = False
    for char in unicodedata.normalize("NFC", text or ""):
        if not char.isalnum():
            gap = bool(primary)
            continue
        if gap:
            primary.append(_GAP)
            tones.append("0")
            gap = False
        unit = _UNIT_MEMO.get(char)
        if unit is None:
            unit = _UNIT_MEMO[char] = _unit(char)
        primary.append(unit[0])
        tones.append(unit[1])
    # "0" ends the letters: a name that is the beginning of another comes first.
    return "".join(primary) + "0" + "".join(tones)
