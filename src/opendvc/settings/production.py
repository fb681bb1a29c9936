"""Production profile (``DJANGO_ENV=production``): refuses to start with unsafe settings."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import CACHE_BACKEND, DATABASES, DEBUG, LOGGING, env
from .base import STORAGES as _STORAGES

if not env("SECRET_KEY", default=""):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and not env.bool("ALLOW_SQLITE_IN_PRODUCTION", default=False):
    raise ImproperlyConfigured(
        "SQLite is not allowed in production; set DATABASE_URL or ALLOW_SQLITE_IN_PRODUCTION=true."
    )
if CACHE_BACKEND not in {"redis", "database"}:
    # A cache per worker process multiplies every sign-in lockout by the number of workers.
    raise ImproperlyConfigured(
        "Production needs a cache shared by every worker: set REDIS_URL, or CACHE_BACKEND=database."
    )
if len(env("AUDIT_MAC_KEY", default="")) < 32:
    raise ImproperlyConfigured(
        "AUDIT_MAC_KEY (at least 32 characters, kept outside the database) must be set in production."
    )
if env("FIELD_ENCRYPTION_KEYS", default="") == "" or env("LOOKUP_HASH_KEY", default="") == "":
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS and LOOKUP_HASH_KEY must be set in production.")
if not env("PORTAL_BASE_URL", default="").startswith(("https://", "http://")):
    # Mail, receipt QR codes and survey invitations carry absolute links; no request to guess from.
    raise ImproperlyConfigured("PORTAL_BASE_URL must be set in production (e.g. https://dichvucong.dongnai.gov.vn).")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Health checks of the load balancer and the orchestrator speak plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
STORAGES = {
    "default": _STORAGES["default"],
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
LOGGING["handlers"]["console"]["formatter"] = "json"
