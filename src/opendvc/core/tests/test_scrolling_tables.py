"""A table that may be wider than the screen scrolls inside its ``.table-wrap``; a keyboard user can
scroll it only if the wrapper takes the focus, and a screen reader names the region it lands in
(WCAG 2.1 SC 2.1.1, axe ``scrollable-region-focusable``). A table that stacks into cards on a phone
(``table.stack``) never scrolls and needs neither."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import opendvc

ROOT = Path(opendvc.__file__).parent

WRAP = re.compile(r'<div class="table-wrap"([^>]*)>\s*<table([^>]*)>')


def unfocusable_wraps(html: str) -> list[int]:
    """The lines of the ``.table-wrap`` divisions around a table that does not stack and that a
    keyboard cannot reach (no ``tabindex="0"``, ``role="region"`` and name)."""
    out = []
    for m in WRAP.finditer(html):
        wrap, table = m.group(1), m.group(2)
        if re.search(r'class="[^"]*\bstack\b', table):
            continue
        if not all(a in wrap for a in ('tabindex="0"', 'role="region"', "aria-label")):
            out.append(html.count("\n", 0, m.start()) + 1)
    return out


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ('<div class="table-wrap"><table><caption>Số liệu</caption></table></div>', [1]),
        ('<h2>Ngày</h2>\n<div class="table-wrap">\n<table>', [2]),
        ('<div class="table-wrap" tabindex="0" role="region" aria-label="Số liệu"><table>', []),
        ('<div class="table-wrap"><table class="stack">', []),
    ],
)
def test_unfocusable_wraps_are_found(html, found):
    assert unfocusable_wraps(html) == found


def test_every_scrolling_table_takes_the_keyboard_focus():
    templates = sorted(ROOT.glob("**/templates/**/*.html"))
    assert len(templates) > 100
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in templates
        for line in unfocusable_wraps(path.read_text(encoding="utf-8"))
    }
    assert found == set()
