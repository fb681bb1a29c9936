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
def sign_issued_documents(sender, domain, instance, action, event, **kwargs) -> None:
    if domain != "dossier":
        return
    from opendvc.dossiers.lifecycle import Action, Document
    from opendvc.dossiers.models import DossierDocument

    unsigned = DossierDocument.objects.filter(
        dossier=instance, signature__isnull=True
    ).select_related("dossier")
    if action == Action.APPROVE:
        results = list(unsigned.filter(kind=Document.RESULT))
        credential = (
            services.credential_for_agency(agency=instance.receiving_agency) if results else None
        )
        for doc in results if credential is not None else ():
            services.document_sign(document=doc, credential=credential)
    if event is None:
        return
    others = list(unsigned.filter(event=event).exclude(kind=Document.RESULT))
    seal = services.credential_seal() if others else None
    for doc in others if seal is not None else ():
        services.document_sign(document=doc, credential=seal)
