"""The gate in front of every back-office page.

``backoffice_required`` = signed in, a staff member (an active role in an agency, or a superuser),
an active TOTP authenticator (staff must use MFA before any back-office page: without one they are
sent to enrol; with one, every sign-in asks for the code, since all logins — the admin's too — go
through allauth), and, when ``roles`` is given, one of those roles.
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
            if not has_totp(user):
                url = (
                    reverse("mfa_activate_totp")
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
