"""Invite the applicant to the survey when a dossier is saved in the ``returned`` state.

Every dossier transition saves the dossier, so listening to its save catches the moment it is
returned; ``survey_invite`` is idempotent, so later saves of a returned dossier change nothing."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_save

RETURNED = "returned"


def _on_dossier_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or getattr(instance, "status", None) != RETURNED or not getattr(instance, "code", None):
        return
    from .services import survey_invite

    pk = instance.pk
    transaction.on_commit(lambda: survey_invite(dossier=sender.objects.get(pk=pk)))


def connect() -> None:
    try:
        dossier = apps.get_model("dossiers", "Dossier")
    except LookupError:
        return
    post_save.connect(_on_dossier_saved, sender=dossier, dispatch_uid="surveys.invite_on_return")
