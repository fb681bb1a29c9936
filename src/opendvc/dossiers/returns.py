"""How a result reaches the applicant (Regulation Art. 6.4: online, in person or by post).

Each delivery method is a ``ReturnMethod`` in ``METHODS``; ``return_result`` looks the method up and
calls its ``clean`` to get the delivery record. Postal delivery is added by registering one more method
(with the postal operator's inputs) — the transition and its callers stay as they are.

The applicant chooses how to receive the result (Regulation QĐ 31/2020/QĐ-UBND Art. 6.4; QĐ
45/2016/QĐ-TTg for the post): online where the procedure's level offers it (level 4, Art. 2.13), at the
one-stop office, or by post to an address. The choice is made when filing and may be changed until the
result is returned or handed to the post (the ``choose_return`` action); a dossier without a choice
gets its result back the way it was filed (``CHANNEL_RETURN``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.accounts import crypto
from opendvc.accounts.validators import normalize_phone, province_name, ward_name
from opendvc.catalog.selectors import not_offered, procedure_offer
from opendvc.core.money import format_vnd
from opendvc.core.problems import ProblemError
from opendvc.core.statemachine import Outcome, too_long
from opendvc.core.uploads import _strip_invisible

from .lifecycle import State


@dataclass(frozen=True)
class ReturnMethod:
    key: str
    label: Any
    roles: frozenset[str]
    # Whether someone hands the result over to a receiver, recorded in a hand-over record (biên bản
    # trả kết quả: the returner, the receiver and the identity document they showed). Not for an online
    # return: nothing changes hands; the result is issued into the applicant's store, and the return is
    # recorded by its history line, its audit entry and the notice to the applicant.
    hands_over: bool = True

    def clean(self, *, dossier, inputs: dict[str, Any], role: str) -> dict[str, Any]:
        return {}

    def handed_over(self, *, dossier) -> str:
        """What already carries the result of ``dossier`` by this method (e.g. the postal order it was
        handed over with), or ``""``: once it is on its way, the applicant's choice is settled."""
        return ""


@dataclass(frozen=True)
class OnlineReturn(ReturnMethod):
    """The result is issued to the applicant: signed, placed in their document store and notified
    (``opendvc.vault.services.result_issue``); downloads are recorded (``results.result_download``)."""

    def clean(self, *, dossier, inputs, role):
        # Regulation Art. 2.13: the result is returned online from level 4; at level 3 at the counter or
        # by post.
        if not procedure_offer(procedure=dossier.procedure).online_return:
            raise not_offered(
                procedure=dossier.procedure, what=_("trả kết quả trực tuyến"), path="method"
            )
        return {"delivered_to": dossier.applicant.full_name or ""}


# The receiver's name and identity document on the hand-over record (the columns' sizes).
RECIPIENT_MAX, IDENTITY_DOCUMENT_MAX = 200, 100


def handed_to(*, dossier, inputs: dict[str, Any], required: bool) -> dict[str, str]:
    """Who received the result and on which identity document, as the hand-over record prints them:
    the applicant when no one else is named. Too long a name or document number is refused at its
    field, every problem at once (it was cut, and the record named someone else)."""
    recipient = " ".join(str(inputs.get("recipient") or "").split()) or (dossier.applicant.full_name or "")
    identity = " ".join(str(inputs.get("identity_document") or "").split())
    errors = []
    if required and not recipient:
        errors.append({"path": "recipient", "message": _("Nhập họ tên người nhận.")})
    if len(recipient) > RECIPIENT_MAX:
        errors.append({"path": "recipient", "message": too_long(RECIPIENT_MAX, len(recipient))})
    if len(identity) > IDENTITY_DOCUMENT_MAX:
        errors.append(
            {"path": "identity_document", "message": too_long(IDENTITY_DOCUMENT_MAX, len(identity))}
        )
    if errors:
        detail = (_("Nhập họ tên người nhận kết quả.") if required and not recipient
                  else _("Thông tin người nhận kết quả chưa hợp lệ."))
        raise ProblemError("validation_error", detail, extra={"errors": errors})
    return {"delivered_to": recipient, "identity_document": identity}


