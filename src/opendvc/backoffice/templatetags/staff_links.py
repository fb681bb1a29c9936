"""``{% staff_url 'feedback:staff_quarantine' as url %}{% if url %}<a href="{{ url }}">…{% endif %}``:
a back-office link only for the users its view lets in."""

from django import template

from opendvc.backoffice.tools import staff_url as _staff_url

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_url(context, url_name: str, *args, **kwargs) -> str:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return ""
    return _staff_url(user, url_name, *args, **kwargs) or ""
