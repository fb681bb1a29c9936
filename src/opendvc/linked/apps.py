from django.apps import AppConfig


class LinkedConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "opendvc.linked"
    verbose_name = "Thủ tục liên thông"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
