from __future__ import annotations

import secrets

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings

from ..crypto import decrypt, encrypt, mask
from ..validators import normalize_cccd
from .views import VerifiedOIDCAdapter

NONCE_STATE_KEY = "oidc_nonce"
CCCD_ATTRIBUTE = "national_id_cccd"
# The claim, encrypted, in the login's state: the state is what allauth keeps in the session when
# the sign-in goes on through its sign-up form (an e-mail address taken, none given), and the
# attribute does not survive that.
CCCD_STATE_KEY = "national_id_cccd_ciphertext"


def keep_cccd_claim(sociallogin) -> None:
    """Copy the CCCD claim of ``sociallogin`` into its state, encrypted (``CCCD_STATE_KEY``)."""
    cccd = getattr(sociallogin, CCCD_ATTRIBUTE, "") or ""
    if cccd and sociallogin.state is not None:
        sociallogin.state[CCCD_STATE_KEY] = encrypt(cccd)


def cccd_claim(sociallogin) -> str:
    """The CCCD the identity provider sent for ``sociallogin``: on the login object, or kept in its
    state across the sign-up form; empty when none (or the key that encrypted it is gone)."""
    cccd = getattr(sociallogin, CCCD_ATTRIBUTE, "") or ""
    if cccd:
        return cccd
    token = (sociallogin.state or {}).get(CCCD_STATE_KEY) or ""
    try:
        return normalize_cccd(decrypt(token)) if isinstance(token, str) else ""
    except Exception:  # noqa: BLE001 - an unreadable token is no claim
        return ""


class NationalIdProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider with verified ID tokens, PKCE on by default and a nonce
    bound to the login attempt (checked in ``SocialAccountAdapter.pre_social_login``)."""

    package = "opendvc.accounts.oidc"
    oauth2_adapter_class = VerifiedOIDCAdapter
    pkce_enabled_default = True

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(24)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = dict(self.get_auth_params() if auth_params is None else auth_params)
        auth_params["nonce"] = nonce
        kwargs[NONCE_STATE_KEY] = nonce  # stashed with the state, returned on the callback
        return super().redirect(request, process, next_url, data, auth_params=auth_params, **kwargs)

    def sociallogin_from_response(self, request, response):
        """Take the CCCD claim out of the data allauth keeps (``SocialAccount.extra_data`` is plain
        JSON): it rides on the login object only, to link the account and fill the encrypted profile."""

        claim = settings.OIDC_CCCD_CLAIM
        cccd = ""
        for part in ("id_token", "userinfo"):
            data = response.get(part) if isinstance(response, dict) else None
            if isinstance(data, dict) and data.get(claim):
                cccd = cccd or normalize_cccd(str(data[claim]))
                data[claim] = mask(normalize_cccd(str(data[claim])))
        login = super().sociallogin_from_response(request, response)
        setattr(login, CCCD_ATTRIBUTE, cccd)
        return login
