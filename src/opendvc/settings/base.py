"""Settings shared by every profile. Every value is read from the environment.

The embedded defaults (nothing set) give a working portal on SQLite with files and mail under
``var/``; ``opendvc.settings.production`` refuses the unsafe ones.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from opendvc.core.limits import allauth_rate_limits

BASE_DIR = Path(__file__).resolve().parents[3]
env = environ.Env()
VAR_DIR = Path(env("OPENDVC_VAR_DIR", default=str(BASE_DIR / "var")))

DJANGO_ENV = env("DJANGO_ENV", default="development")
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="dev-insecure-key-only-for-the-embedded-default-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The province this portal serves (shown in the header, documents and emails).
PROVINCE_NAME = env("PROVINCE_NAME", default="Đồng Nai")
PROVINCE_CODE = env("PROVINCE_CODE", default="H19")
PORTAL_NAME = env("PORTAL_NAME", default=f"Cổng Dịch vụ công tỉnh {PROVINCE_NAME}")
# The switchboard's hotline and email, as the regulation names them (QĐ 31/2020, Art. 7.1).
PORTAL_HOTLINE = env("PORTAL_HOTLINE", default="0251.1022")
PORTAL_EMAIL = env("PORTAL_EMAIL", default="1022@dongnai.gov.vn")
# Where citizens reach the portal: the start of every link in mail, QR codes and survey invitations.
# Required in production; unset in development, links follow the address being served
# (see opendvc.core.links).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "opendvc.core",
    "opendvc.accounts",
    "opendvc.agencies",
    "opendvc.audit",
    "opendvc.notifications",
    "opendvc.worktime",
    "opendvc.catalog",
    "opendvc.eforms",
    "opendvc.dossiers",
    "opendvc.workflow",
    "opendvc.feedback",
    "opendvc.surveys",
    "opendvc.portal",
    "opendvc.backoffice",
    "opendvc.api",
    "opendvc.ops",
    "opendvc.reports",
    "opendvc.payments",
    "opendvc.signing",
    "opendvc.vault",
    "opendvc.integrations",
    "opendvc.registries",
    "opendvc.linked",
    "opendvc.postal",
]

MIDDLEWARE = [
    "opendvc.ops.metrics.MetricsMiddleware",
    "opendvc.core.middleware.RequestIdMiddleware",
    "opendvc.core.links.CurrentRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "opendvc.core.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "opendvc.core.middleware.KeptPolicyCSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "opendvc.core.dbrouter.ReplicaMiddleware",
    "opendvc.core.middleware.ProblemDetailsMiddleware",
]

# Benchmarks over HTTP (bench/bench_http.py): every response says how many SQL statements it ran in
# an X-SQL-Count header. Off in normal use.
SQL_COUNT_HEADER = env.bool("SQL_COUNT_HEADER", default=False)
if SQL_COUNT_HEADER:
    MIDDLEWARE.insert(0, "opendvc.core.sqlcount.SqlCountMiddleware")

ROOT_URLCONF = "opendvc.urls"
WSGI_APPLICATION = "opendvc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "src" / "opendvc" / "templates"],
        "OPTIONS": {
            # Django's cached loader, whose constant tags (a literal translation, URL name or static
            # path) are worked out once per language instead of at each render.
            "loaders": [
                (
                    "opendvc.core.template_loader.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opendvc.core.context_processors.portal",
            ],
        },
    }
]

DATABASES = {
    # An empty DATABASE_URL counts as unset (the embedded default).
    "default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'opendvc.sqlite3'}"),
}
if not env("DATABASE_URL", default=""):
    # The embedded default's file lives in the data folder, made when it is not there yet (SQLite does
    # not make a missing folder: "unable to open database file").
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the embedded default serve concurrent readers and one writer.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)


def _prepared_statements(database: dict) -> None:
    """PostgreSQL: parameters bound by the server and, from a statement's fifth run on a connection,
    the statement prepared there, so that PostgreSQL parses and plans it once per connection instead
    of at every run (planning was most of its CPU for the portal's short reads). Off with
    ``DB_PREPARED_STATEMENTS=false``, for a pooler in transaction mode that cannot keep them."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        options = database.setdefault("OPTIONS", {})
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", env.int("DB_PREPARE_THRESHOLD", default=5))


_prepared_statements(DATABASES["default"])

# A read replica (PostgreSQL streaming replication) for reports and public pages; see
# opendvc.core.dbrouter for what may read from it. A browser that wrote is pinned to the primary for
# DATABASE_REPLICA_PIN_SECONDS (above the replica's worst lag).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    _prepared_statements(DATABASES["replica"])
    # Tests never create a second database for it: it mirrors the primary's test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["opendvc.core.dbrouter.ReplicaRouter"]

REDIS_URL = env("REDIS_URL", default="")
# The cache holds the sign-in lockouts and other counters, so in production it must be shared by every
# worker process: "redis" (REDIS_URL) or "database" (the opendvc_cache table). "local" is one cache per
# process, for development only (the production profile refuses it).
CACHE_BACKEND = env("CACHE_BACKEND", default="redis" if REDIS_URL else "local")
if CACHE_BACKEND == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("CACHE_BACKEND=redis needs REDIS_URL.")
    CACHES = {"default": {"BACKEND": "opendvc.core.cache.RedisCache", "LOCATION": REDIS_URL}}
elif CACHE_BACKEND == "database":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "opendvc_cache"}}
elif CACHE_BACKEND == "local":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_BACKEND must be redis, database or local, not {CACHE_BACKEND!r}.")
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")
# Sessions stay in the database (the list of an account's sessions and their ending read it there); with
# Redis they are also kept in the cache, so a signed-in page reads its session without a SQL statement.
# Run by each serving process in the background once it serves (opendvc.core.warmup): the catalog's
# search index (ADR 0007) is built before the first visitor searches.
WARM_UP_HOOKS = ["opendvc.catalog.selectors.search_index"]