@dataclass(frozen=True)
class CounterReturn(ReturnMethod):
    """Handed over at the one-stop office: to whom (the applicant by default) and on which identity
    document."""

    def clean(self, *, dossier, inputs, role):
        return handed_to(dossier=dossier, inputs=inputs, required=True)


@dataclass(frozen=True)
class PostalReturn(ReturnMethod):
    """Delivered by the postal service: the postal operator records to whom it was delivered."""

    def clean(self, *, dossier, inputs, role):
        return handed_to(dossier=dossier, inputs=inputs, required=False)


METHODS: dict[str, ReturnMethod] = {}


def register(method: ReturnMethod) -> None:
    METHODS[method.key] = method


register(
    OnlineReturn(
        "online",
        gettext_lazy("Trực tuyến (tải về từ mục Hồ sơ của tôi)"),
        frozenset({"system", "receiving_officer"}),
        hands_over=False,
    )
)
register(
    PostalReturn("postal", gettext_lazy("Qua dịch vụ bưu chính"), frozenset({"postal_operator"}))
)
register(
    CounterReturn(
        "counter", gettext_lazy("Trực tiếp tại bộ phận một cửa"), frozenset({"receiving_officer"})
    )
)


def methods_offered(*, procedure) -> list[ReturnMethod]:
    """The delivery methods the procedure's service level offers (no online return below level 4)."""
    online = procedure_offer(procedure=procedure).online_return
    return [m for m in METHODS.values() if online or not isinstance(m, OnlineReturn)]


# Without a choice of the applicant (dossiers filed before the choice existed, counter and postal intakes),
# the result goes back the way the dossier was filed.
CHANNEL_RETURN = {
    "online": "online",
    "national_portal": "online",
    "counter": "counter",
    "postal": "postal",
}


def return_method_default(*, dossier) -> str:
    """The return method proposed to the one-stop office for ``dossier``: the applicant's choice
    (``Dossier.return_method``), else the one matching the way they filed (online → online, at the
    counter → counter, by post → postal), among those the procedure's service level offers (a level-3
    dossier filed online gets its result at the counter)."""
    offered = [m.key for m in methods_offered(procedure=dossier.procedure)]
    key = chosen_method(dossier) or CHANNEL_RETURN.get(dossier.channel, "counter")
    if key in offered:
        return key
    return "counter" if "counter" in offered else offered[0]


def return_role(*, dossier, actor) -> str | None:
    """The role under which ``actor`` would record the return of ``dossier`` (as ``dossier_act`` picks
    it), or None when they may not record it."""
    from .lifecycle import Action
    from .services.transitions import ACTIONS, MACHINE, actor_roles

    spec = next(s for s in ACTIONS if s.action == Action.RETURN_RESULT)
    return MACHINE.pick_role(spec, actor_roles(dossier=dossier, actor=actor))


def methods_for(*, dossier, role: str | None) -> list[ReturnMethod]:
    """The methods the procedure offers that ``role`` may record: the one-stop office records a return at
    the counter (or online); a postal delivery is recorded by the postal operator, once the office has
    handed the result over to the post."""
    return [m for m in methods_offered(procedure=dossier.procedure) if role in m.roles]


def return_form(*, dossier, actor) -> tuple[list[ReturnMethod], str, bool]:
    """What the one-stop form of a return offers ``actor``: the methods they may record, the one proposed
    (``return_method_default`` when they may record it, else the counter or the first usable one) and
    whether the result should rather be handed over to the post (the dossier goes back by post, which
    ``actor`` does not record)."""
    usable = methods_for(dossier=dossier, role=return_role(dossier=dossier, actor=actor))
    keys = [m.key for m in usable]
    proposed = return_method_default(dossier=dossier)
    if proposed in keys:
        default = proposed
    else:
        default = "counter" if "counter" in keys else (keys[0] if keys else "")
    return usable, default, proposed == "postal" and proposed not in keys


def _offered(role: str) -> list[ReturnMethod]:
    """The return methods ``role`` may record (all of them when it may record none)."""
    return [m for m in METHODS.values() if role in m.roles] or list(METHODS.values())


