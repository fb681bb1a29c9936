"""Session bookkeeping, the welcome message and the CCCD of a newly connected identity, wired in
``AccountsConfig.ready``."""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.signals import social_account_added
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils.translation import get_language

from opendvc.core.ratelimit import client_address

from . import services
from .oidc.provider import cccd_claim


@receiver(user_logged_in, dispatch_uid="accounts_record_session")
def _logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    services.record_session(
        user=user,
        session_key=request.session.session_key,
        ip_address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


@receiver(user_logged_out, dispatch_uid="accounts_forget_session")
def _logged_out(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.forget_session(session_key=request.session.session_key)


@receiver(user_signed_up, dispatch_uid="accounts_welcome")
def _signed_up(sender, request, user, **kwargs):
    # The language the person signed up in is the language of what the portal sends them.
    services.user_language_set(user=user, language=get_language() or "")
    services.send_welcome(user=user)


@receiver(social_account_added, dispatch_uid="accounts_identity_connected")
def _identity_connected(sender, request, sociallogin, **kwargs):
    """A signed-in user connected their national electronic identity: its CCCD claim becomes the
    account's verified number (other sign-ins record it in ``SocialAccountAdapter``)."""
    cccd = cccd_claim(sociallogin)
    if cccd and sociallogin.state.get("process") == AuthProcess.CONNECT and sociallogin.user:
        services.verify_cccd_from_identity_provider(
            user=sociallogin.user, cccd=cccd, request=request
        )
