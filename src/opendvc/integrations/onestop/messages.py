"""The dossier sent to the province's one-stop software when an agency that processes there
(``Agency.processing_backend = onestop``) receives it: form data (kept encrypted in the outbox, as on
the dossier), the files (links signed when sent, valid ``ONESTOP_FILE_URL_SECONDS``) and the fees;
dates in ISO 8601, Vietnam time (+07:00)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from opendvc.accounts import crypto
from opendvc.agencies.models import Agency
from opendvc.catalog.fees import amount_on, fee_items_in_force
from opendvc.dossiers.lifecycle import Action
from opendvc.dossiers.payments import filed_on

from ..outbox import outbox_enqueue

DESTINATION = "onestop"
KIND = "onestop.TiepNhanHoSo"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def onestop_date(value: datetime | None) -> str | None:
    """ISO 8601 in Vietnam time (``2026-12-04T15:30:00+07:00``), as the software shows and files it;
    ``None`` when there is no date."""
    return timezone.localtime(value, VIETNAM).isoformat() if value is not None else None


def onestop_messages_for(
    *, dossier, action: str, from_state: str, to_state: str, system: bool
) -> list:
    if (
        action != Action.RECEIVE
        or dossier.receiving_agency.processing_backend != Agency.Backend.ONESTOP
    ):
        return []
    procedure = dossier.procedure
    # The items in force on the dossier's filing day, at the amount charged that day (a reduced rate
    # included; None = the source states no amount), as ``dossiers.payments.compute_fees`` prices them.
    day = filed_on(dossier)
    payload = {
        "dossier": dossier.code,
        "public_id": str(dossier.public_id),
        "procedure": procedure.code,
        "procedure_name": procedure.name,
        "agency": dossier.receiving_agency.code,
        "channel": dossier.channel,
        "received_at": onestop_date(dossier.received_at),
        "due_at": onestop_date(dossier.due_at),
        "applicant": dossier.applicant.full_name,
        "form_data_ciphertext": crypto.encrypt(
            json.dumps(dossier.form_data or {}, ensure_ascii=False)
        ),
        "files": [
            {
                "id": f.pk,
                "name": f.original_name,
                "component": f.component_name,
                "sha256": f.sha256,
                "size": f.size,
                "content_type": f.content_type,
            }
            for f in dossier.files.all()
        ],
        "fees": [
            {"name": item.name, "amount_vnd": amount_on(item, day), "per": item.per}
            for item in fee_items_in_force(procedure.fee_items.all(), day)
        ],
    }
    return [
        outbox_enqueue(
            kind=KIND,
            payload=payload,
            destinations=[DESTINATION],
            ordering_key=f"dossier:{dossier.pk}",
        )
    ]
