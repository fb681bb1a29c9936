"""Fees of a dossier and the ways to pay them.

Fees are computed from the procedure's fee items in the catalog (``catalog.FeeItem``) with a quantity
where the fee is per copy, page…; a fee the catalog does not price can be named with its amount.

Payment methods are registered in ``METHODS``: ``counter`` (the officer records the receipt number of a
payment made at the one-stop office) is built in; an online gateway registers its own ``PaymentMethod``
(``register(...)``) and calls ``dossier_transition(action="pay", system=True, receipt_number=...)`` when
the gateway confirms — nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.core.problems import ProblemError

MAX_QUANTITY = 10_000


def compute_fees(*, procedure, fees: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Priced lines and their total (VND) for ``fees`` = ``[{"fee_item": id, "quantity": n}]`` or
    ``[{"name": ..., "amount_vnd": n, "quantity": n}]``. Raises 422 ``validation_error`` naming each bad
    line (unknown item, unpriced item without an amount, quantity out of range)."""
    from opendvc.catalog.models import FeeItem

    if not isinstance(fees, list | tuple) or not fees:
        raise ProblemError("validation_error", _("Phải nêu các khoản phí, lệ phí."),
                           extra={"errors": [{"path": "fees", "message": _("Phải nêu các khoản phí, lệ phí.")}]})
    catalog = {f.pk: f for f in FeeItem.objects.filter(procedure=procedure)}
    lines: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for i, fee in enumerate(fees):
        path = f"fees.{i}"
        if not isinstance(fee, dict):
            errors.append({"path": path, "message": _("Khoản phí không hợp lệ.")})
            continue
        try:
            quantity = int(fee.get("quantity", 1))
        except (TypeError, ValueError):
            quantity = 0
        if not 1 <= quantity <= MAX_QUANTITY:
            errors.append({"path": f"{path}.quantity", "message": _("Số lượng phải từ 1 đến 10.000.")})
            continue
        item_id = fee.get("fee_item")
        if item_id not in (None, ""):
            item = catalog.get(int(item_id)) if str(item_id).isdigit() else None
            if item is None:
                errors.append({"path": f"{path}.fee_item", "message": _("Khoản phí không thuộc thủ tục này.")})
                continue
            unit = item.amount_vnd if item.amount_vnd is not None else fee.get("amount_vnd")
            name = item.name
        else:
            name = str(fee.get("name") or "").strip()
            unit = fee.get("amount_vnd")
            if not name:
                errors.append({"path": f"{path}.name", "message": _("Nhập tên khoản phí.")})
                continue
        try:
            unit = int(unit)
        except (TypeError, ValueError):
            errors.append({"path": f"{path}.amount_vnd", "message": _("Khoản “%(name)s” chưa có mức thu; nhập số tiền.")
                           % {"name": name[:80]}})
            continue
        if unit < 0:
            errors.append({"path": f"{path}.amount_vnd", "message": _("Số tiền không được âm.")})
            continue
        lines.append({"name": name, "fee_item": item_id or None, "unit_vnd": unit, "quantity": quantity,
                      "amount_vnd": unit * quantity})
    if errors:
        raise ProblemError("validation_error", _("Các khoản phí, lệ phí chưa hợp lệ."), extra={"errors": errors})
    return lines, sum(line["amount_vnd"] for line in lines)


@dataclass(frozen=True)
class PaymentMethod:
    key: str
    label: Any
    # Roles (lifecycle) that may record a payment by this method.
    roles: frozenset[str]


METHODS: dict[str, PaymentMethod] = {}


def register(method: PaymentMethod) -> None:
    METHODS[method.key] = method


register(PaymentMethod("counter", gettext_lazy("Nộp tại bộ phận một cửa"),
                       frozenset({"receiving_officer", "applicant"})))
register(PaymentMethod("system", gettext_lazy("Xác nhận tự động"), frozenset({"system"})))


def method_for_role(role: str) -> PaymentMethod:
    for method in METHODS.values():
        if role in method.roles:
            return method
    raise ProblemError("permission_denied", _("Không có hình thức thanh toán cho vai trò này."), status=403)
