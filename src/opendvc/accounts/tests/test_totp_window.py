"""Staff TOTP: the code of the previous 30 s step is still accepted, older ones are not, and no code
is accepted twice."""

import datetime as dt

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from .factories import PASSWORD, StaffRoleFactory

PERIOD = 30
# Instants at different places in their 30 s step: its first second, the middle, its last second.
INSTANTS = [
    dt.datetime(2026, 11, 28, 3, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2027, 2, 15, 1, 30, 14, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 16, 59, 59, tzinfo=dt.UTC),
]


def code_at(secret: str, when: dt.datetime, *, steps_back: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(when.timestamp()) // PERIOD - steps_back))


def sign_in(user) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    return client


def second_factor(client: Client, code: str) -> bool:
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    if response.status_code == 302:
        return True
    assert response.status_code == 200
    assert "Mã xác thực không đúng" in response.content.decode()
    return False


@pytest.fixture
def officer(db):
    staff = StaffRoleFactory(role="processing_officer").user
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    return staff, secret


@pytest.mark.parametrize("when", INSTANTS)
def test_code_of_the_previous_step_is_accepted(officer, when):
    user, secret = officer
    with time_machine.travel(when, tick=False):
        assert second_factor(sign_in(user), code_at(secret, when, steps_back=1))


@pytest.mark.parametrize("when", INSTANTS)
def test_code_read_just_before_it_changes_works_a_few_seconds_later(officer, when):
    user, secret = officer
    read_at = when.replace(second=(when.second // PERIOD) * PERIOD + PERIOD - 1)
    code = code_at(secret, read_at)
    with time_machine.travel(read_at + dt.timedelta(seconds=4), tick=False):
        assert second_factor(sign_in(user), code)


@pytest.mark.parametrize("when", INSTANTS)
@pytest.mark.parametrize("steps_back", [2, 3, 10])
def test_older_codes_are_refused(officer, when, steps_back):
    user, secret = officer
    with time_machine.travel(when, tick=False):
        client = sign_in(user)
        assert not second_factor(client, code_at(secret, when, steps_back=steps_back))
        assert second_factor(client, code_at(secret, when))  # the right code still works after


@pytest.mark.parametrize("when", INSTANTS)
@pytest.mark.parametrize("steps_back", [0, 1])
def test_a_used_code_is_refused_the_second_time(officer, when, steps_back):
    user, secret = officer
    code = code_at(secret, when, steps_back=steps_back)
    with time_machine.travel(when, tick=False):
        assert second_factor(sign_in(user), code)
    # Still inside the window where the code would be valid: replaying it is refused.
    with time_machine.travel(
        when + dt.timedelta(seconds=PERIOD - 1 - when.second % PERIOD), tick=False
    ):
        assert not second_factor(sign_in(user), code)


@pytest.mark.parametrize(("offset", "left"), [(0, 30), (1, 29), (17, 13), (29, 1)])
def test_demo_totp_prints_the_code_and_the_seconds_left(officer, capsys, offset, left):
    user, secret = officer
    when = dt.datetime(2026, 11, 28, 3, 0, offset, tzinfo=dt.UTC)
    with time_machine.travel(when, tick=False):
        call_command("demo_totp", user.email)
    first, second = capsys.readouterr().out.strip().splitlines()
    assert first == code_at(secret, when)
    assert f"{left} giây" in second
    assert f"{left + PERIOD} giây" in second  # the next step still accepts it
