from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "opendvc.ops"
    verbose_name = _("Vận hành: sự cố, kiểm tra sức khỏe, số đo")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from .metrics import login_failed

        user_login_failed.connect(login_failed, dispatch_uid="opendvc.ops.login_failed")
