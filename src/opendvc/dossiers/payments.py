"""Fees of a dossier and the ways to pay them.

Fees are computed from the procedure's fee items in the catalog (``catalog.FeeItem``) with a quantity
where the fee is per copy, page…; a fee the catalog does not price can be named with its amount.

Payment methods are registered in ``METHODS``: ``counter`` (the officer records the receipt number of a
payment made at the one-stop office) is built in; an online gateway registers its own ``PaymentMethod``
(``register(...)``) and calls ``dossier_act(action="pay", system=True, receipt_number=...)`` when
the gateway confirms — nothing else changes.

The applicant never marks fees paid: a receipt number typed by the payer proves nothing. Only an
officer recording a counter payment, or the system on a payment the gateway confirmed, settles the
fees. Online payment is a level-4 service (Regulation Art. 2.13): a level-3 procedure's fees are paid
at the counter or by post.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.core.problems import ProblemError
from opendvc.core.quoting import quoting

MAX_QUANTITY = 10_000
# A fee line above a thousand billion đồng is a typing or a peer's error, not a fee.
MAX_AMOUNT_VND = 10**12
NAME_MAX = 300


def _whole(value: Any) -> int | None:
    """A whole number from JSON or a form: an integer, an integral finite number (``2.0``) or a string
    of ASCII digits; None for anything else (a fraction of a đồng, ``true``, ``1e400``, ``"²"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.isascii() and text.isdigit() else None
    return None


def filed_on(dossier) -> dt.date:
    """The day that decides which fee amounts apply: the dossier's submission day in Vietnam's time
    (today for a dossier not yet submitted)."""
    return timezone.localdate(dossier.submitted_at) if dossier.submitted_at else timezone.localdate()


def compute_fees(
    *, procedure, fees: list[dict[str, Any]], on: dt.date | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Priced lines and their total (VND) for ``fees`` = ``[{"fee_item": id, "quantity": n}]`` or
    ``[{"name": ..., "amount_vnd": n, "quantity": n}]``. Raises 422 ``validation_error`` naming each bad
    line (unknown item, unpriced item without an amount, quantity out of range).

    ``on`` is the filing day (``filed_on``; today when not given): an item priced for a period that
    does not include it has no amount for this dossier (``catalog.fees.amount_on``) — the item the
    source publishes beside it for other days applies instead, or the amount is typed as for an item
    the source does not price."""
    from opendvc.catalog.fees import amount_on, lapse_text
    from opendvc.catalog.models import FeeItem

    on = on or timezone.localdate()

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
        quantity = _whole(fee.get("quantity", 1))
        if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
            errors.append({"path": f"{path}.quantity", "message": _("Số lượng phải từ 1 đến 10.000.")})
            continue
        unpriced, unpriced_args = _("Khoản “%(name)s” chưa có mức thu; nhập số tiền."), {}
        item_id = fee.get("fee_item")
        if item_id not in (None, ""):
            number = _whole(item_id)
            item = catalog.get(number) if number is not None else None
            if item is None:
                errors.append({"path": f"{path}.fee_item", "message": _("Khoản phí không thuộc thủ tục này.")})
                continue
            price = amount_on(item, on)
            unit = price if price is not None else fee.get("amount_vnd")
            name = item.name
            if price is None and item.amount_vnd is not None:
                unpriced = _("Mức thu của khoản “%(name)s” %(lapse)s, không áp dụng cho hồ sơ nộp ngày "
                             "%(day)s; chọn khoản phí đang áp dụng hoặc nhập số tiền.")
                unpriced_args = {"day": on.strftime("%d/%m/%Y"), "lapse": lapse_text(item, on)}
        else:
            raw_name = fee.get("name")
            name = raw_name.strip() if isinstance(raw_name, str) else ""
            unit = fee.get("amount_vnd")
            if not name:
                errors.append({"path": f"{path}.name", "message": _("Nhập tên khoản phí.")})
                continue
            if len(name) > NAME_MAX:
                errors.append({"path": f"{path}.name", "message": _("Tên khoản phí tối đa %(n)s ký tự.")
                               % {"n": NAME_MAX}})
                continue
        if isinstance(unit, int | float) and not isinstance(unit, bool) and unit < 0:
            errors.append({"path": f"{path}.amount_vnd", "message": _("Số tiền không được âm.")})
            continue
        whole = _whole(unit)
        if whole is None:
            errors.append({"path": f"{path}.amount_vnd", "message": quoting(
                               unpriced, {"name": name[:80]}, unpriced_args)}
                          if unit in (None, "") else
                          {"path": f"{path}.amount_vnd", "message": _("Số tiền phải là số nguyên đồng.")})
            continue
        unit = whole
        if unit > MAX_AMOUNT_VND:
            errors.append({"path": f"{path}.amount_vnd", "message": _("Số tiền tối đa 1.000.000.000.000 đồng.")})
            continue
        lines.append({"name": name, "fee_item": item_id or None, "unit_vnd": unit, "quantity": quantity,
                      "amount_vnd": unit * quantity})
    total = sum(line["amount_vnd"] for line in lines)
    if not errors and total <= 0:
        # Nothing to collect: the dossier would stop its clock for a payment of 0 đồng (and a gateway
        # refuses an order of 0). A fee-exempt procedure asks for no payment.
        errors.append({"path": "fees", "message": _("Tổng số tiền phải nộp phải lớn hơn 0 đồng; hồ sơ được miễn phí, "
                                                     "lệ phí thì không yêu cầu nộp phí.")})
    elif not errors and total > MAX_AMOUNT_VND:
        # Lines each within bounds can still add up past the bigint column and any gateway's limit.
        errors.append({"path": "fees", "message": _("Tổng số tiền tối đa 1.000.000.000.000 đồng.")})
    if errors:
        raise ProblemError("validation_error", _("Các khoản phí, lệ phí chưa hợp lệ."), extra={"errors": errors})
    return lines, total


@dataclass(frozen=True)
class PaymentMethod:
    key: str
    label: Any
    # Roles (lifecycle) that may record a payment by this method.
    roles: frozenset[str]
    # Paid online (a gateway's confirmation): offered from service level 4 only.
    online: bool = False


METHODS: dict[str, PaymentMethod] = {}


def register(method: PaymentMethod) -> None:
    METHODS[method.key] = method


register(PaymentMethod("counter", gettext_lazy("Nộp tại bộ phận một cửa"), frozenset({"receiving_officer"})))
register(PaymentMethod("system", gettext_lazy("Thanh toán trực tuyến (xác nhận tự động)"), frozenset({"system"}),
                       online=True))


def method_for_role(role: str, *, procedure=None) -> PaymentMethod:
    """The method ``role`` records payments by; 403 for a role that records none (the applicant), 422
    ``not_offered_at_level`` for an online method on a procedure below level 4."""
    for method in METHODS.values():
        if role in method.roles:
            if method.online and procedure is not None:
                from opendvc.catalog.selectors import not_offered, procedure_offer

                if not procedure_offer(procedure=procedure).online_payment:
                    raise not_offered(procedure=procedure, what=_("thanh toán phí, lệ phí trực tuyến"),
                                      path="receipt_number")
            return method
    raise ProblemError("permission_denied", _("Phí, lệ phí do bộ phận một cửa ghi nhận khi bạn nộp tại quầy, hoặc "
                                              "do hệ thống ghi nhận khi cổng thanh toán xác nhận."), status=403)


def payment_pending(*, dossier):
    """The fees the dossier waits for (``Payment`` in ``pending``), or None."""
    from .models import Payment

    return Payment.objects.filter(dossier=dossier, state=Payment.State.PENDING).order_by("-created_at", "-pk").first()