def method_for(*, key: str, role: str) -> ReturnMethod:
    method = METHODS.get(key)
    if method is None:
        raise ProblemError(
            "validation_error",
            _("Hình thức trả kết quả không hợp lệ."),
            extra={
                "errors": [
                    {
                        "path": "method",
                        # The methods in words, in the request's language (their keys are the
                        # API's, not the officer's); those open to ``role`` first.
                        "message": _("Chọn một hình thức trả kết quả: %(k)s.")
                        % {"k": "; ".join(str(m.label) for m in _offered(role))},
                    }
                ]
            },
        )
    if role not in method.roles:
        raise ProblemError(
            "permission_denied", _("Bạn không thể trả kết quả theo hình thức này."), status=403
        )
    return method


# -- The applicant's choice ---------------------------------------------------------------------------

CHOICES = ("online", "counter", "postal")
# How the choices read on the applicant's pages (the methods' own labels are the history's).
CHOICE_LABELS = {
    "online": gettext_lazy("Nhận trực tuyến: bản điện tử có chữ ký số, trong Kho dữ liệu của bạn"),
    "counter": gettext_lazy("Nhận trực tiếp tại bộ phận một cửa"),
    "postal": gettext_lazy("Nhận qua dịch vụ bưu chính công ích, tại địa chỉ của bạn"),
}
# The choices in a sentence, each with the key the API takes.
CHOICE_WORDS = {
    "online": gettext_lazy("trực tuyến"),
    "counter": gettext_lazy("tại bộ phận một cửa"),
    "postal": gettext_lazy("qua bưu chính"),
}


def offered_ways(*, procedure) -> str:
    """The ways ``procedure`` returns its result, in words with their keys ("trực tuyến (online), …"):
    online only where its level offers it."""
    online = procedure_offer(procedure=procedure).online_return
    return ", ".join(
        f"{CHOICE_WORDS[key]} ({key})" for key in CHOICES if key != "online" or online
    )


# The states in which the result has not reached the applicant yet: the choice can still change (at
# ``result_ready`` only while nothing carries the result, ``handed_over``).
CHOICE_STATES = frozenset(
    {
        State.DRAFT,
        State.SUBMITTED,
        State.RETURNED_FOR_COMPLETION,
        State.RECEIVED,
        State.PROCESSING,
        State.SUPPLEMENT_REQUESTED,
        State.PAYMENT_REQUIRED,
        State.RESULT_READY,
    }
)
# The most characters each part of an address may hold (the postal order's columns).
ADDRESS_LIMITS = {"contact_name": 200, "contact_phone": 20, "address": 300, "province": 100}
_MARKUP = re.compile(r"[<>]")


def _text(value: Any) -> str:
    """``value`` as one line of text: NFC, without control, invisible and bidi-control characters,
    spaces collapsed."""
    text = _strip_invisible(unicodedata.normalize("NFC", str(value or "")))
    return " ".join(text.split())


@dataclass(frozen=True)
class Address:
    """Where a result goes back by post (and where the post collects a dossier): the contact's name and
    phone, the address and its province."""

    contact_name: str
    contact_phone: str
    address: str
    province: str

    def cleaned(self) -> Address:
        """The address with its parts trimmed (each cut at its column's length) and the phone in the
        national form; 422 with each missing or invalid part (``contact_name``, ``contact_phone``,
        ``address``, ``province``)."""
        errors = []
        name, address, province = (
            (self.contact_name or "").strip(),
            (self.address or "").strip(),
            (self.province or "").strip(),
        )
        if not name:
            errors.append({"path": "contact_name", "message": _("Nhập họ tên người liên hệ.")})
        try:
            phone = normalize_phone(self.contact_phone or "")
        except ValidationError:
            phone = ""
            errors.append(
                {"path": "contact_phone", "message": _("Nhập số điện thoại di động hợp lệ.")}
            )
        if len(address) < 10:
            errors.append(
                {"path": "address", "message": _("Nhập địa chỉ đầy đủ: số nhà, đường, phường/xã.")}
            )
        if not province:
            errors.append({"path": "province", "message": _("Nhập tỉnh, thành phố.")})
        if errors:
            raise ProblemError(
                "validation_error", _("Địa chỉ chưa đầy đủ."), extra={"errors": errors}
            )
        return Address(name[:200], phone, address[:300], province[:100])

    def checked(self, *, prefix: str = "") -> Address:
        """The address the applicant typed, as ``cleaned`` checks it, except that a part longer than its
        column or holding markup (``<``, ``>``) is refused rather than cut or kept: every problem at
        once, each at ``<prefix><part>``."""
        parts = {
            "contact_name": _text(self.contact_name),
            "contact_phone": _text(self.contact_phone),
            "address": _text(self.address),
            "province": _text(self.province),
        }
        errors: dict[str, str] = {}
        for name, text in parts.items():
            if len(text) > ADDRESS_LIMITS[name]:
                errors[name] = too_long(ADDRESS_LIMITS[name], len(text))
            elif _MARKUP.search(text):
                errors[name] = _("Không dùng các ký tự “<” và “>”.")
        try:
            cleaned = Address(**parts).cleaned()
        except ProblemError as exc:
            cleaned = None
            for e in exc.extra.get("errors") or []:
                errors.setdefault(e["path"], e["message"])
        if errors:
            raise ProblemError(
                "validation_error",
                _("Địa chỉ nhận kết quả qua bưu chính chưa hợp lệ."),
                extra={
                    "errors": [
                        {"path": f"{prefix}{name}", "message": errors[name]}
                        for name in ADDRESS_LIMITS
                        if name in errors
                    ]
                },
            )
        return cleaned

    def as_dict(self) -> dict[str, str]:
        return {
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "address": self.address,
            "province": self.province,
        }


