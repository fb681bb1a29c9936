from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "opendvc.signing"
    label = "signing"
    verbose_name = "Ký số kết quả"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import handlers  # noqa: F401
