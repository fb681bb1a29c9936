import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from opendvc.accounts import demo
from opendvc.accounts.management.commands.demo_totp import current_code
from opendvc.accounts.models import Membership, PersonProfile, User
from opendvc.agencies import demo as agency_demo
from opendvc.agencies.models import StaffRole


@pytest.fixture
def seeded(db):
    agency_demo.seed()
    demo.seed()
    demo.seed()  # idempotent
    return True


def test_seed_contents(seeded):
    assert StaffRole.objects.filter(user__email__endswith="@demo.opendvc.vn").count() == len(
        StaffRole.Role
    )
    assert set(StaffRole.objects.values_list("role", flat=True)) == set(StaffRole.Role.values)
    assert (
        PersonProfile.objects.filter(
            user__email__startswith="citizen", cccd_hash__isnull=False
        ).count()
        == 2
    )
    assert Membership.objects.count() == 2
    # The demo citizens stand for people signed in through the electronic identity: verified,
    # once (the second seed records nothing more).
    citizens = PersonProfile.objects.filter(user__email__startswith="citizen")
    assert all(p.cccd_verified and p.cccd_source == "identity_provider" for p in citizens)
    from opendvc.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="accounts.cccd_verified").count() == 2


@pytest.mark.parametrize("local,role", [(s[0].replace("_", "-"), s[2]) for s in demo.STAFF])
@time_machine.travel(dt.datetime(2026, 11, 28, 3, 0, 5, tzinfo=dt.UTC), tick=False)
def test_each_demo_staff_logs_in_with_mfa(seeded, local, role):
    email = f"{local}@demo.opendvc.vn"
    c = Client()
    r = c.post(reverse("account_login"), {"login": email, "password": demo.DEMO_PASSWORD})
    assert r["Location"] == reverse("mfa_authenticate")
    r = c.post(reverse("mfa_authenticate"), {"code": current_code(User.objects.get(email=email))})
    assert r.status_code == 302
    page = c.get(reverse("accounts:agency_staff", args=[demo.JUSTICE]))
    expected = 200 if role in {"leader", "head", "province_office", "administrator"} else 403
    assert page.status_code == expected


@time_machine.travel(dt.datetime(2026, 11, 28, 3, 0, 5, tzinfo=dt.UTC), tick=False)
def test_demo_totp_command(seeded, capsys):
    call_command("demo_totp", "leader@demo.opendvc.vn")
    out = capsys.readouterr().out.strip()
    assert out.splitlines()[0] == current_code(User.objects.get(email="leader@demo.opendvc.vn"))


def test_citizen_logs_in_without_mfa(seeded):
    c = Client()
    r = c.post(reverse("account_login"), {"login": "0912000001", "password": demo.DEMO_PASSWORD})
    assert r.status_code == 302 and r["Location"] != reverse("mfa_authenticate")


def test_docs_list_every_demo_account():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[4] / "docs" / "demo-accounts.md").read_text()
    assert demo.DEMO_PASSWORD in text
    for local, *_ in demo.STAFF:
        email = f"{local.replace('_', '-')}@{demo.DOMAIN}"
        assert email in text and demo.totp_secret_for(email) in text
    for c in demo.CITIZENS:
        assert c["email"] in text and c["profile"]["cccd"] in text
