"""A linked dossier received by the one-stop office opens its parts (after the intake commits)."""

from __future__ import annotations

from django.dispatch import receiver

from opendvc.dossiers.lifecycle import Action
from opendvc.dossiers.signals import dossier_acted


@receiver(dossier_acted)
def _open_parts(sender, instance, action, **kwargs) -> None:
    if action != Action.RECEIVE:
        return
    from .services import dossier_start_linked

    dossier_start_linked(dossier=instance)
