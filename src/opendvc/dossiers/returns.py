"""How a result reaches the applicant (Regulation Art. 6.4: online, in person or by post).

Each delivery method is a ``ReturnMethod`` in ``METHODS``; ``return_result`` looks the method up and
calls its ``clean`` to get the delivery record. Postal delivery is added by registering one more method
(with the postal operator's inputs) — the transition and its callers stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.catalog.selectors import not_offered, procedure_offer
from opendvc.core.problems import ProblemError


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


@dataclass(frozen=True)
class CounterReturn(ReturnMethod):
    """Handed over at the one-stop office: to whom (the applicant by default) and on which identity
    document."""

    def clean(self, *, dossier, inputs, role):
        recipient = (inputs.get("recipient") or "").strip() or (dossier.applicant.full_name or "")
        if not recipient:
            raise ProblemError(
                "validation_error",
                _("Nhập họ tên người nhận kết quả."),
                extra={"errors": [{"path": "recipient", "message": _("Nhập họ tên người nhận.")}]},
            )
        return {
            "delivered_to": recipient[:200],
            "identity_document": (inputs.get("identity_document") or "")[:100],
        }


@dataclass(frozen=True)
class PostalReturn(ReturnMethod):
    """Delivered by the postal service: the postal operator records to whom it was delivered."""

    def clean(self, *, dossier, inputs, role):
        recipient = (inputs.get("recipient") or "").strip() or (dossier.applicant.full_name or "")
        return {
            "delivered_to": recipient[:200],
            "identity_document": (inputs.get("identity_document") or "")[:100],
        }


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


# The applicant chooses how to deal with the agency when filing (Regulation Art. 6.4: online, in person or
# by post); the dossier's channel records that choice, and the result goes back the same way.
CHANNEL_RETURN = {
    "online": "online",
    "national_portal": "online",
    "counter": "counter",
    "postal": "postal",
}


def return_method_default(*, dossier) -> str:
    """The return method proposed to the one-stop office for ``dossier``: the one matching the way the
    applicant filed (online → online, at the counter → counter, by post → postal), among those the
    procedure's service level offers (a level-3 dossier filed online gets its result at the counter)."""
    offered = [m.key for m in methods_offered(procedure=dossier.procedure)]
    key = CHANNEL_RETURN.get(dossier.channel, "counter")
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
                        "message": _("Chọn một hình thức trả kết quả: %(k)s.")
                        % {"k": ", ".join(METHODS)},
                    }
                ]
            },
        )
    if role not in method.roles:
        raise ProblemError(
            "permission_denied", _("Bạn không thể trả kết quả theo hình thức này."), status=403
        )
    return method
