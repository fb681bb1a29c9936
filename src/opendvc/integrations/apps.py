from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "opendvc.integrations"
    verbose_name = _("Liên thông: hàng đợi gửi đi, Cổng DVC quốc gia, phần mềm một cửa")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from opendvc.core.statemachine import acted_in_transaction

        from . import receivers

        acted_in_transaction.connect(
            receivers.dossier_acted_in_transaction,
            dispatch_uid="opendvc.integrations.dossier_outbox",
        )
        from opendvc.core.middleware import inbound_refused

        from .inbound import inbound_refusal_log

        inbound_refused.connect(
            inbound_refusal_log, dispatch_uid="opendvc.integrations.inbound_refusal_log"
        )
        from opendvc.notifications.signals import notice_created

        from .sms.services import sms_notice_copy

        notice_created.connect(
            lambda sender, **kwargs: sms_notice_copy(**kwargs),
            weak=False,
            dispatch_uid="opendvc.integrations.sms_notice_copy",
        )
