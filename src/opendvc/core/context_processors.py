import unicodedata

from django.conf import settings
from django.utils.translation import gettext

from opendvc.core.quoting import page_in_vietnamese


def latin(name: str) -> str:
    """A Vietnamese proper name as English text writes it: without tone marks or diacritics
    ("Đồng Nai" → "Dong Nai")."""
    decomposed = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def portal(request):
    province, name = settings.PROVINCE_NAME, settings.PORTAL_NAME
    if not page_in_vietnamese():
        province = latin(province)
        name = gettext("Cổng Dịch vụ công tỉnh %(province)s") % {"province": province}
    return {
        "PORTAL_NAME": name,
        "PROVINCE_NAME": province,
        "PORTAL_HOTLINE": settings.PORTAL_HOTLINE,
        "PORTAL_EMAIL": settings.PORTAL_EMAIL,
    }
