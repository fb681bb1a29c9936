import os

from django.core.wsgi import get_wsgi_application

_profile = "production" if os.environ.get("DJANGO_ENV") == "production" else "development"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"opendvc.settings.{_profile}")
application = get_wsgi_application()

if os.environ.get("OPENDVC_WARM_UP", "true").lower() not in {"0", "false", "no"}:
    from opendvc.core.warmup import warm_up

    warm_up()
