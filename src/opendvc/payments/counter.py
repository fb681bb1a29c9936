"""Payment at the counter of the one-stop office: the officer records the receipt number with the
dossier's ``pay`` action (``dossiers.payments``, method ``counter``). Named here so the payment
figures and the gateway list know it; it has no online side."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import base
from .registry import GATEWAYS


class Counter(base.Gateway):
    key = "counter"
    label = _("Nộp tại bộ phận một cửa")
    online = False


GATEWAYS[Counter.key] = Counter()
