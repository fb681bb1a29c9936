"""Documents are signed when their PDF is made (``dossiers.signals.documents_rendered``), in the
transaction that stores it: a refused certificate or an unreachable time-stamping authority leaves the
document unrendered (retried) — or rolls the action back when it is made inside the action — so no
unsigned result is ever issued by an agency that signs.

* approval (``approve``): every result document of the dossier is signed with the receiving agency's
  certificate (the rendered result and the files the leader uploaded); the certificate is checked
  inside the approval already (expired, not yet valid, revoked, not under a pinned root: 409), so the
  leader learns of a refused certificate at once, not from a document that never comes;
* any other document (receipt, notices, payment receipt, delivery record…): sealed with the system's
  seal certificate when one is configured (``SIGNING_SEAL_PKCS12``).
"""

from __future__ import annotations

from django.dispatch import receiver

from opendvc.core.statemachine import acted_in_transaction
from opendvc.dossiers.signals import documents_rendered

from . import services


@receiver(acted_in_transaction, dispatch_uid="signing.check_approval_certificate")
def check_approval_certificate(sender, domain, instance, action, **kwargs) -> None:
    from opendvc.dossiers.lifecycle import Action

    if domain != "dossier" or action != Action.APPROVE:
        return
    credential = services.credential_for_agency(agency=instance.receiving_agency)
    if credential is not None:
        services.credential_check(credential)


@receiver(documents_rendered, dispatch_uid="signing.sign_rendered_documents")
def sign_rendered_documents(sender, dossier, action, documents=(), **kwargs) -> None:
    from opendvc.dossiers.lifecycle import Action, Document
    from opendvc.dossiers.models import DossierDocument

    results = [d for d in documents if d.kind == Document.RESULT]
    if action == Action.APPROVE:
        # The results are also the files the leader attached (not rendered by the action).
        results = list(
            DossierDocument.objects.filter(
                dossier=dossier, signature__isnull=True, kind=Document.RESULT
            )
            .exclude(file="")
            .select_related("dossier")
        )
    credential = (
        services.credential_for_agency(agency=dossier.receiving_agency) if results else None
    )
    for doc in results if credential is not None else ():
        services.document_sign(document=doc, credential=credential)
    others = [d for d in documents if d.kind != Document.RESULT]
    seal = services.credential_seal() if others else None
    for doc in others if seal is not None else ():
        services.document_sign(document=doc, credential=seal)
