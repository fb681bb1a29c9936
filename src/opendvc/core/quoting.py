"""Messages that quote data kept in Vietnamese (WCAG 2.1, 3.1.2).

A form's field labels, a survey's criteria and the like are written in Vietnamese by the agency. A
translated sentence that names one of them (an error saying which field to fill in) quotes it as it is,
and the quoted part is in another language than the sentence: on a page that is not in Vietnamese it
is marked ``lang="vi"``.

The message stays plain text (what the API answers, what logs and mail carry); the marked HTML travels
with it (``__html__``, which Django's templates and ``conditional_escape`` use), so a page showing the
message marks the Vietnamese words without the code in between knowing about it. On a Vietnamese page
the message is a plain ``str``.
"""

from __future__ import annotations

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


def page_in_vietnamese() -> bool:
    return (get_language() or "vi").startswith("vi")


def vi_attribute() -> SafeString:
    """`` lang="vi"`` for an element holding Vietnamese data, on a page that is not in Vietnamese."""
    return SafeString("") if page_in_vietnamese() else SafeString(' lang="vi"')


class MarkedText(str):
    """Plain text with the HTML to show it in a page (its Vietnamese parts in ``<span lang="vi">``)."""

    def __new__(cls, text: str, html: str | None = None) -> MarkedText:
        # ``html`` is optional for copy and pickle, which make the object first and give its state after.
        obj = super().__new__(cls, text)
        obj._html = conditional_escape(text) if html is None else html
        return obj

    def __html__(self) -> SafeString:
        return mark_safe(self._html)  # noqa: S308 - built from escaped parts (quoting, vietnamese)


def _span(value) -> SafeString:
    return format_html('<span lang="vi">{}</span>', value)


def vietnamese(text: str) -> str:
    """``text`` (written in Vietnamese, e.g. a message the agency wrote into a form definition) marked
    as Vietnamese when the page is in another language."""
    if page_in_vietnamese() or not text:
        return text
    return MarkedText(text, _span(text))


def quoting(template: str, vi: dict[str, str], other: dict[str, object] | None = None) -> str:
    """``template % {**vi, **other}``: ``vi`` are values kept in Vietnamese (labels written by the
    agency), ``other`` the rest (numbers, text of the page's own language). On a page not in
    Vietnamese the ``vi`` values are marked ``lang="vi"`` where the message is shown."""
    other = other or {}
    text = template % {**other, **vi}
    if page_in_vietnamese() or not vi:
        return text
    html = conditional_escape(template) % {
        # Numbers stay numbers, for the template's %d.
        **{k: v if isinstance(v, int | float) else conditional_escape(v) for k, v in other.items()},
        **{k: _span(v) for k, v in vi.items()},
    }
    return MarkedText(text, html)


def html_join(sep: str, texts) -> SafeString:
    """Messages (plain or marked) joined for a page, each escaped unless it carries its own HTML."""
    return mark_safe(conditional_escape(sep).join(conditional_escape(t) for t in texts))  # noqa: S308


def text_join(sep: str, texts) -> str:
    """Texts (plain or marked) joined as plain text: a ``MarkedText`` carrying the joined HTML when one
    of them quotes Vietnamese on a page in another language, a plain ``str`` otherwise (as it always
    is on a Vietnamese page)."""
    texts = list(texts)
    text = sep.join(texts)
    if any(isinstance(t, MarkedText) for t in texts):
        return MarkedText(text, html_join(sep, texts))
    return text


def message_text(texts, sep: str = " ") -> str:
    """Messages joined for ``django.contrib.messages``, which keeps a message's HTML only when it is
    marked safe: the marked HTML when one of them quotes Vietnamese on a page in another language,
    the plain text otherwise (``text_join``)."""
    text = text_join(sep, texts)
    return text.__html__() if isinstance(text, MarkedText) else text
