"""A citizen verifies their phone number with a code sent by SMS (rate limited) and opts into dossier
notices by SMS; the notices then go by SMS beside the email, through the outbox to the provider's
simulator over HTTP — a provider that is down delays the text (recorded, retried) and never the email."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from opendvc.accounts.models import PersonProfile
from opendvc.dossiers.services import dossier_act
from opendvc.dossiers.tests.conftest import sign_in, submitted_dossier
from opendvc.integrations.models import Delivery
from opendvc.integrations.outbox import outbox_relay
from opendvc.integrations.sms.simulator import SmsSimulator
from opendvc.integrations.transport import reset_senders
from opendvc.notifications.models import Notification
from opendvc.notifications.services import notification_deliver

pytestmark = pytest.mark.django_db
PAGE = "/ca-nhan/dien-thoai-sms/"


@pytest.fixture
def provider(settings):
    simulator = SmsSimulator(token="t-2").start()
    settings.SMS_URL = simulator.url
    settings.SMS_TOKEN = "t-2"
    settings.NATIONAL_PORTAL_URL = ""
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 0.0
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 0.0
    reset_senders()
    yield simulator
    simulator.stop()
    reset_senders()


def _latest_code(simulator) -> str:
    texts = [s["text"] for s in simulator.sent.values()]
    return re.search(r"\d{6}", texts[-1]).group(0)


def _verify(client, provider, citizen, phone="0912345678"):
    sign_in(client, citizen)
    page = client.post(PAGE, {"buoc": "gui-ma", "phone": phone})
    assert page.status_code == 200, page.content.decode()[:500]
    assert outbox_relay(budget_seconds=5).delivered >= 1
    return client.post(PAGE, {"buoc": "xac-minh", "code": _latest_code(provider)})


def test_the_citizen_verifies_the_phone_and_opts_in(client, provider, citizen):
    page = client.get(PAGE)
    assert page.status_code == 302  # signed-in only
    sign_in(client, citizen)
    # Opting in needs a verified number.
    refused = client.post(PAGE, {"buoc": "thong-bao", "sms_notices": "on"})
    assert refused.status_code == 422 and "xác minh số điện thoại" in refused.content.decode()
    # A wrong code does not verify.
    client.post(PAGE, {"buoc": "gui-ma", "phone": "0912 345 678"})
    outbox_relay(budget_seconds=5)
    code = _latest_code(provider)
    wrong = client.post(
        PAGE, {"buoc": "xac-minh", "code": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 422
    assert re.search(r'id="code" [^>]*value="(000000|111111)"', wrong.content.decode())
    done = client.post(PAGE, {"buoc": "xac-minh", "code": code})
    assert done.status_code == 302
    citizen.refresh_from_db()
    assert citizen.phone == "0912345678" and citizen.profile.phone_verified
    assert client.post(PAGE, {"buoc": "thong-bao", "sms_notices": "on"}).status_code == 302
    assert PersonProfile.objects.get(user=citizen).sms_notices
    # A changed number is no longer verified.
    citizen.phone = "0987654321"
    citizen.save()
    assert not PersonProfile.objects.get(user=citizen).phone_verified


def test_codes_are_rate_limited(client, provider, citizen, settings):
    settings.SMS_VERIFY_MAX_PER_HOUR = 2
    sign_in(client, citizen)
    for _ in range(2):
        assert client.post(PAGE, {"buoc": "gui-ma", "phone": "0912345679"}).status_code == 200
    third = client.post(PAGE, {"buoc": "gui-ma", "phone": "0912345679"})
    assert third.status_code == 422 and "quá nhiều mã" in third.content.decode()
    outbox_relay(budget_seconds=5)
    assert len(provider.sent) == 2


def test_a_bad_number_is_refused_clearly(client, provider, citizen):
    sign_in(client, citizen)
    page = client.post(PAGE, {"buoc": "gui-ma", "phone": "12ab"})
    assert page.status_code == 422 and "Số điện thoại không hợp lệ" in page.content.decode()
    assert not Delivery.objects.exists()


def _opted_in(client, provider, citizen):
    assert _verify(client, provider, citizen).status_code == 302
    assert client.post(PAGE, {"buoc": "thong-bao", "sms_notices": "on"}).status_code == 302
    provider.sent.clear()
    Delivery.objects.all().delete()


def test_a_dossier_notice_goes_by_sms_beside_the_email(
    client, provider, citizen, procedure, officer
):
    _opted_in(client, provider, citizen)
    dossier_act(dossier=submitted_dossier(procedure, citizen), action="receive", actor=officer)
    email = Notification.objects.get(
        recipient=citizen, channel="email", template="dossier_received"
    )
    # The submission's notice and the receipt's: one text each.
    assert outbox_relay(budget_seconds=5).delivered == 2
    texts = list(provider.sent.values())
    assert {t["to"] for t in texts} == {"0912345678"}
    assert any(email.subject in t["text"] for t in texts)


def test_no_sms_without_the_opt_in(client, provider, citizen, procedure, officer):
    assert _verify(client, provider, citizen).status_code == 302
    provider.sent.clear()
    Delivery.objects.all().delete()
    dossier_act(dossier=submitted_dossier(procedure, citizen), action="receive", actor=officer)
    assert not Delivery.objects.exists()


def test_provider_down_the_email_goes_the_sms_is_retried(
    client, provider, citizen, procedure, officer
):
    _opted_in(client, provider, citizen)
    provider.switches.down = True
    dossier_act(dossier=submitted_dossier(procedure, citizen), action="receive", actor=officer)
    email = Notification.objects.get(
        recipient=citizen, channel="email", template="dossier_received"
    )
    mail.outbox.clear()
    assert notification_deliver(notification_id=email.pk).status == "sent"
    assert len(mail.outbox) == 1
    outbox_relay(budget_seconds=0)
    waiting = list(Delivery.objects.filter(destination="sms"))
    assert len(waiting) == 2
    assert all(d.status == "failed" and d.last_error and d.attempts == 1 for d in waiting)
    assert not provider.sent
    provider.switches.down = False
    outbox_relay(budget_seconds=5)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert len(provider.sent) == 2