SESSION_ENGINE = "django.contrib.sessions.backends." + (
    "cached_db" if CACHE_BACKEND == "redis" else "db"
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # Not too close to the person's email, full name or phone (Django's own looks at none of the last two).
    {"NAME": "opendvc.accounts.validators.PersonalDataSimilarityValidator"},
    # The portal's wording of the error (Django's Vietnamese catalogue lacks the 5.2 text).
    {"NAME": "opendvc.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"

# django-allauth: one account for every service (Regulation Art. 14.3).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
# Sign-in lockout per account and per address, sign-up and password reset: the numbers come from the
# one table of limits (opendvc.core.limits), counted by allauth in the shared cache.
ACCOUNT_RATE_LIMITS = allauth_rate_limits()
# Behind a reverse proxy: how many proxies append to X-Forwarded-For (0 = use the socket address).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = PORTAL_NAME
# Time steps of 30 s accepted on either side of the current one: a code read just before it changes
# still works when typed a few seconds later. Each code is accepted once (allauth keeps used codes in
# the cache for the whole window; use Redis when several processes serve the portal).
MFA_TOTP_TOLERANCE = env.int("MFA_TOTP_TOLERANCE", default=1)
ACCOUNT_ADAPTER = "opendvc.accounts.adapter.AccountAdapter"
MFA_ADAPTER = "opendvc.accounts.adapter.MFAAdapter"
SOCIALACCOUNT_ADAPTER = "opendvc.accounts.adapter.SocialAccountAdapter"
ACCOUNT_FORMS = {
    "login": "opendvc.accounts.forms.LoginForm",
    "signup": "opendvc.accounts.forms.SignupForm",
    "reset_password": "opendvc.accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "opendvc.accounts.forms.ResetPasswordKeyForm",
    "change_password": "opendvc.accounts.forms.ChangePasswordForm",
    "set_password": "opendvc.accounts.forms.SetPasswordForm",
    "add_email": "opendvc.accounts.forms.AddEmailForm",
    "reauthenticate": "opendvc.accounts.forms.ReauthenticateForm",
}
MFA_FORMS = {
    "authenticate": "opendvc.accounts.forms.MFAAuthenticateForm",
    "reauthenticate": "opendvc.accounts.forms.MFAAuthenticateForm",
    "activate_totp": "opendvc.accounts.forms.ActivateTOTPForm",
    "deactivate_totp": "opendvc.accounts.forms.DeactivateTOTPForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PORTAL_NAME}] "
ACCOUNT_LOGOUT_REDIRECT_URL = "portal:home"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int("ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", default=3)
PASSWORD_RESET_TIMEOUT = 3600  # password reset links are valid for one hour
# No page tells a visitor whether an address has an account: password reset always says a mail was
# sent (an unknown address is mailed that it has no account), and signing up with a taken address,
# with mandatory email verification, looks like any signup while the owner is mailed instead. Login,
# signup and password reset also stay rate limited. Set false only for a closed test installation.
ACCOUNT_PREVENT_ENUMERATION = env.bool("ACCOUNT_PREVENT_ENUMERATION", default=True)
# Login through the national identity provider (OpenID Connect), configured only when OIDC_* is set.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS: dict = {
    "openid_connect": {
        "provider_class": "opendvc.accounts.oidc.provider.NationalIdProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [],
    }
}
if env("OIDC_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = [
        {
            "provider_id": env("OIDC_PROVIDER_ID", default="vneid"),
            "name": env("OIDC_PROVIDER_NAME", default="Tài khoản định danh điện tử quốc gia"),
            "client_id": env("OIDC_CLIENT_ID"),
            "secret": env("OIDC_CLIENT_SECRET", default=""),
            "settings": {
                "server_url": env("OIDC_SERVER_URL"),
                "token_auth_method": env("OIDC_TOKEN_AUTH_METHOD", default="client_secret_post"),
                "scope": env.list("OIDC_SCOPES", default=["openid", "email", "profile"]),
                "oauth_pkce_enabled": True,
            },
        }
    ]
# Claim carrying the CCCD number in the identity provider's ID token / userinfo.
OIDC_CCCD_CLAIM = env("OIDC_CCCD_CLAIM", default="cccd")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "src" / "opendvc" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "src" / "opendvc" / "static"]
# Outside production, WhiteNoise serves straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DJANGO_ENV != "production"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("STORAGE_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Files (dossier attachments, results, receipts, feedback attachments, downloadable forms): the local
# folder MEDIA_ROOT by default; an S3-compatible object store (MinIO, Ceph, a cloud) when STORAGE_URL is
# s3://bucket[/prefix], which every instance of a deployment on several machines must use. The bucket
# is private: objects are written without an ACL and files leave only through the portal's authorised
# views (streamed), never by a public URL.
STORAGE_URL = env("STORAGE_URL", default="")
if STORAGE_URL:
    _bucket, _, _prefix = STORAGE_URL.removeprefix("s3://").partition("/")
    if not STORAGE_URL.startswith("s3://") or not _bucket:
        raise ImproperlyConfigured(f"STORAGE_URL must be s3://bucket[/prefix], not {STORAGE_URL!r}.")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "location": _prefix.strip("/"),
            # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are read from the environment by boto3.
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=60),
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": env("STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": env(
            "STORAGE_STATIC_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Request bodies: a configurable limit; larger bodies get 413 problem+json / an error page.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_MAX_BYTES", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Uploads: scanned by clamd (INSTREAM over its unix socket) when set; infected files are kept in the
