"""No template starts a form, a list or a division inside a paragraph (invalid HTML: the browser
closes the paragraph early, which breaks the layout and what a screen reader announces)."""

from __future__ import annotations

from pathlib import Path

import pytest

import opendvc

from .markup import blocks_in_paragraphs

ROOT = Path(opendvc.__file__).parent


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ('<p>1 đồng: chờ duyệt\n<form method="post"><button>Duyệt</button></form></p>', [(1, "form")]),
        ("<p>Giấy tờ:<ul><li>a</li></ul></p>", [(1, "ul")]),
        ("<td><p>Ghi chú <div>x</div></p></td>", [(1, "div")]),
        ("<p>1 đồng: chờ duyệt</p>\n<form><p>Lý do</p><div>x</div></form>", []),
        ("<td><p>Ghi chú</td><td><div>x</div></td>", []),
        ("<p>{% if a %}<a href='{% url \"x\" %}'>x</a>{% endif %}</p><ul></ul>", []),
    ],
)
def test_blocks_in_paragraphs_are_found(html, found):
    assert blocks_in_paragraphs(html) == found


def test_no_template_starts_a_block_inside_a_paragraph():
    templates = sorted(ROOT.glob("**/templates/**/*.html"))
    assert len(templates) > 100
    found = {
        f"{path.relative_to(ROOT)}:{line} <p> … <{tag}>"
        for path in templates
        for line, tag in blocks_in_paragraphs(path.read_text(encoding="utf-8"))
    }
    assert found == set()
