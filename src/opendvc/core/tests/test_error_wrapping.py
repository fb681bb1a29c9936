"""Error messages quote what was typed or chosen (a file's name, a long code) and such a word can be
wider than a 360 px screen: the error summary and the message at a field break it rather than push the
page sideways (WCAG 2.1, 1.4.10 Reflow)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"


@pytest.mark.parametrize("selector", [".error-summary", ".field-error"])
def test_error_messages_break_a_long_word(selector):
    rules = [
        body
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", STYLESHEET.read_text())
        if selector in [s.strip() for s in selectors.split(",")]
    ]
    assert any("overflow-wrap: anywhere" in body for body in rules), selector