# quarantine folder (default: "quarantine" beside MEDIA_ROOT), never stored with the dossier.
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")
UPLOAD_QUARANTINE_DIR = env("UPLOAD_QUARANTINE_DIR", default="")

# Mail: written to var/mail by default; EMAIL_URL=smtp://host:port for a real server.
_email = env.email_url_config(env("EMAIL_URL", default="") or "filemail://var/mail")
if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # The URL form carries no absolute path reliably: relative paths are taken from the project root,
    # and the default is var/mail under OPENDVC_VAR_DIR.
    _raw_url = env("EMAIL_URL", default="")
    _mail_path = Path(_raw_url.split("://", 1)[1] if "://" in _raw_url else "")
    if not _raw_url or not str(_mail_path).strip("."):
        _email["EMAIL_FILE_PATH"] = str(VAR_DIR / "mail")
    else:
        _email["EMAIL_FILE_PATH"] = str(_mail_path if _mail_path.is_absolute() else BASE_DIR / _mail_path)
vars().update(_email)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{PORTAL_NAME} <no-reply@dichvucong.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not (REDIS_URL or env("CELERY_BROKER_URL", default="")))
CELERY_TASK_EAGER_PROPAGATES = True
# No caller waits for a task's return value: tasks report through the database and the logs. Without
# this, every task sent subscribes the sending web process to the task's result channel in Redis and
# the worker writes each result there (an expiring key nobody reads).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "run-periodic-jobs": {"task": "opendvc.core.tasks.run_periodic_jobs", "schedule": 300.0},
}

