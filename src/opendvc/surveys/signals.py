"""Invite the applicant to the survey when a dossier is returned.

Listens to the dossier's domain signal (``dossiers.signals.dossier_acted``, sent once the action's
transaction commits) for an action that leads to ``returned``; ``survey_invite`` is idempotent."""

from __future__ import annotations

from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.signals import dossier_acted

from .services import survey_invite


def _on_dossier_acted(sender, instance, to_state, **kwargs) -> None:
    if to_state == State.RETURNED and instance.code:
        survey_invite(dossier=instance)


def connect() -> None:
    dossier_acted.connect(_on_dossier_acted, dispatch_uid="surveys.invite_on_return")
