"""Identifiers inside a dossier's form data, and who read a dossier (Regulation Art. 4.4, 13.3;
Personal Data Protection Law 91/2025/QH15: encrypt identifiers at rest, mask them on screens, log
who read them).

- Which values are identifiers and how they are sealed at rest is the e-forms' rule
  (``opendvc.eforms.sealing``); ``Dossier.form_data`` decrypts on read, so code that needs the value
  (receipts, sync, the applicant's own pages) sees it as typed.
- Staff screens call ``form_data_for_staff``: identifiers masked (``075******234``) unless the
  officer asks to see them with a reason, which is logged and audited; every staff read of a dossier
  is a ``DossierAccess`` row the applicant finds in their personal data export.
"""

from __future__ import annotations

from copy import deepcopy

from opendvc.accounts import crypto
from opendvc.audit.services import audit_record
from opendvc.core.ratelimit import client_address
from opendvc.eforms.sealing import (  # noqa: F401 - the sealing rules are the e-forms'
    ENC,
    IDENTIFIER_KEYS,
    IDENTIFIER_KINDS,
    form_data_mask,
    form_data_open,
    form_data_seal,
    identifier_keys,
    reseal_rows,
)

from .lifecycle import State
from .models import Dossier, DossierAccess


def form_data_reseal_all(*, batch_size: int = 500, progress=None) -> int:
    """Re-encrypt the identifiers of every dossier with the newest key (key rotation) and seal any
    still stored in clear. Returns the number of dossiers rewritten."""
    return reseal_rows(
        Dossier.objects.all(), "form_data", batch_size=batch_size, progress=progress
    )


def form_data_for_staff(
    *, dossier, user, reveal: bool = False, reason: str = "", request=None
) -> dict:
    """The dossier's form data as staff see it: masked by default; unmasked when ``reveal`` with a
    reason (logged as a ``reveal`` access and audited). Side effects only when revealing."""
    if not reveal:
        return form_data_mask(dossier.form_data, form_version_id=dossier.form_version_id)

    dossier_access_record(
        dossier=dossier,
        user=user,
        action=DossierAccess.Action.REVEAL,
        reason=reason,
        request=request,
    )
    audit_record(
        actor=user,
        action="dossier.reveal_identifiers",
        target=dossier,
        changes={"reason": reason},
        request=request,
    )
    return deepcopy(dossier.form_data or {})


def dossier_access_record(*, dossier, user, action: str = "read", reason: str = "", request=None):
    """One row of the access log: who read which dossier, when, how (page, API, revealed identifiers).
    Reads by the applicant themselves are not logged (it is their own data)."""
    if user is None or not getattr(user, "pk", None) or user.pk == dossier.applicant_id:
        return None
    return DossierAccess.objects.create(
        dossier=dossier,
        user=user,
        action=action,
        reason=reason[:300],
        ip_address=client_address(request),
    )


def dossier_reads_of(*, applicant) -> list[dict]:
    """The access log of the applicant's dossiers, for their personal data export."""
    rows = DossierAccess.objects.filter(dossier__applicant=applicant).select_related(
        "user", "dossier"
    )
    return [
        {
            "dossier": a.dossier.code or str(a.dossier.public_id),
            "at": a.at.isoformat(),
            "by": a.user.full_name or str(a.user.public_id),
            "action": a.action,
            "reason": a.reason,
        }
        for a in rows.order_by("at", "id")
    ]


def dossiers_of(*, applicant) -> list[dict]:
    """The dossiers the person filed (drafts included, deleted drafts left out), with what they typed
    in them as they typed it (identifiers in clear: it is their own data), how they asked for the
    result and the files they attached, for their personal data export (Decree 13/2023/NĐ-CP,
    Art. 9: the data subject obtains the personal data held about them)."""
    rows = (
        Dossier.objects.filter(applicant=applicant)
        .exclude(status=State.DELETED)
        .select_related("procedure", "receiving_agency", "acting_for")
        .prefetch_related("files")
        .order_by("created_at", "id")
    )

    def at(value):
        return value.isoformat() if value else None

    return [
        {
            "code": d.code,
            "public_id": str(d.public_id),
            "procedure": d.procedure.code,
            "procedure_name": d.procedure.name,
            "agency": d.receiving_agency.code,
            "acting_for": d.acting_for.tax_code if d.acting_for_id else None,
            "status": d.status,
            "created_at": at(d.created_at),
            "submitted_at": at(d.submitted_at),
            "finished_at": at(d.finished_at),
            "form_data": deepcopy(d.form_data or {}),
            "return_method": d.return_method,
            "return_contact_name": d.return_contact_name,
            "return_phone": crypto.decrypt(d.return_phone_ciphertext)
            if d.return_phone_ciphertext
            else None,
            "return_address": d.return_address,
            "files": [
                {"name": f.original_name, "component": f.component_name, "size": f.size}
                for f in d.files.all()
            ],
        }
        for d in rows
    ]
