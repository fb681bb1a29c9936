"""The messages the national portal tracks, built inside the dossier action's transaction.

Each dossier action after filing produces, for the destination ``national``:

- on a change of state, ``DongBoHoSoMC`` (the dossier upsert; ``isUpdating`` false the first time,
  when the dossier is filed);
- for every action on a filed dossier, ``CapNhatTienDoHoSoMC`` (who did what, when, in which office).

Both go with the dossier as ordering key, so a progress update never overtakes the dossier it updates.
The payload keeps our own state and channel; the client turns them into the national codes with the
mapping table when it sends (a fixed table applies to the messages waiting).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from opendvc.catalog.fees import amount_on, fee_items_in_force
from opendvc.dossiers.lifecycle import Action, Document, Role, State
from opendvc.dossiers.payments import filed_on

from ..outbox import outbox_enqueue
from .mapping import PRIVATE_STATES

DESTINATION = "national"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SYNC = "national.DongBoHoSoMC"
PROGRESS = "national.CapNhatTienDoHoSoMC"


def national_date(value: datetime | None) -> str:
    """``yyyyMMddHHmmss`` in Vietnam time; empty when there is no date."""
    if value is None:
        return ""
    return timezone.localtime(value, VIETNAM).strftime("%Y%m%d%H%M%S")


def ordering_key(dossier) -> str:
    return f"dossier:{dossier.pk}"


def dossier_document(dossier, *, state: str) -> dict[str, Any]:
    """The DongBoHoSoMC fields of ``dossier`` (``TrangThaiHoSo`` and ``HinhThuc`` are filled in by the
    client from the mapping table)."""
    procedure = dossier.procedure
    field = procedure.field
    applicant = dossier.applicant
    organisation = dossier.acting_for
    results = [
        {
            "TenGiayTo": doc.get_kind_display(),
            "MaThanhPhanHoSo": doc.kind,
            "NgayBanHanh": national_date(doc.created_at),
        }
        for doc in dossier.documents.all()
        if doc.kind == Document.RESULT
    ]
    # The fees of this dossier: the items in force on its filing day, at the amount charged that day (a
    # reduced rate included), as the dossier's fees are computed (``dossiers.payments.compute_fees``).
    # An item whose period ended, or had not begun, that day is not the dossier's fee. An item whose
    # amount the source does not state is sent without one (null), as to the one-stop software: 0
    # would say the service is free.
    day = filed_on(dossier)
    fees = [
        {"TenPhiLePhi": item.name, "SoTien": amount_on(item, day), "DonViTinh": item.per}
        for item in fee_items_in_force(procedure.fee_items.all(), day)
    ]
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": procedure.code,
        "TenTTHC": procedure.name,
        "MaLinhVuc": field.code,
        "TenLinhVuc": field.name,
        "ChuHoSo": organisation.name if organisation else applicant.full_name,
        "LoaiDoiTuong": 2 if organisation else 1,
        "MaDoiTuong": organisation.tax_code if organisation else "",
        "Email": applicant.email or "",
        "SoDienThoai": applicant.phone or "",
        "TrichYeuHoSo": procedure.name[:500],
        "NgayTiepNhan": national_date(dossier.received_at or dossier.submitted_at),
        "NgayHenTra": national_date(dossier.appointment_at or dossier.due_at),
        "NgayTra": national_date(dossier.finished_at) if state == State.RETURNED else "",
        "DonViXuLy": dossier.receiving_agency.code,
        "TenDonViXuLy": dossier.receiving_agency.name,
        "TaiLieuNop": [
            {"TenTepDinhKem": f.original_name, "TenThanhPhanHoSo": f.component_name}
            for f in dossier.files.all()
        ],
        "DanhSachGiayToKetQua": results,
        "DanhSachLePhi": fees,
    }


def progress_document(dossier, *, action: str, actor, system: bool, event) -> dict[str, Any]:
    at = getattr(event, "at", None) or timezone.now()
    role = getattr(event, "actor_role", "") or (Role.SYSTEM if system else "")
    try:
        content = Action(action).label
    except ValueError:
        content = action
    note = getattr(event, "note", "")
    return {
        "MaHoSo": dossier.code,
        "NguoiXuLy": (
            getattr(actor, "full_name", "") or getattr(event, "actor_label", "") or "Hệ thống"
        )[:200],
        "ChucDanh": str(Role(role).label) if role in Role.values else role,
        "ThoiDiemXuLy": national_date(at),
        "PhongBanXuLy": dossier.receiving_agency.name,
        "NoiDungXuLy": f"{content}{': ' + note if note else ''}"[:2000],
        "NgayBatDau": national_date(dossier.received_at or dossier.submitted_at),
        "NgayKetThucTheoQuyDinh": national_date(dossier.due_at),
    }


def national_messages_for(
    *, dossier, action: str, from_state: str, to_state: str, actor, system: bool, event
) -> list[Any]:
    """Write the national messages of one dossier action (inside its transaction)."""
    if to_state in PRIVATE_STATES or not dossier.code:
        return []
    key = ordering_key(dossier)
    written = []
    if to_state != from_state:
        first = action == Action.SUBMIT
        written.append(
            outbox_enqueue(
                kind=SYNC,
                destinations=[DESTINATION],
                ordering_key=key,
                payload={
                    "isUpdating": not first,
                    "state": to_state,
                    "channel": dossier.channel,
                    "data": dossier_document(dossier, state=to_state),
                },
            )
        )
    if action != Action.SUBMIT:
        written.append(
            outbox_enqueue(
                kind=PROGRESS,
                destinations=[DESTINATION],
                ordering_key=key,
                payload={
                    "state": to_state,
                    "data": progress_document(
                        dossier, action=action, actor=actor, system=system, event=event
                    ),
                },
            )
        )
    return written
