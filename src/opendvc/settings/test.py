"""Test profile: fast hashing, eager tasks, files under a temporary folder."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_TMP = Path(tempfile.mkdtemp(prefix="opendvc-test-"))
MEDIA_ROOT = _TMP / "media"
AUDIT_CHECKPOINT_DIR = _TMP / "audit-checkpoints"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_BROKER_URL = "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
os.environ.setdefault("OPENDVC_TEST_TMP", str(_TMP))

# Reports are built inside the test (no thread outliving the test's transaction).
REPORTS_RUN_INLINE = True
