"""The gate in front of every back-office page.

``backoffice_required`` = signed in, a staff member (an active role in an agency, or a superuser),
an active TOTP authenticator used in this session (staff must use MFA before any back-office page:
without one they are sent to enrol, with one not yet used in this session to confirm a code), and — when ``roles`` is given — one of those roles.
Use it on every back-office view: ``@backoffice_required()`` or ``@backoffice_required(roles=[...])``.
Object-level checks (which agency's work) stay in each app's ``permissions.py``.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse


def session_used_mfa(request, totp) -> bool:
    """This browser session passed the second factor (at login or re-authentication) or enrolled
    the authenticator after signing in. A session opened without it must confirm a code first."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    if any(r.get("method") == "mfa" for r in records):
        return True
    signed_in_at = min((r.get("at") for r in records if r.get("at")), default=None)
    return signed_in_at is not None and totp.created_at.timestamp() >= signed_in_at


def totp_of(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()


def has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def is_backoffice_user(user) -> bool:
    from opendvc.agencies.permissions import is_staff_member

    return bool(user.is_staff and is_staff_member(user)) or bool(user.is_superuser)


def backoffice_required(roles: list[str] | None = None):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_backoffice_user(user):
                raise PermissionDenied
            totp = totp_of(user)
            if totp is None:
                url = (
                    reverse("mfa_activate_totp")
                    + "?"
                    + urlencode({"next": request.get_full_path()})
                )
                return redirect(url)
            if not session_used_mfa(request, totp):
                url = (
                    reverse("mfa_reauthenticate")
                    + "?"
                    + urlencode({"next": request.get_full_path()})
                )
                return redirect(url)
            if roles and not user.is_superuser:
                from opendvc.agencies.selectors import has_any_role

                if not has_any_role(user, roles):
                    raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.backoffice = True
        return wrapper

    return decorator
