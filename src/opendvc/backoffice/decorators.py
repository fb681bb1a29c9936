"""The gate in front of every back-office page.

``backoffice_required`` = signed in, a staff account, and (enforced by the accounts app) TOTP MFA.
Use it on every back-office view: ``@backoffice_required()`` or ``@backoffice_required(roles=[...])``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def backoffice_required(roles: list[str] | None = None):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_staff:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.backoffice = True
        return wrapper

    return decorator
