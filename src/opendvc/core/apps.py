from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "opendvc.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
        from .admin_selection import admin_selection_check

        admin_selection_check()
