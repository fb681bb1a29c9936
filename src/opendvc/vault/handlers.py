"""Issued documents go to the applicant's store once their PDF is made (and signed); when an approval's
result is made, the result is issued to the citizen (``services.result_issue``: filed in their store,
and returned online when it goes back online)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import receiver

from opendvc.accounts.events import account_closed
from opendvc.dossiers.signals import documents_rendered, dossier_acted

from . import services

logger = logging.getLogger(__name__)


@receiver(documents_rendered, dispatch_uid="vault.file_rendered_documents")
def file_rendered_documents(sender, dossier, action, documents=(), **kwargs) -> None:
    from opendvc.dossiers.lifecycle import Action

    for doc in documents:
        if doc.kind != "result":
            services.document_file(dossier_document=doc)
    if action == Action.APPROVE:
        transaction.on_commit(lambda: _issue(dossier))


@receiver(dossier_acted, dispatch_uid="vault.issue_result")
def issue_result(sender, instance, action, **kwargs) -> None:
    from opendvc.dossiers.lifecycle import Action

    # At the approval; and when the applicant, whose result waits for them, chooses to receive it
    # online after all (``result_issue`` does nothing for a result that goes back another way).
    if action in (Action.APPROVE, Action.CHOOSE_RETURN):
        _issue(instance)


def _issue(dossier) -> None:
    # Issued once every result document is made: whichever of the approval's commit and the
    # rendering of its result comes last issues it (``result_issue`` waits for pending documents).
    try:
        services.result_issue(dossier=dossier)
    except Exception:  # noqa: BLE001 - the approval has committed; results_issue_pending catches up
        logger.exception("result of dossier %s not issued yet", dossier.pk)


@receiver(account_closed, dispatch_uid="vault.end_shares_of_closed_account")
def end_shares_of_closed_account(sender, user, actor=None, request=None, **kwargs) -> None:
    services.shares_end_for_closed_account(owner=user, actor=actor, request=request)
