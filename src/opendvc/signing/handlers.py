"""Documents are signed inside the action that issues them (``acted_in_transaction``): a refused
certificate or an unreachable time-stamping authority rolls the action back, so no unsigned result is
ever issued by an agency that signs.

* approval (``approve``): every result document of the dossier is signed with the receiving agency's
  certificate (the rendered result and the files the leader uploaded);
* any other action issuing documents (receipt, notices, payment receipt, delivery record…): sealed
  with the system's seal certificate when one is configured (``SIGNING_SEAL_PKCS12``).
"""

from __future__ import annotations

from django.dispatch import receiver

from opendvc.core.statemachine import acted_in_transaction

from . import services


@receiver(acted_in_transaction, dispatch_uid="signing.sign_issued_documents")
def sign_issued_documents(sender, domain, instance, action, event, documents=(), **kwargs) -> None:
    if domain != "dossier":
        return
    from opendvc.dossiers.lifecycle import Action, Document
    from opendvc.dossiers.models import DossierDocument

    if action == Action.APPROVE:
        # The results are the files the leader attached (not issued by the action's row).
        results = list(
            DossierDocument.objects.filter(
                dossier=instance, signature__isnull=True, kind=Document.RESULT
            ).select_related("dossier")
        )
        credential = (
            services.credential_for_agency(agency=instance.receiving_agency) if results else None
        )
        for doc in results if credential is not None else ():
            services.document_sign(document=doc, credential=credential)
    others = [d for d in documents if d.kind != Document.RESULT]
    seal = services.credential_seal() if others else None
    for doc in others if seal is not None else ():
        services.document_sign(document=doc, credential=seal)
