"""Checks of page markup that the HTML parser of a browser would silently repair: a block element
(a form, a list, a division…) started inside a paragraph. A browser closes the ``<p>`` before it, so
the page's layout and what a screen reader announces differ from the template."""

from __future__ import annotations

from html.parser import HTMLParser

# Elements that end an open paragraph (HTML Living Standard, "p" element: end tag omission).
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "main",
    "menu", "nav", "ol", "pre", "section", "table", "ul",
})
# End tags that close a paragraph opened inside them (a cell, an item).
_CONTAINERS = frozenset({"p", "td", "th", "li", "dd", "dt", "caption", "body"}) | BLOCKS


class _Paragraphs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.opened: int | None = None
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "p":
            self.opened = self.getpos()[0]
        elif self.opened is not None and tag in BLOCKS:
            self.found.append((self.opened, tag))
            self.opened = None

    def handle_endtag(self, tag) -> None:
        if tag in _CONTAINERS:
            self.opened = None


def blocks_in_paragraphs(html: str) -> list[tuple[int, str]]:
    """``(line of the <p>, block tag)`` for each block element started inside an open paragraph.
    Works on a rendered page and on a template's text (its tags and variables read as text)."""
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    return parser.found
