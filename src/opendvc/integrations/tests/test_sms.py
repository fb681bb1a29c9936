"""SMS through the outbox to the sms's simulator: a phone verification code, sent once even
when the relay sends it twice, checked with a limited number of tries."""

from __future__ import annotations

import re

import pytest

from opendvc.integrations.models import Delivery, Message
from opendvc.integrations.outbox import outbox_relay
from opendvc.integrations.sms.client import (
    HttpSmsProvider,
    phone_verification_check,
    phone_verification_start,
)
from opendvc.integrations.transport import reset_senders

pytestmark = pytest.mark.django_db


def _code(simulator) -> str:
    (sent,) = simulator.sent.values()
    return re.search(r"\d{6}", sent["text"]).group(0)


def test_a_verification_code_reaches_the_phone_once_and_checks(sms):
    phone_verification_start(phone="0912 345 678")
    message = Message.objects.get()
    assert "0912" not in str(message.payload)  # the number is encrypted in the outbox
    assert outbox_relay(budget_seconds=0).delivered == 1
    # The relay sends the same message again (as after a crash): the phone gets one text.
    Delivery.objects.update(status="pending")
    outbox_relay(budget_seconds=0)
    assert len(sms.sent) == 1
    (sent,) = sms.sent.values()
    assert sent["to"] == "0912345678"
    code = _code(sms)
    # Nor is the code or any word of the text: the outbox page and a copy of the database hold the
    # ciphertext only.
    assert code not in str(message.payload) and "xác minh" not in str(message.payload)
    assert set(message.payload) == {"to_ciphertext", "text_ciphertext"}
    assert not phone_verification_check(
        phone="0912345678", code="000000" if code != "000000" else "111111"
    )
    assert phone_verification_check(phone="0912345678", code=code)
    assert not phone_verification_check(phone="0912345678", code=code)  # used once
    report_id = Delivery.objects.get().answer["id"]
    assert HttpSmsProvider().delivery_report(report_id) == "delivered"


def test_five_wrong_tries_end_the_code(sms):
    phone_verification_start(phone="0912345678")
    outbox_relay(budget_seconds=0)
    code = _code(sms)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert not phone_verification_check(phone="0912345678", code=wrong)
    assert not phone_verification_check(phone="0912345678", code=code)


def test_a_refused_token_is_recorded(sms, settings):
    settings.SMS_TOKEN = "sai"
    reset_senders()
    phone_verification_start(phone="0912345678")
    outbox_relay(budget_seconds=0)
    assert "401" in Delivery.objects.get().last_error


def test_off_without_a_provider(settings):
    settings.SMS_URL = ""
    phone_verification_start(phone="0912345678")
    assert not Message.objects.exists()


@pytest.mark.parametrize("phone", ["", "abc", "12"])
def test_a_bad_number_is_told_at_its_field_even_without_a_provider(settings, django_user_model, phone):
    """The person mistyped the number: that is what they are told, not that SMS is not configured."""
    from opendvc.core.problems import ProblemError
    from opendvc.integrations.sms.services import phone_verification_send

    settings.SMS_URL = ""
    user = django_user_model.objects.create_user(email="sms@example.vn", password="x-Y-z-12345678")
    with pytest.raises(ProblemError) as err:
        phone_verification_send(user=user, phone=phone)
    assert err.value.status == 422 and err.value.extra["errors"][0]["path"] == "phone"
    with pytest.raises(ProblemError) as err:
        phone_verification_send(user=user, phone="0912345678")
    assert err.value.status == 503


def test_a_text_queued_in_clear_by_the_earlier_release_is_still_sent(sms):
    from opendvc.accounts import crypto
    from opendvc.integrations.outbox import outbox_enqueue
    from opendvc.integrations.sms.client import KIND

    outbox_enqueue(
        kind=KIND,
        destinations=["sms"],
        payload={"to_ciphertext": crypto.encrypt("0912345678"), "text": "Cổng DVC: hồ sơ đã có kết quả"},
    )
    assert outbox_relay(budget_seconds=0).delivered == 1
    (sent,) = sms.sent.values()
    assert sent["text"] == "Cổng DVC: hồ sơ đã có kết quả"
