"""The gate in front of every back-office page.

``backoffice_required`` = signed in, a staff member (an active role in an agency, or a superuser),
an active TOTP authenticator (staff must use MFA before any back-office page: without one they are
sent to enrol; with one, every sign-in asks for the code, since all logins — the admin's too — go
through allauth), and, when ``roles`` is given, one of those roles.
Use it on every back-office view: ``@backoffice_required()`` or ``@backoffice_required(roles=[...])``.
The roles it is given are the only list of who may open the page: links to it (the landing page's
tools, the navigation, links between queues) ask ``backoffice_allows`` / ``{% staff_url %}``.
Object-level checks (which agency's work) stay in each app's ``permissions.py``.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse

from opendvc.agencies.permissions import is_staff_member
from opendvc.agencies.selectors import active_roles, active_roles_of, has_any_role
from opendvc.core.prepared import PreparedRead


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# The roles with the TOTP device, on every back-office page: the statement built once per process.
_ROLES_AND_TOTP = PreparedRead(
    lambda user_id: active_roles_of(user_id).annotate(
        holds_totp=Exists(
            Authenticator.objects.filter(user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP)
        )
    ),
    1,
)


def _read_roles_and_totp(user) -> bool | None:
    """Whether ``user`` has a TOTP device, read with their roles in one statement — or None when the
    roles were already read for this request, or there are none (a superuser's: ask ``has_totp``)."""
    roles = active_roles(user, read=_ROLES_AND_TOTP)
    return roles[0].holds_totp if roles and hasattr(roles[0], "holds_totp") else None


def is_backoffice_user(user) -> bool:
    return bool(user.is_staff and is_staff_member(user)) or bool(user.is_superuser)


def holds_role_for(user, roles) -> bool:
    """The role check of ``backoffice_required``: any role when ``roles`` is empty."""
    if not roles or user.is_superuser:
        return True

    return has_any_role(user, roles)


def backoffice_allows(user, view) -> bool:
    """Whether ``view`` (a view function) lets ``user`` in once signed in with TOTP: the same checks
    ``backoffice_required`` makes, so a page shows a link only when following it will not be refused.
    A view without the decorator is not a back-office page and is allowed here."""
    if not getattr(view, "backoffice", False):
        return True
    if not getattr(user, "is_authenticated", False) or not is_backoffice_user(user):
        return False
    return holds_role_for(user, view.backoffice_roles)


def backoffice_required(roles: list[str] | None = None):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # Staff members: their roles (which is_backoffice_user reads) and TOTP in one statement.
            totp = _read_roles_and_totp(user) if user.is_staff else None
            if not is_backoffice_user(user):
                raise PermissionDenied
            if not (has_totp(user) if totp is None else totp):
                url = (
                    reverse("mfa_activate_totp")
                    + "?"
                    + urlencode({"next": request.get_full_path()})
                )
                return redirect(url)
            if not holds_role_for(user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.backoffice = True
        wrapper.backoffice_roles = tuple(roles or ())
        return wrapper

    return decorator
