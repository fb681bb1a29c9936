"""Text no database keeps: a NUL character (PostgreSQL keeps none in text or JSON) and half of a
UTF-16 surrogate pair (``"\\ud800"`` alone: valid JSON, yet not text — no UTF-8 holds it). What clients
and peers send is checked or cleaned with these wherever it comes in (the shared JSON check, the
one-stop webhook, the national catalogue pull, registry records, the outbox's record of answers)."""

from __future__ import annotations

from typing import Any


def lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds half of a UTF-16 surrogate pair."""
    return not text.isascii() and any("\ud800" <= c <= "\udfff" for c in text)


def unstorable(text: str) -> bool:
    """Whether ``text`` holds a NUL character or half of a surrogate pair."""
    return "\x00" in text or lone_surrogate(text)


def contains_unstorable(value: Any) -> bool:
    """Whether any key or string of a decoded JSON value, at any depth, is ``unstorable``."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if unstorable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def storable(value: Any, *, nul: str) -> Any:
    """``value`` (a string, or the keys and strings of a decoded JSON value at any depth) with every
    NUL character replaced by ``nul`` and every half surrogate by U+FFFD."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", nul)
        if lone_surrogate(value):
            value = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
        return value
    if isinstance(value, dict):
        return {storable(k, nul=nul): storable(v, nul=nul) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v, nul=nul) for v in value]
    return value
