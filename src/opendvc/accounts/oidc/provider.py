from __future__ import annotations

import secrets

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider

from .views import VerifiedOIDCAdapter

NONCE_STATE_KEY = "oidc_nonce"


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
