"""Health checks against real services: a closed port is a failure, a running SMTP server and
fresh certificates pass; the notification backlog and certificate expiry have thresholds."""

from __future__ import annotations

import datetime as dt

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone

from opendvc.notifications.models import Notification
from opendvc.ops.checks import CHECKS, check_by_name, run_checks

from .conftest import free_port

pytestmark = pytest.mark.django_db


def _cert(path, *, days: int) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dichvucong.dongnai.gov.vn")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


def _result(name):
    [result] = run_checks([check_by_name(name)])
    return result


def test_every_check_passes_on_the_default_setup():
    results = run_checks()
    assert {r.name for r in results} == {c.name for c in CHECKS}
    assert all(r.ok for r in results), [r for r in results if not r.ok]


def test_storage_check_leaves_nothing_behind(settings):
    from pathlib import Path

    assert _result("storage").ok
    assert not any(Path(settings.MEDIA_ROOT, "healthcheck").glob("*"))


def test_redis_down_is_a_failure(settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    result = _result("redis")
    assert not result.ok and "ConnectionError" in result.detail


class _Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return settings


def test_mail_check_talks_to_the_smtp_server(smtp_settings):
    port = free_port()
    controller = Controller(_Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp_settings.EMAIL_PORT = port
        assert _result("mail").ok
    finally:
        controller.stop()
    result = _result("mail")  # the same port, nobody listening now
    assert not result.ok and ("ConnectionRefused" in result.detail or "Error" in result.detail)


@pytest.mark.parametrize(("days", "ok"), [(200, True), (22, True), (20, False), (1, False)])
def test_certificate_expiry(settings, tmp_path, days, ok):
    settings.CERT_EXPIRY_WARNING_DAYS = 21
    settings.TLS_CERTIFICATE_PATHS = [
        _cert(tmp_path / "a.pem", days=365),
        _cert(tmp_path / "b.pem", days=days),
    ]
    result = _result("certificates")
    assert result.ok is ok
    assert ("b.pem" in result.detail) is (not ok)


def test_unreadable_certificate_is_a_failure(settings, tmp_path):
    bad = tmp_path / "broken.pem"
    bad.write_text("not a certificate")
    settings.TLS_CERTIFICATE_PATHS = [str(bad), str(tmp_path / "missing.pem")]
    result = _result("certificates")
    assert not result.ok and "broken.pem" in result.detail and "missing.pem" in result.detail


def test_notification_backlog_threshold(settings, time_machine):
    settings.OPS_BACKLOG_LIMIT = 2
    settings.OPS_BACKLOG_AGE_MINUTES = 15
    time_machine.move_to(timezone.now() - dt.timedelta(minutes=20))
    for status in ("queued", "queued", "failed"):
        Notification.objects.create(
            channel="email",
            to_address="a@example.vn",
            template="t",
            subject="s",
            body="b",
            status=status,
        )
    Notification.objects.create(
        channel="email",
        to_address="a@example.vn",
        template="t",
        subject="s",
        body="b",
        status="sent",
    )
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=20))
    Notification.objects.create(
        channel="email", to_address="a@example.vn", template="t", subject="s", body="b"
    )
    result = _result("notification_backlog")
    assert not result.ok and result.detail == "3 waiting"
    settings.OPS_BACKLOG_LIMIT = 3
    assert _result("notification_backlog").ok
