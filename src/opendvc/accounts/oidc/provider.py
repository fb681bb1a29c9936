from __future__ import annotations

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider

from .views import VerifiedOIDCAdapter


class NationalIdProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider with verified ID tokens and PKCE on by default."""

    package = "opendvc.accounts.oidc"
    oauth2_adapter_class = VerifiedOIDCAdapter
    pkce_enabled_default = True
