"""Login through the national identity provider (OpenID Connect).

allauth's ``openid_connect`` provider, with one change: the ID token's signature is always checked
against the provider's published keys (allauth skips it when the token came straight from the token
endpoint). Selected in settings with ``SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"]``;
the routes keep allauth's names (``openid_connect_login`` / ``openid_connect_callback``).
"""
