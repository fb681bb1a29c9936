"""Issued documents go to the applicant's store in the action that issues them; when an approval
commits, the result is issued to the citizen (``services.result_issue``: online return)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from opendvc.core.statemachine import acted_in_transaction
from opendvc.dossiers.signals import dossier_acted

from . import services

logger = logging.getLogger(__name__)


@receiver(acted_in_transaction, dispatch_uid="vault.file_issued_documents")
def file_issued_documents(sender, domain, instance, action, event, documents=(), **kwargs) -> None:
    if domain != "dossier":
        return
    for doc in documents:
        if doc.kind != "result":
            services.document_file(dossier_document=doc)


@receiver(dossier_acted, dispatch_uid="vault.issue_result")
def issue_result(sender, instance, action, **kwargs) -> None:
    from opendvc.dossiers.lifecycle import Action

    if action != Action.APPROVE:
        return
    try:
        services.result_issue(dossier=instance)
    except Exception:  # noqa: BLE001 - the approval has committed; results_issue_pending catches up
        logger.exception("result of dossier %s not issued yet", instance.pk)
