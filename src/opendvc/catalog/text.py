"""Text folding for Vietnamese search: one function used for indexing and for queries.

Folding removes diacritics (including đ → d), lower-cases, maps the spelling variant y → i (kí / ký,
lí / lý), and turns every other character into a separator, so that what a user types on a phone
without a Vietnamese keyboard finds the procedure's legal name.
"""

from __future__ import annotations

import re
import unicodedata

from opendvc.core.collation import sort_key

__all__ = ["fold", "slug", "sort_key", "tokens"]

_SEPARATORS = re.compile(r"[^0-9a-z]+")
_DD = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def fold(text: str | None) -> str:
    """Return the searchable form of ``text``: ASCII lower-case words separated by single spaces.

    Pure function, no side effects. Control characters, emoji and punctuation become separators.
    """
    if not text:
        return ""
    text = text.translate(_DD)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    # i / y are interchangeable in many Vietnamese words (kí / ký, lí / lý, mĩ / mỹ).
    stripped = stripped.replace("y", "i")
    return _SEPARATORS.sub(" ", stripped).strip()


def tokens(text: str | None) -> list[str]:
    """Distinct folded words of ``text`` in their first order of appearance."""
    seen: dict[str, None] = {}
    for word in fold(text).split():
        seen.setdefault(word, None)
    return list(seen)


def slug(text: str) -> str:
    """A stable ASCII slug for a Vietnamese name (sector and field codes), keeping y as typed."""
    text = (text or "").translate(_DD)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _SEPARATORS.sub("-", stripped).strip("-")[:80]