@dataclass(frozen=True)
class ReturnChoice:
    """The applicant's choice: a key of ``CHOICES`` and, for the post, the address."""

    method: str
    address: Address | None = None

    def fields(self) -> dict[str, Any]:
        """The dossier's columns holding the choice (the phone encrypted, as every phone number)."""
        a = self.address if self.method == "postal" else None
        return {
            "return_method": self.method,
            "return_contact_name": a.contact_name if a else None,
            "return_phone_ciphertext": crypto.encrypt(a.contact_phone) if a else None,
            "return_address": a.address if a else None,
            "return_province": a.province if a else None,
        }


def choice_clean(*, procedure, method: Any, address: Address | dict | None = None) -> ReturnChoice:
    """The applicant's choice checked against ``procedure``: one of ``CHOICES``; online only where the
    procedure's level offers it (level 4, Regulation Art. 2.13; 422 ``not_offered_at_level``); by post
    with a complete address (``Address.checked``). The address is kept only for the post. Raises
    ``ProblemError`` 422 with the paths ``return_method`` and ``return_address.<part>``."""
    key = method.strip() if isinstance(method, str) else ""
    if key not in CHOICES:
        message = (
            _("Chọn một hình thức nhận kết quả của thủ tục này: %(ways)s.")
            % {"ways": offered_ways(procedure=procedure)}
            if key
            else _("Hãy chọn hình thức nhận kết quả.")
        )
        raise ProblemError(
            "validation_error",
            _("Hình thức nhận kết quả không hợp lệ."),
            extra={"errors": [{"path": "return_method", "message": message}]},
        )
    if key == "online" and not procedure_offer(procedure=procedure).online_return:
        problem = not_offered(procedure=procedure, what=_("nhận kết quả trực tuyến"))
        problem.extra["errors"] = [
            {
                "path": "return_method",
                "message": _(
                    "Thủ tục này không trả kết quả trực tuyến: chọn nhận tại bộ phận một cửa hoặc "
                    "qua bưu chính."
                ),
            }
        ]
        raise problem
    if key != "postal":
        return ReturnChoice(key)
    if isinstance(address, dict):
        address = Address(
            *(address.get(k) if isinstance(address.get(k), str) else "" for k in ADDRESS_LIMITS)
        )
    elif not isinstance(address, Address):
        address = None
    return ReturnChoice(key, (address or Address("", "", "", "")).checked(prefix="return_address."))


def chosen_method(dossier) -> str | None:
    """The applicant's own choice for ``dossier``, or None (the result goes back the way it was filed)."""
    method = getattr(dossier, "return_method", None)
    return method if method in CHOICES else None


def chosen_address(dossier) -> Address | None:
    """The address the applicant chose to receive the result at by post, or None."""
    if chosen_method(dossier) != "postal" or not dossier.return_address:
        return None
    return Address(
        dossier.return_contact_name or "",
        crypto.decrypt(dossier.return_phone_ciphertext) if dossier.return_phone_ciphertext else "",
        dossier.return_address or "",
        dossier.return_province or "",
    )


