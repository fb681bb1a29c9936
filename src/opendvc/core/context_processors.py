from django.conf import settings


def portal(request):
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PROVINCE_NAME": settings.PROVINCE_NAME,
        "PORTAL_HOTLINE": settings.PORTAL_HOTLINE,
        "PORTAL_EMAIL": settings.PORTAL_EMAIL,
    }
