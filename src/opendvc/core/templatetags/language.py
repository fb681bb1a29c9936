"""Language of parts (WCAG 2.1, 3.1.2): data kept in Vietnamese (procedure and agency names, legal
text, what people typed) is marked ``lang="vi"`` when the page is in another language."""

from django import template
from django.utils.html import conditional_escape, format_html

from opendvc.core.quoting import page_in_vietnamese, vi_attribute
from opendvc.core.template_loader import per_language

register = template.Library()


@register.simple_tag
@per_language
def vi() -> str:
    """`` lang="vi"`` for an element holding Vietnamese data, on a page that is not in Vietnamese."""
    return vi_attribute()


@register.filter
def vi_span(value) -> str:
    """``value`` (Vietnamese data inside a translated sentence) in a ``<span lang="vi">`` on a page
    that is not in Vietnamese; as it is, escaped, on a Vietnamese page."""
    if page_in_vietnamese():
        return conditional_escape(value)
    return format_html('<span lang="vi">{}</span>', value)