def same_choice(dossier, choice: ReturnChoice) -> bool:
    """Whether ``choice`` is what ``dossier`` already holds (method and, by post, every part of the
    address)."""
    return chosen_method(dossier) == choice.method and chosen_address(dossier) == (
        choice.address if choice.method == "postal" else None
    )


def applicant_address(applicant) -> Address:
    """The applicant's own address for a postal return, to propose: their name, phone, current address
    or else permanent address from their profile, and its province (the portal's by default)."""
    profile = getattr(applicant, "profile", None)
    street, province = "", ""
    if profile is not None:
        for kind in ("current", "permanent"):
            parts = (
                getattr(profile, f"{kind}_street"),
                ward_name(getattr(profile, f"{kind}_ward_code"))
                or getattr(profile, f"{kind}_legacy_ward"),
                getattr(profile, f"{kind}_legacy_district"),
            )
            if any(parts):
                street = ", ".join(p for p in parts if p)
                province = province_name(getattr(profile, f"{kind}_province_code"))
                break
    return Address(
        applicant.full_name or "",
        applicant.phone or "",
        street,
        province or settings.PROVINCE_NAME,
    )


def handed_over(dossier) -> str:
    """What already carries the result of ``dossier`` to the applicant (``ReturnMethod.handed_over``),
    or ``""``."""
    for method in METHODS.values():
        found = method.handed_over(dossier=dossier)
        if found:
            return found
    return ""


def choice_refusal(dossier) -> ProblemError | None:
    """Why the applicant can no longer change how they receive the result of ``dossier`` (409), or
    None: the result was returned (or the dossier ended without one), or it is on its way by post."""
    if dossier.status not in CHOICE_STATES:
        if dossier.status == State.RETURNED:
            message = _("Kết quả của hồ sơ đã được trả; không thay đổi được hình thức nhận kết quả.")
        else:
            message = _("Hồ sơ đã kết thúc; không thay đổi được hình thức nhận kết quả.")
        return ProblemError("conflict", message, status=409, extra={"state": dossier.status})
    if dossier.status == State.RESULT_READY:
        carrier = handed_over(dossier)
        if carrier:
            return ProblemError(
                "conflict",
                _(
                    "Kết quả đã được giao cho bưu điện (%(what)s); không thay đổi được hình thức "
                    "nhận kết quả."
                )
                % {"what": carrier},
                status=409,
                extra={"state": dossier.status},
            )
    return None


def choice_offer(*, procedure) -> dict[str, Any]:
    """What the applicant is told about the choices for ``procedure``: the keys offered (online only
    from level 4), the postal fee (``POSTAL_RETURN_FEE_VND``, collected when the result is delivered)
    and the postal delivery times inside and outside the province (0: no deadline)."""
    online = procedure_offer(procedure=procedure).online_return
    return {
        "keys": [k for k in CHOICES if online or k != "online"],
        "postal_fee": format_vnd(settings.POSTAL_RETURN_FEE_VND),
        "hours_inside": int(settings.POSTAL_RETURN_HOURS),
        "hours_outside": int(settings.POSTAL_OUTSIDE_RETURN_HOURS),
        "province": settings.PROVINCE_NAME,
    }


def on_choose_return(dossier, inputs, *, now, role, actor) -> Outcome:
    """Handler of ``choose_return``: the applicant's new choice (``choice_clean``) replaces the one on
    the dossier, unless the result is already on its way by post (409). The history keeps the method
    and, for the post, the address (not the phone); the audit entry the change."""
    refused = choice_refusal(dossier)
    if refused is not None:
        raise refused
    choice = choice_clean(
        procedure=dossier.procedure,
        method=inputs.get("return_method"),
        address=inputs.get("return_address"),
    )
    before = chosen_method(dossier) or ""
    data: dict[str, Any] = {"return_method": choice.method}
    if choice.address is not None:
        data["return_address"] = f"{choice.address.address}, {choice.address.province}"
    audit = {"return_method": [before, choice.method]}
    if choice.address is not None:
        audit["return_province"] = choice.address.province
    return Outcome(choice.fields(), data, audit=audit)
