from functools import wraps
from urllib.parse import urlencode

from django.apps import AppConfig
from django.shortcuts import redirect
from django.urls import reverse


class AccountsConfig(AppConfig):
    name = "opendvc.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Tài khoản"

    def ready(self) -> None:
        from allauth.account.decorators import secure_admin_login
        from django.contrib import admin

        from . import signals  # noqa: F401

        # The Django admin is a back-office page too: its own login form would skip the second
        # factor, so it goes through allauth's login; and staff without TOTP are sent to enrol.
        admin.site.login = secure_admin_login(admin.site.login)
        admin.site.admin_view = _require_totp(admin.site.admin_view)


def _require_totp(admin_view):
    def patched(view, cacheable=False):
        inner = admin_view(view, cacheable)

        @wraps(inner)
        def wrapper(request, *args, **kwargs):
            # Imported on call: the back-office decorators import models, not loaded when apps.py is.
            from opendvc.backoffice.decorators import has_totp

            user = request.user
            if user.is_authenticated and user.is_staff and not has_totp(user):
                return redirect(
                    reverse("mfa_activate_totp")
                    + "?"
                    + urlencode({"next": request.get_full_path()})
                )
            return inner(request, *args, **kwargs)

        return wrapper

    return patched
