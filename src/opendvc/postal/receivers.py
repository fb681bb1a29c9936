"""A result that goes back by post leaves on its own: when a dossier whose result goes back by post is
approved — the applicant chose the post (Regulation Art. 6.4; QĐ 45/2016/QĐ-TTg), or, without a choice,
the post collected the dossier — the return leg opens at the applicant's chosen address (else the
pickup's) with the 24-hour clock started at the approval (Regulation Art. 15.2). An applicant who
chooses the post once the result is ready gets the leg opened then, with the clock started at their
choice."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from opendvc.core.problems import ProblemError
from opendvc.dossiers.lifecycle import Action, State
from opendvc.dossiers.returns import return_method_default
from opendvc.dossiers.signals import dossier_acted

from .services import (
    Address,
    open_return,
    received_pickup,
    return_address_default,
    return_open,
)

logger = logging.getLogger(__name__)


def _address(dossier) -> Address | None:
    """Where the result goes back by post: the applicant's choice, else the pickup's address; None when
    neither is known (the one-stop office then hands the result over at ``/mot-cua/buu-chinh/``)."""
    if dossier.return_method == "postal" or received_pickup(dossier) is not None:
        return return_address_default(dossier)
    return None


@receiver(dossier_acted, dispatch_uid="postal.open_return_after_approval")
def open_return_after_approval(sender, instance, action, event=None, **kwargs):
    if action == Action.CHOOSE_RETURN and instance.status != State.RESULT_READY:
        return
    if action not in (Action.APPROVE, Action.CHOOSE_RETURN):
        return
    if return_method_default(dossier=instance) != "postal":
        return
    if open_return(instance) is not None:  # already handed over (the office did it, or a demo seed)
        return
    address = _address(instance)
    if address is None:
        return
    try:
        return_open(
            dossier=instance,
            actor=None,
            address=address,
            system=True,
            ready_at=event.at if event is not None else None,
        )
    except ProblemError as exc:
        logger.warning("postal return of %s not opened: %s", instance.code, exc)
