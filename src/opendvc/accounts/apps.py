from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opendvc.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Tài khoản"

    def ready(self) -> None:
        from . import signals  # noqa: F401
