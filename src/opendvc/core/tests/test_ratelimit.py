"""The limiter in one process: counting, peeking, windows per identity, token creation per account."""

import pytest

from opendvc.accounts.models import User
from opendvc.core.limits import LIMITS, allauth_rate_limits, limit_values
from opendvc.core.models import RateCounter
from opendvc.core.ratelimit import ratelimit_hit


def test_counts_per_identity_in_the_shared_table(db, settings):
    settings.RATE_LIMIT_UPLOADS = 2
    results = [ratelimit_hit(name="uploads", ident="user:1").allowed for _ in range(3)]
    assert results == [True, True, False]
    assert ratelimit_hit(name="uploads", ident="user:2").allowed
    assert sorted(RateCounter.objects.values_list("count", flat=True)) == [1, 3]


def test_peeking_does_not_count(db, settings):
    settings.RATE_LIMIT_API_TOKEN_FAILURES = 1
    assert ratelimit_hit(name="api_token_failures", ident="10.0.0.1", increment=False).allowed
    assert not RateCounter.objects.exists()
    ratelimit_hit(name="api_token_failures", ident="10.0.0.1")
    assert not ratelimit_hit(name="api_token_failures", ident="10.0.0.1", increment=False).allowed


def test_unknown_limit_is_a_programming_error(db):
    with pytest.raises(KeyError, match="opendvc.core.limits"):
        ratelimit_hit(name="nothing", ident="x")


def test_allauth_rates_come_from_the_same_table(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_LOGIN_FAILED_PER_ACCOUNT", "3")
    monkeypatch.setenv("RATE_LIMIT_LOGIN_WINDOW_SECONDS", "900")
    assert allauth_rate_limits()["login_failed"] == "50/900s/ip,3/900s/key"
    assert allauth_rate_limits()["login"] == "300/60s/ip"
    assert limit_values("lookup") == (LIMITS["lookup"].default_amount, 60)


def test_api_token_creation_is_limited_per_account(client, db, settings):
    settings.RATE_LIMIT_API_TOKEN_CREATE = 2
    user = User.objects.create_user(email="matruycap@example.vn", password="x")
    other = User.objects.create_user(email="khac@example.vn", password="x")
    client.force_login(user)
    body = {"name": "một", "scopes": ["read"]}
    codes = [
        client.post("/api/v1/tokens", body, content_type="application/json").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    client.force_login(other)
    assert client.post("/api/v1/tokens", body, content_type="application/json").status_code == 201


def test_client_ip_without_a_usable_address_shares_one_bucket(rf):
    """A request whose address allauth cannot read (no REMOTE_ADDR) is counted, not a server error."""
    from opendvc.core.ratelimit import client_ip

    request = rf.get("/api/v1/accounts/profile")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) == "unknown"
