"""Hostile input to the deletion-request decisions: a request key that is not a UUID answered 500 (badly
formed hexadecimal UUID string); it is not found, and no request is decided."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from opendvc.accounts.models import DeletionRequest

from .factories import AgencyFactory, StaffRoleFactory, TierFactory, UserFactory, mark_mfa_passed


@pytest.fixture
def administrator(db):
    sr = StaffRoleFactory(role="administrator", agency=AgencyFactory(code="000.00.00.H19", tier=TierFactory()))
    TOTP.activate(sr.user, generate_totp_secret())
    return sr.user


def test_a_request_key_that_is_not_a_uuid_is_not_found(client, administrator):
    dr = DeletionRequest.objects.create(user=UserFactory())
    client.force_login(administrator)
    mark_mfa_passed(client)
    url = reverse("accounts:deletion_requests")
    for key in ("abc", "", "   ", "1", f"{dr.public_id}x", "²"):
        response = client.post(url, {"request": key, "decision": "approve"})
        assert response.status_code == 404, key
    dr.refresh_from_db()
    assert dr.status == "pending"
    # The request's own key is still decided.
    assert client.post(url, {"request": str(dr.public_id), "decision": "reject"}).status_code == 302
    dr.refresh_from_db()
    assert dr.status == "rejected"
