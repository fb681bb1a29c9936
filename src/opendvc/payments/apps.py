from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "opendvc.payments"
    label = "payments"
    verbose_name = "Thanh toán trực tuyến"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The gateways register themselves (``registry``) and as online methods of the dossiers.
        from . import counter, paygov, vnpay  # noqa: F401
