"""The payment gateways the portal offers, one plugin each (``base.Gateway``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from opendvc.core.problems import ProblemError
from opendvc.dossiers.payments import PaymentMethod
from opendvc.dossiers.payments import register as register_method

from .base import Gateway

GATEWAYS: dict[str, Gateway] = {}


def register(gateway: Gateway) -> Gateway:
    """Add ``gateway`` and name it among the dossiers' online payment methods (confirmed by the system)."""
    GATEWAYS[gateway.key] = gateway
    register_method(PaymentMethod(gateway.key, gateway.label, frozenset(), online=True))
    return gateway


def get_gateway(key: str) -> Gateway:
    gateway = GATEWAYS.get(key)
    if gateway is None:
        raise ProblemError(
            "validation_error",
            _("Cổng thanh toán không tồn tại."),
            extra={"errors": [{"path": "gateway", "message": _("Chọn một cổng thanh toán.")}]},
        )
    return gateway


def online_gateways() -> list[Gateway]:
    """The gateways an applicant may choose now (those with their settings)."""
    return [g for g in GATEWAYS.values() if getattr(g, "online", True) and g.enabled()]
