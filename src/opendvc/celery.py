"""Celery application. Tasks run eagerly on the embedded default; with REDIS_URL they go to Redis."""

import os

from celery import Celery

_profile = "production" if os.environ.get("DJANGO_ENV") == "production" else "development"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"opendvc.settings.{_profile}")

app = Celery("opendvc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
