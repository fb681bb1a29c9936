"""Retention: one registry of policies, each run by a registered periodic job, each honouring its
setting, each documented."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.utils import timezone

from opendvc.accounts.models import User
from opendvc.core.models import RateCounter
from opendvc.core.periodic import discover, run_all
from opendvc.core.ratelimit import ratelimit_hit
from opendvc.core.retention import POLICIES, policy

ROOT = Path(__file__).resolve().parents[4]


def test_every_policy_is_enforced_by_a_registered_job():
    jobs = discover()
    assert {p.job for p in POLICIES} <= set(jobs)


def test_every_policy_and_setting_is_documented():
    doc = (ROOT / "docs" / "operations.md").read_text()
    env = (ROOT / ".env.example").read_text()
    for p in POLICIES:
        assert f"`{p.job}`" in doc, p.job
        if p.setting:
            assert f"`{p.setting}`" in doc, p.setting
            assert p.setting in env, p.setting


def test_policy_values_come_from_settings_then_environment(settings, monkeypatch):
    monkeypatch.setenv("NOTIFICATION_LOG_DAYS", "12")
    assert policy("delivery_logs").value() == 12
    settings.NOTIFICATION_LOG_DAYS = 3
    assert policy("delivery_logs").value() == 3
    assert policy("eform_drafts").value() == 30


def test_expired_sessions_are_cleared(db):
    fresh, old = SessionStore(), SessionStore()
    fresh["x"], old["x"] = 1, 2
    fresh.create()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert run_all(only=["core.clear_expired_sessions"]) == {"core.clear_expired_sessions": "ok: 1"}
    assert list(Session.objects.values_list("session_key", flat=True)) == [fresh.session_key]


def test_ended_rate_windows_are_purged(db, settings):
    settings.RATE_LIMIT_UPLOADS_WINDOW_SECONDS = 60
    ratelimit_hit(name="uploads", ident="user:1")
    ratelimit_hit(name="uploads", ident="user:2")
    RateCounter.objects.filter(pk=RateCounter.objects.order_by("pk").first().pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert run_all(only=["core.purge_rate_counters"]) == {"core.purge_rate_counters": "ok: 1"}
    assert RateCounter.objects.count() == 1


@pytest.mark.parametrize(
    ("days", "age_days", "removed"), [(180, 200, 1), (180, 100, 0), (30, 40, 1)]
)
def test_delivery_log_older_than_the_setting_is_removed(db, settings, days, age_days, removed):
    from opendvc.notifications.models import DeliveryLog, Notification

    settings.NOTIFICATION_LOG_DAYS = days
    user = User.objects.create_user(email="nhan@example.vn", password="x")
    n = Notification.objects.create(recipient=user, channel="email", template="t", subject="s")
    old = DeliveryLog.objects.create(notification=n, event="sent")
    DeliveryLog.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=age_days)
    )
    DeliveryLog.objects.create(notification=n, event="sent")
    assert run_all(only=["notifications.purge_delivery_log"]) == {
        "notifications.purge_delivery_log": f"ok: {removed}"
    }
    assert DeliveryLog.objects.count() == 2 - removed
    assert Notification.objects.filter(pk=n.pk).exists()  # the message itself stays


@pytest.mark.parametrize(("hours", "age_hours", "removed"), [(24, 25, 1), (24, 23, 0), (2, 3, 1)])
def test_unclaimed_uploads_follow_their_setting(db, settings, hours, age_hours, removed):
    from opendvc.dossiers.models import Upload

    settings.DOSSIER_UPLOAD_TTL_HOURS = hours
    user = User.objects.create_user(email="tai@example.vn", password="x")
    upload = Upload(
        owner=user, original_name="a.pdf", sha256="0" * 64, size=3, content_type="application/pdf"
    )
    upload.file.save("a.pdf", ContentFile(b"abc"), save=False)
    upload.save()
    Upload.objects.filter(pk=upload.pk).update(
        created_at=timezone.now() - timedelta(hours=age_hours)
    )
    result = run_all(only=["dossiers.clean_unclaimed_uploads"])
    assert result == {"dossiers.clean_unclaimed_uploads": f"ok: {removed}"}
    assert Upload.objects.count() == 1 - removed


@pytest.mark.parametrize(("days", "age_days", "removed"), [(7, 8, 1), (7, 6, 0), (30, 20, 0)])
def test_filing_keys_older_than_the_setting_are_forgotten_and_the_dossiers_stay(
    db, settings, days, age_days, removed
):
    from opendvc.dossiers.models import Dossier, IdempotencyRecord

    settings.DOSSIER_IDEMPOTENCY_DAYS = days
    user = User.objects.create_user(email="khoa@example.vn", password="x")
    fresh = IdempotencyRecord.objects.create(user=user, key="moi")
    old = IdempotencyRecord.objects.create(user=user, key="cu")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    dossiers = Dossier.objects.count()
    name = "dossiers.purge_idempotency_records"
    assert run_all(only=[name]) == {name: f"ok: {removed}"}
    assert IdempotencyRecord.objects.filter(pk=fresh.pk).exists()
    assert IdempotencyRecord.objects.filter(pk=old.pk).exists() is (removed == 0)
    assert Dossier.objects.count() == dossiers
