from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "opendvc.vault"
    label = "vault"
    verbose_name = "Kho quản lý dữ liệu điện tử"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import handlers  # noqa: F401
