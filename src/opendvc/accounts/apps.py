from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opendvc.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Tài khoản"

    def ready(self) -> None:
        from allauth.account.decorators import secure_admin_login
        from django.contrib import admin

        from . import signals  # noqa: F401

        # The admin's own login form would skip the second factor: send it through allauth's login.
        admin.site.login = secure_admin_login(admin.site.login)
