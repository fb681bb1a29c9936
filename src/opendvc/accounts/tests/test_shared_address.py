"""Sign-in from an address many people share (an agency's network, a one-stop office, a mobile
carrier's shared address), with the shipped limits: colleagues' typos and a crowd arriving at work do
not lock the others out, while one account's guessing and spraying across accounts are still stopped."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from django.urls import reverse

from opendvc.core.limits import limit_values

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

_ADDRESSES = itertools.count(1)


@pytest.fixture
def office() -> str:
    """One shared address per test: the counters outlive a test in the process's cache."""
    return f"203.113.10.{next(_ADDRESSES)}"


def _sign_in(address: str, email: str, password: str) -> str:
    """"in", "refused" (the form answered with an error) or "429"."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    if response.status_code == 302:
        return "in"
    if response.status_code == 429:
        return "429"
    assert response.status_code == 200, response.status_code
    return "refused"


def test_colleagues_typos_do_not_lock_the_office_out(office):
    staff = UserFactory.create_batch(12)
    assert [_sign_in(office, u.email, "sai-mat-khau") for u in staff[:10]] == ["refused"] * 10
    assert _sign_in(office, staff[10].email, PASSWORD) == "in"
    assert _sign_in(office, staff[11].email, PASSWORD) == "in"


def test_a_crowd_signs_in_from_one_address_within_a_minute(office):
    staff = UserFactory.create_batch(40)
    assert [_sign_in(office, u.email, PASSWORD) for u in staff] == ["in"] * 40


def test_one_accounts_own_failures_still_lock_it(office):
    person, colleague = UserFactory.create_batch(2)
    allowed, _window = limit_values("login_failed_account")
    for _ in range(allowed):
        assert _sign_in(office, person.email, "sai-mat-khau") == "refused"
    assert _sign_in(office, person.email, PASSWORD) == "refused"
    assert _sign_in(office, colleague.email, PASSWORD) == "in"


def test_spraying_across_accounts_from_one_address_is_still_stopped(office):
    allowed, _window = limit_values("login_failed_ip")
    people = UserFactory.create_batch(allowed + 1)
    wrong = [_sign_in(office, u.email, "sai-mat-khau") for u in people[:allowed]]
    assert wrong == ["refused"] * allowed
    assert _sign_in(office, people[allowed].email, PASSWORD) == "refused"
    # Another address is not held back by this one.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    response = elsewhere.post(
        reverse("account_login"), {"login": people[allowed].email, "password": PASSWORD}
    )
    assert response.status_code == 302
