"""The applicant's choice of how to receive the result on the pages (Regulation Art. 6.4): the form's
inputs read from a POST, the form's context (choices offered, address, fee, errors at their fields) and
an error of the choice turned into the error-summary links of the filing page. The rules are the
service's (``returns.choice_clean``, ``services.dossier_return_choose``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from opendvc.accounts import crypto
from opendvc.core.problems import ProblemError

from .. import returns

# The inputs of the form, by the service's name of each part.
INPUTS = {
    "contact_name": "nkq-ho-ten",
    "contact_phone": "nkq-dien-thoai",
    "address": "nkq-dia-chi",
    "province": "nkq-tinh",
}
METHOD_INPUT = "nhan-ket-qua"
FIELDS = (
    ("contact_name", gettext_lazy("Họ tên người nhận"), "name"),
    ("contact_phone", gettext_lazy("Số điện thoại di động"), "tel"),
    ("address", gettext_lazy("Địa chỉ (số nhà, đường, phường/xã)"), "street-address"),
    ("province", gettext_lazy("Tỉnh, thành phố"), "address-level1"),
)
# Sent with the form, so that a POST without a chosen radio button is told from a page without the form.
ASKED_INPUT = "nhan-ket-qua-hoi"


def posted(request) -> tuple[str | None, dict[str, str]]:
    """``(method, address parts)`` typed on the page; the method is None when the page did not show
    the form (nothing to change)."""
    if request.method != "POST" or ASKED_INPUT not in request.POST:
        return None, {}
    return request.POST.get(METHOD_INPUT, ""), {
        name: request.POST.get(key, "") for name, key in INPUTS.items()
    }


def target(path: str) -> str:
    """The id of the page's element for an error's ``path`` (``return_method``,
    ``return_address.<part>``)."""
    part = path.removeprefix("return_address.")
    return INPUTS.get(part, METHOD_INPUT)


def field_errors(exc: ProblemError | None) -> dict[str, str]:
    """Each error of the choice at its element's id (the first one per element)."""
    out: dict[str, str] = {}
    for e in (exc.extra.get("errors") or []) if exc is not None else []:
        if isinstance(e, dict) and str(e.get("path", "")).startswith("return_"):
            out.setdefault(target(e["path"]), e.get("message", ""))
    if exc is not None and not out:
        out[METHOD_INPUT] = exc.detail
    return out


def summary_links(exc: ProblemError | None) -> list[dict[str, str]]:
    """The filing page's error-summary links of the choice's errors."""
    return [{"target": k, "label": "", "message": m} for k, m in field_errors(exc).items()]


def check(request, procedure) -> ProblemError | None:
    """The problem with the choice typed on the page, or None (also when the page did not ask)."""
    method, address = posted(request)
    if method is None:
        return None
    try:
        returns.choice_clean(procedure=procedure, method=method, address=address)
    except ProblemError as exc:
        return exc
    return None


def form(*, request, procedure, applicant, dossier=None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The form's context: the choices the procedure offers (online from level 4), the one checked
    (what was typed, else the dossier's, else the one the result would go back by), the address (typed,
    else the dossier's, else the applicant's own), the fee and delivery times of the post, the errors."""
    offer = returns.choice_offer(procedure=procedure)
    typed_method, typed = posted(request)
    if typed_method is not None:
        checked, values = typed_method, typed
    else:
        if dossier is not None:
            checked = returns.return_method_default(dossier=dossier)
        else:
            checked = "online" if "online" in offer["keys"] else "counter"
        address = (returns.chosen_address(dossier) if dossier is not None else None) or (
            returns.applicant_address(applicant)
        )
        values = address.as_dict()
    errors = errors or {}
    return {
        "options": [(k, returns.CHOICE_LABELS[k], k == checked) for k in offer["keys"]],
        "fields": [
            {
                "id": INPUTS[part],
                "label": label,
                "value": values.get(part, ""),
                "error": errors.get(INPUTS[part], ""),
                "maxlength": returns.ADDRESS_LIMITS[part],
                "type": "tel" if part == "contact_phone" else "text",
                "autocomplete": autocomplete,
            }
            for part, label, autocomplete in FIELDS
        ],
        "method_error": errors.get(METHOD_INPUT, ""),
        "offer": offer,
    }


def summary(dossier, *, staff: bool = False) -> dict[str, Any]:
    """How the result of ``dossier`` will reach the applicant, for the dossier's pages: the method's
    label (the applicant's words, or the office's with ``staff``), whether the applicant chose it, and
    the postal address (for ``staff`` the phone masked, as the page's other identifiers)."""
    method = returns.return_method_default(dossier=dossier)
    known = returns.METHODS.get(method)
    address = returns.chosen_address(dossier) if method == "postal" else None
    phone = address.contact_phone if address is not None else ""
    return {
        "method": method,
        "label": (known.label if known is not None else "") if staff else returns.CHOICE_LABELS.get(method, ""),
        "chosen": returns.chosen_method(dossier) is not None,
        "address": address,
        "phone": crypto.mask(phone) if staff else phone,
    }
