from __future__ import annotations

import secrets

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings

from ..crypto import mask
from ..validators import normalize_cccd
from .views import VerifiedOIDCAdapter

NONCE_STATE_KEY = "oidc_nonce"
CCCD_ATTRIBUTE = "national_id_cccd"


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