# Security headers (checked by `check --deploy` in production).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Personal data encryption keys (Fernet, urlsafe base64, comma separated, newest first). The embedded
# key is for development and tests only (public in the source): ``check --deploy`` warns of it.
DEVELOPMENT_FIELD_ENCRYPTION_KEY = "Ei9GL8m0gD2dZ7Qj4G4dQm2u0lC6kq5xV2qf8yXhB1M="
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[DEVELOPMENT_FIELD_ENCRYPTION_KEY])
LOOKUP_HASH_KEY = env("LOOKUP_HASH_KEY", default="dev-lookup-hash-key")

# Audit trail (Regulation Art. 4.2): the MAC key of the hash chain and where signed checkpoints go.
# Both live outside the database, so that database access alone cannot rewrite history unseen.
AUDIT_MAC_KEY = env("AUDIT_MAC_KEY", default="dev-audit-mac-key-only-for-the-embedded-default")
AUDIT_MAC_KEY_ID = env("AUDIT_MAC_KEY_ID", default="k1")
# Earlier keys, still needed to verify the rows they signed: "id:key,id:key".
AUDIT_MAC_RETIRED_KEYS = env.list("AUDIT_MAC_RETIRED_KEYS", default=[])
AUDIT_CHECKPOINT_DIR = BASE_DIR / env("AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "audit-checkpoints"))
# Where `manage.py backup` writes (relative paths from the project root).
BACKUP_DIR = BASE_DIR / env("BACKUP_DIR", default=str(VAR_DIR / "backups"))

# Retention (opendvc.core.retention lists every policy with its job).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=1_209_600)
EFORMS_DRAFT_DAYS = env.int("EFORMS_DRAFT_DAYS", default=30)
# Where the e-forms take an applicant's previous data of a procedure (prefill); the e-forms app does not
# import the dossiers app (docs/adr/0005).
EFORMS_PREVIOUS_DATA = "opendvc.dossiers.selectors.last_form_data"

LOG_JSON = env.bool("LOG_JSON", default=DJANGO_ENV == "production")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "opendvc.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_JSON else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 20

# Catalog search: results cached per catalog revision (any publish invalidates them); query limits.
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=60)
# The home page for visitors who are not signed in, and its counts, cached this long (0: rendered at
# every visit, as the benchmarks measure with caches off).
HOME_CACHE_SECONDS = env.int("HOME_CACHE_SECONDS", default=60)
CATALOG_SEARCH_MAX_LENGTH = env.int("CATALOG_SEARCH_MAX_LENGTH", default=200)
CATALOG_SEARCH_MAX_TERMS = env.int("CATALOG_SEARCH_MAX_TERMS", default=12)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Dossiers and their steps are "due soon" this many working hours before the due instant (one working
# day by default).
DOSSIER_DUE_SOON_HOURS = env.int("DOSSIER_DUE_SOON_HOURS", default=8)
# Dossier code format (fields agency, date, seq; e.g. 000.00.32.H19-261202-0001).
DOSSIER_CODE_FORMAT = env("DOSSIER_CODE_FORMAT", default="{agency}-{date:%y%m%d}-{seq:04d}")
# Dossier files: bytes per file and per dossier; images beyond this many pixels are refused
# (decompression bombs).
DOSSIER_MAX_FILE_BYTES = env.int("DOSSIER_MAX_FILE_BYTES", default=20 * 1024 * 1024)
DOSSIER_MAX_TOTAL_BYTES = env.int("DOSSIER_MAX_TOTAL_BYTES", default=100 * 1024 * 1024)
DOSSIER_MAX_IMAGE_PIXELS = env.int("DOSSIER_MAX_IMAGE_PIXELS", default=50_000_000)
# Unclaimed uploads older than this are removed by the periodic job.
DOSSIER_UPLOAD_TTL_HOURS = env.int("DOSSIER_UPLOAD_TTL_HOURS", default=24)
# Days a filing's key (Idempotency-Key, the filing page's one-time token) finds the dossier it made.
DOSSIER_IDEMPOTENCY_DAYS = env.int("DOSSIER_IDEMPOTENCY_DAYS", default=7)
# The appointment proposed for a procedure that states no processing time (working days after intake).
DOSSIER_APPOINTMENT_DEFAULT_WORKING_DAYS = env.int("DOSSIER_APPOINTMENT_DEFAULT_WORKING_DAYS", default=3)

# Feedback (QĐ 31/2020 Art. 8): focal officer and head of agency working hours; "due soon" in the work
# queues; a "not satisfied" sender may reopen an answered item within this many days; attachments
# (bytes per file, files per item, image pixels); inbound email beyond this size is quarantined.
FEEDBACK_FOCAL_HOURS = env.int("FEEDBACK_FOCAL_HOURS", default=8)
FEEDBACK_HEAD_HOURS = env.int("FEEDBACK_HEAD_HOURS", default=48)
FEEDBACK_DUE_SOON_HOURS = env.int("FEEDBACK_DUE_SOON_HOURS", default=2)
FEEDBACK_REOPEN_DAYS = env.int("FEEDBACK_REOPEN_DAYS", default=7)
FEEDBACK_MAX_FILE_BYTES = env.int("FEEDBACK_MAX_FILE_BYTES", default=10 * 1024 * 1024)
FEEDBACK_MAX_FILES = env.int("FEEDBACK_MAX_FILES", default=5)
FEEDBACK_MAX_IMAGE_PIXELS = env.int("FEEDBACK_MAX_IMAGE_PIXELS", default=40_000_000)
FEEDBACK_MAX_EMAIL_BYTES = env.int("FEEDBACK_MAX_EMAIL_BYTES", default=25 * 1024 * 1024)

# E-forms: drafts are warned this many days before they expire (EFORMS_DRAFT_DAYS).
EFORMS_DRAFT_WARNING_DAYS = env.int("EFORMS_DRAFT_WARNING_DAYS", default=7)

# Feedback (QĐ 31/2020, Art. 8.3): the latest new time a reschedule may set, in working days after
# the reschedule.
FEEDBACK_RESCHEDULE_MAX_WORKING_DAYS = env.int("FEEDBACK_RESCHEDULE_MAX_WORKING_DAYS", default=10)

# Reports: "nd09" periods end on the 14th (Decree 09/2019/NĐ-CP Art. 12 data cut-off), "calendar" on
# the last day of the quarter; REPORTS_RUN_INLINE builds reports inside the request (tests, shell).
REPORTS_PERIOD_RULE = env.str("REPORTS_PERIOD_RULE", default="nd09")
REPORTS_RUN_INLINE = env.bool("REPORTS_RUN_INLINE", default=False)

# Operations (Regulation Art. 10.7): health checks and the thresholds that open an incident.
OPS_BACKLOG_LIMIT = env.int("OPS_BACKLOG_LIMIT", default=100)
OPS_BACKLOG_AGE_MINUTES = env.int("OPS_BACKLOG_AGE_MINUTES", default=15)
# A message to a peer (outbox) still waiting after this long opens an incident (health check "outbox").
OPS_OUTBOX_AGE_MINUTES = env.int("OPS_OUTBOX_AGE_MINUTES", default=60)
TLS_CERTIFICATE_PATHS = env.list("TLS_CERTIFICATE_PATHS", default=[])
CERT_EXPIRY_WARNING_DAYS = env.int("CERT_EXPIRY_WARNING_DAYS", default=21)
# Prometheus /metrics: scrapers send "Authorization: Bearer $METRICS_TOKEN"; without a token the
# endpoint refuses every request unless METRICS_AUTH_DISABLED=true (a scraper on a private network).
# Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR (see docs/security.md).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_AUTH_DISABLED = env.bool("METRICS_AUTH_DISABLED", default=False)

# Online payment of fees (level 4; opendvc.payments). A gateway is offered when its address and keys
# are set; `manage.py run_simulators` prints the values that point at the demo simulators.
VNPAY_URL = env("VNPAY_URL", default="")
VNPAY_TMN_CODE = env("VNPAY_TMN_CODE", default="")
VNPAY_HASH_SECRET = env("VNPAY_HASH_SECRET", default="")
PAYGOV_URL = env("PAYGOV_URL", default="")
PAYGOV_MERCHANT_CODE = env("PAYGOV_MERCHANT_CODE", default="")
PAYGOV_SECRET = env("PAYGOV_SECRET", default="")
PAYMENT_GATEWAY_TIMEOUT = env.float("PAYMENT_GATEWAY_TIMEOUT", default=10.0)
# Signed results and the citizen's document store (Regulation Art. 4.7, 6.2). Roots are pinned here
# (PEM files, comma-separated: the Government CA root and the public CAs the operator trusts), never
# fetched. SIGNING_TSA_URL: RFC 3161 time-stamping authority. SIGNING_SEAL_*: the system's seal on
# receipts and notices (PKCS#12). VAULT_QUOTA_BYTES: each owner's upload quota in the store.
SIGNING_TRUST_ROOTS = env("SIGNING_TRUST_ROOTS", default="")
SIGNING_TSA_URL = env("SIGNING_TSA_URL", default="")
SIGNING_SEAL_PKCS12 = env("SIGNING_SEAL_PKCS12", default="")
SIGNING_SEAL_PASSPHRASE = env("SIGNING_SEAL_PASSPHRASE", default="")
# A signer certificate's OCSP/CRL answers are reused until their nextUpdate, at most this many seconds:
# a certificate revoked meanwhile is refused at signing at the latest this long after the CA publishes it.
SIGNING_REVOCATION_MAX_AGE = env.int("SIGNING_REVOCATION_MAX_AGE", default=300)
VAULT_QUOTA_BYTES = env.int("VAULT_QUOTA_BYTES", default=200 * 1024 * 1024)
VAULT_SHARE_MAX_DAYS = env.int("VAULT_SHARE_MAX_DAYS", default=30)
# Integrations (opendvc.integrations): the outbox relay and the peers. A peer whose URL is empty is off:
# no message is written for it (``make run`` starts with every peer off; ``manage.py run_simulators``
# prints the URLs of the demo simulators).
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=200)
OUTBOX_CONCURRENCY = env.int("OUTBOX_CONCURRENCY", default=16)
OUTBOX_CHAIN_LENGTH = env.int("OUTBOX_CHAIN_LENGTH", default=20)
OUTBOX_LEASE_SECONDS = env.float("OUTBOX_LEASE_SECONDS", default=120.0)
OUTBOX_TIMEOUT_SECONDS = env.float("OUTBOX_TIMEOUT_SECONDS", default=15.0)
OUTBOX_BACKOFF_BASE_SECONDS = env.float("OUTBOX_BACKOFF_BASE_SECONDS", default=10.0)
OUTBOX_BACKOFF_CAP_SECONDS = env.float("OUTBOX_BACKOFF_CAP_SECONDS", default=3600.0)
OUTBOX_DEAD_AFTER_SECONDS = env.float("OUTBOX_DEAD_AFTER_SECONDS", default=7 * 24 * 3600.0)
OUTBOX_RELAY_INTERVAL_SECONDS = env.float("OUTBOX_RELAY_INTERVAL_SECONDS", default=10.0)
OUTBOX_RELAY_BUDGET_SECONDS = env.float("OUTBOX_RELAY_BUDGET_SECONDS", default=50.0)
CELERY_BEAT_SCHEDULE["relay-outbox"] = {
    "task": "opendvc.integrations.tasks.relay_outbox", "schedule": OUTBOX_RELAY_INTERVAL_SECONDS,
}
NATIONAL_PORTAL_URL = env("NATIONAL_PORTAL_URL", default="")
NATIONAL_PORTAL_USERNAME = env("NATIONAL_PORTAL_USERNAME", default="")
NATIONAL_PORTAL_PASSWORD = env("NATIONAL_PORTAL_PASSWORD", default="")
ONESTOP_URL = env("ONESTOP_URL", default="")
ONESTOP_SECRET = env("ONESTOP_SECRET", default="")
ONESTOP_FILE_URL_SECONDS = env.int("ONESTOP_FILE_URL_SECONDS", default=3 * 24 * 3600)
INBOUND_WINDOW_SECONDS = env.int("INBOUND_WINDOW_SECONDS", default=300)
# Days refused requests to the peers' webhooks (but those the one-stop software signed) and payment
# gateways' messages that matched no payment are kept (retention policies ``inbound_refused``, ``gateway_unmatched``).
INBOUND_REFUSED_RETENTION_DAYS = env.int("INBOUND_REFUSED_RETENTION_DAYS", default=90)
PAYMENT_UNMATCHED_RETENTION_DAYS = env.int("PAYMENT_UNMATCHED_RETENTION_DAYS", default=90)
# National registries (prefill with the applicant's consent): the population database by CCCD and the
# business registry by tax code. Empty URL = not connected (forms are filled by hand, with a note).
POPULATION_REGISTRY_URL = env("POPULATION_REGISTRY_URL", default="")
BUSINESS_REGISTRY_URL = env("BUSINESS_REGISTRY_URL", default="")
REGISTRY_TIMEOUT_SECONDS = env.float("REGISTRY_TIMEOUT_SECONDS", default=3.0)
# Postal pickup and return (Regulation QĐ 31/2020/QĐ-UBND Art. 6.4, 15.2; QĐ 45/2016/QĐ-TTg).
# POSTAL_API_URL: the postal operator's order API (empty: orders are kept here and the postal workers
# record each event by hand); POSTAL_API_TOKEN its key; POSTAL_WEBHOOK_SECRET signs its tracking
# callbacks (HMAC-SHA256 of the body in X-Postal-Signature). The result is delivered within
# POSTAL_RETURN_HOURS inside the province and POSTAL_OUTSIDE_RETURN_HOURS outside (0: no deadline),
# counted on working days round the clock; "due soon" POSTAL_DUE_SOON_HOURS before. Fees in đồng.
POSTAL_API_URL = env("POSTAL_API_URL", default="")
POSTAL_API_TOKEN = env("POSTAL_API_TOKEN", default="")
POSTAL_API_TIMEOUT = env.float("POSTAL_API_TIMEOUT", default=10.0)
POSTAL_WEBHOOK_SECRET = env("POSTAL_WEBHOOK_SECRET", default="")
# A tracking event's StatusTime may be at most this many seconds ahead of the portal's clock (the
# operator's clock running slightly fast); one later than that has not happened and is refused (422).
POSTAL_TRACKING_CLOCK_SKEW_SECONDS = env.int("POSTAL_TRACKING_CLOCK_SKEW_SECONDS", default=300)
POSTAL_RETURN_HOURS = env.int("POSTAL_RETURN_HOURS", default=24)
POSTAL_OUTSIDE_RETURN_HOURS = env.int("POSTAL_OUTSIDE_RETURN_HOURS", default=72)
POSTAL_DUE_SOON_HOURS = env.int("POSTAL_DUE_SOON_HOURS", default=4)
# A pickup is booked at most POSTAL_PICKUP_MAX_DAYS ahead, in one day's window between
# POSTAL_PICKUP_FIRST_HOUR and POSTAL_PICKUP_LAST_HOUR (Vietnam time).
POSTAL_PICKUP_MAX_DAYS = env.int("POSTAL_PICKUP_MAX_DAYS", default=30)
POSTAL_PICKUP_FIRST_HOUR = env.int("POSTAL_PICKUP_FIRST_HOUR", default=7)
POSTAL_PICKUP_LAST_HOUR = env.int("POSTAL_PICKUP_LAST_HOUR", default=20)
POSTAL_PICKUP_FEE_VND = env.int("POSTAL_PICKUP_FEE_VND", default=22000)
POSTAL_OUTSIDE_PICKUP_FEE_VND = env.int("POSTAL_OUTSIDE_PICKUP_FEE_VND", default=35000)
POSTAL_RETURN_FEE_VND = env.int("POSTAL_RETURN_FEE_VND", default=22000)
GOVFEEDBACK_NGUOIDAN_URL = env("GOVFEEDBACK_NGUOIDAN_URL", default="")
GOVFEEDBACK_DOANHNGHIEP_URL = env("GOVFEEDBACK_DOANHNGHIEP_URL", default="")
GOVFEEDBACK_POLL_DAYS = env.int("GOVFEEDBACK_POLL_DAYS", default=7)
SMS_URL = env("SMS_URL", default="")
SMS_TOKEN = env("SMS_TOKEN", default="")
SMS_CODE_SECONDS = env.int("SMS_CODE_SECONDS", default=600)
SMS_VERIFY_MAX_PER_HOUR = env.int("SMS_VERIFY_MAX_PER_HOUR", default=5)
