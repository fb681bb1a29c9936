"""Every request limit of the portal, in one place: its setting names and defaults.

Kept free of Django imports so that the settings module can build allauth's rate configuration
from the same table. ``opendvc.core.ratelimit`` counts the limits the portal enforces itself;
allauth counts sign-in, sign-up and password reset (``ACCOUNT_RATE_LIMITS`` is built from here).
Every counter lives in a store shared by all worker processes (see ``opendvc.core.ratelimit``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    name: str
    #: setting (Django settings or environment) holding the number of requests allowed per window
    amount_setting: str
    default_amount: int
    #: setting holding the window in seconds, or "" for a fixed window
    window_setting: str
    default_window: int
    #: what is counted: "ip", "user" or "account" (the login name typed)
    per: str
    #: "portal" (counted by opendvc.core.ratelimit) or "allauth"
    counted_by: str
    description: str


LIMITS: dict[str, RateLimit] = {
    limit.name: limit
    for limit in (
        RateLimit(
            "login_failed_account",
            "RATE_LIMIT_LOGIN_FAILED_PER_ACCOUNT",
            5,
            "RATE_LIMIT_LOGIN_WINDOW_SECONDS",
            300,
            "account",
            "allauth",
            "Failed sign-ins per account (email or phone typed); the account is locked for the window.",
        ),
        # An address is shared by many people: an agency's network leaves by one address, and the
        # mobile carriers put their subscribers behind shared ones. While an address is over this
        # limit nobody behind it can sign in, so it is set at allauth's own rate (10 a minute), not
        # at the account's: 5 colleagues mistyping in 5 minutes would otherwise lock the whole
        # agency out. The account's own limit stops the guessing of one password.
        RateLimit(
            "login_failed_ip",
            "RATE_LIMIT_LOGIN_FAILED_PER_IP",
            50,
            "RATE_LIMIT_LOGIN_WINDOW_SECONDS",
            300,
            "ip",
            "allauth",
            "Failed sign-ins per client address, whatever the account (password spraying).",
        ),
        RateLimit(
            "login_ip",
            "RATE_LIMIT_LOGIN_PER_IP",
            300,
            "RATE_LIMIT_LOGIN_PER_IP_WINDOW_SECONDS",
            60,
            "ip",
            "allauth",
            "Sign-in attempts per client address, right or wrong (allauth's default, 30 a minute, "
            "is reached by an agency's staff arriving at work behind one address).",
        ),
        RateLimit(
            "signup",
            "RATE_LIMIT_SIGNUP",
            20,
            "RATE_LIMIT_SIGNUP_WINDOW_SECONDS",
            60,
            "ip",
            "allauth",
            "Account registrations per client address.",
        ),
        RateLimit(
            "reset_password_ip",
            "RATE_LIMIT_PASSWORD_RESET_PER_IP",
            20,
            "RATE_LIMIT_PASSWORD_RESET_WINDOW_SECONDS",
            60,
            "ip",
            "allauth",
            "Password reset requests per client address.",
        ),
        RateLimit(
            "reset_password_account",
            "RATE_LIMIT_PASSWORD_RESET_PER_ACCOUNT",
            5,
            "RATE_LIMIT_PASSWORD_RESET_WINDOW_SECONDS",
            60,
            "account",
            "allauth",
            "Password reset requests per email address (no mail bombing of one person).",
        ),
        RateLimit(
            "feedback",
            "FEEDBACK_RATE_LIMIT",
            5,
            "FEEDBACK_RATE_WINDOW_SECONDS",
            600,
            "ip",
            "portal",
            "Anonymous feedback items per client address, web form and public API together.",
        ),
        RateLimit(
            "lookup",
            "DOSSIER_LOOKUP_RATE_PER_MINUTE",
            20,
            "DOSSIER_LOOKUP_RATE_WINDOW_SECONDS",
            60,
            "ip",
            "portal",
            "Public dossier lookups per client address (page and API together).",
        ),
        RateLimit(
            "uploads",
            "RATE_LIMIT_UPLOADS",
            120,
            "RATE_LIMIT_UPLOADS_WINDOW_SECONDS",
            3600,
            "user",
            "portal",
            "File uploads per account (unclaimed uploads are also removed after a day).",
        ),
        RateLimit(
            "api_token_failures",
            "RATE_LIMIT_API_TOKEN_FAILURES",
            20,
            "RATE_LIMIT_API_TOKEN_WINDOW_SECONDS",
            600,
            "ip",
            "portal",
            "Unknown, expired or revoked bearer tokens per client address; past it every bearer "
            "request from that address gets 429 until the window ends (token guessing).",
        ),
        RateLimit(
            "api_token_create",
            "RATE_LIMIT_API_TOKEN_CREATE",
            10,
            "RATE_LIMIT_API_TOKEN_CREATE_WINDOW_SECONDS",
            3600,
            "user",
            "portal",
            "API tokens created per account.",
        ),
        RateLimit(
            "inbound_refusals_logged",
            "RATE_LIMIT_INBOUND_REFUSALS_LOGGED",
            30,
            "RATE_LIMIT_INBOUND_REFUSALS_WINDOW_SECONDS",
            60,
            "ip",
            "portal",
            "Refused requests to the peers' webhooks not signed by the peer, logged per client "
            "address; past it they are still answered, no longer logged until the window ends.",
        ),
        RateLimit(
            "gateway_unverified_logged",
            "RATE_LIMIT_GATEWAY_UNVERIFIED_LOGGED",
            30,
            "RATE_LIMIT_GATEWAY_UNVERIFIED_WINDOW_SECONDS",
            60,
            "ip",
            "portal",
            "Messages to the payment gateways' notification addresses and the browser's return "
            "whose signature does not verify, logged per client address; past it they are still "
            "answered in the gateway's codes, no longer logged until the window ends.",
        ),
    )
}


def _setting(name: str, default: int, settings_obj=None) -> int:
    if settings_obj is not None and hasattr(settings_obj, name):
        return int(getattr(settings_obj, name))
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def limit_values(name: str, settings_obj=None) -> tuple[int, int]:
    """``(amount, window_seconds)`` of a limit, from Django settings, else the environment, else the
    default."""
    limit = LIMITS[name]
    amount = _setting(limit.amount_setting, limit.default_amount, settings_obj)
    window = (
        _setting(limit.window_setting, limit.default_window, settings_obj)
        if limit.window_setting
        else limit.default_window
    )
    return amount, window


def allauth_rate_limits() -> dict[str, str]:
    """allauth's ``ACCOUNT_RATE_LIMITS`` from the table above (read from the environment)."""

    def rate(name: str, per: str) -> str:
        amount, window = limit_values(name)
        return f"{amount}/{window}s/{per}"

    return {
        "login": rate("login_ip", "ip"),
        "login_failed": f"{rate('login_failed_ip', 'ip')},{rate('login_failed_account', 'key')}",
        "signup": rate("signup", "ip"),
        "reset_password": f"{rate('reset_password_ip', 'ip')},{rate('reset_password_account', 'key')}",
    }
