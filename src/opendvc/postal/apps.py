from django.apps import AppConfig


class PostalConfig(AppConfig):
    name = "opendvc.postal"
    label = "postal"
    verbose_name = "Bưu chính công ích"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The postal return method (``dossiers.returns``) and the listener that opens the return leg
        # when a dossier picked up by post gets its result.
        from . import receivers, returns  # noqa: F401
