"""A dossier collected by post gets its result back by post: when it is approved, the return leg opens
at the pickup's address with the 24-hour clock started at the approval (Regulation Art. 15.2)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from opendvc.core.problems import ProblemError
from opendvc.dossiers.signals import dossier_acted

logger = logging.getLogger(__name__)


@receiver(dossier_acted, dispatch_uid="postal.open_return_after_approval")
def open_return_after_approval(sender, instance, action, event=None, **kwargs):
    from opendvc.dossiers.lifecycle import Action

    if action != Action.APPROVE:
        return
    from .services import Address, open_return, received_pickup, return_open

    if open_return(instance) is not None:  # already handed over (the office did it, or a demo seed)
        return
    pickup = received_pickup(instance)
    if pickup is None:
        return
    address = Address(pickup.contact_name, pickup.contact_phone, pickup.address, pickup.province)
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
