"""Import of feedback items from the government's feedback systems for citizens
(nguoidan.chinhphu.vn) and for businesses (doanhnghiep.chinhphu.vn), two channels of Regulation
Art. 7.2, from their export (JSON or xlsx). Idempotent by the portal's id: importing the same file
twice changes nothing.

Fields (one object per item in JSON, one column per field in the xlsx header row):
``MaPAKN`` (the portal's id, required), ``TieuDe``, ``NoiDung`` (required), ``HoTen``,
``SoDienThoai``, ``Email``, ``DiaChi``, ``NgayGui`` (``yyyyMMddHHmmss``, Asia/Ho_Chi_Minh),
``LoaiPAKN`` (1 phản ánh, 2 kiến nghị, 3 hỏi đáp), ``MaCoQuan`` (QCVN 102 agency code, suggested
agency), ``MaTTHC`` (procedure code), ``MaHoSo`` (dossier code), ``CongKhai`` (1 = consent to publish),
``LoaiDoiTuong`` (1 công dân → nguoidan.chinhphu.vn, 2 tổ chức, doanh nghiệp → doanhnghiep.chinhphu.vn;
the citizens' system when absent).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction

from opendvc.agencies.models import Agency
from opendvc.catalog.models import Procedure
from opendvc.core.problems import ProblemError

from .models import Channel, Feedback, Kind
from .services import feedback_create

VN = ZoneInfo("Asia/Ho_Chi_Minh")
KINDS = {"1": Kind.COMPLAINT, "2": Kind.PROPOSAL, "3": Kind.QUESTION}
PREFIX = "dvcqg:"
# LoaiDoiTuong → the system the item came through (Art. 7.2 lists them as two channels).
SENDER_CHANNELS = {"1": Channel.CITIZEN_PORTAL, "2": Channel.BUSINESS_PORTAL}


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_records(*, content: bytes, filename: str) -> list[dict]:
    """The records of an export file; raises ValueError with a Vietnamese message."""
    if filename.lower().endswith(".xlsx"):
        # Imported on first use: only the import of the national portal's workbook needs openpyxl.
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise ValueError("Không đọc được tệp Excel.") from exc
        rows = wb.active.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, [])]
        return [
            dict(zip(header, row, strict=False))
            for row in rows
            if any(v not in (None, "") for v in row)
        ]
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("Tệp không phải JSON hợp lệ (UTF-8).") from exc
    if isinstance(data, dict):
        data = data.get("data") or data.get("items") or []
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValueError("Tệp JSON phải là một danh sách các phản ánh.")
    return data


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    return "" if value is None else str(value).strip()


def _instant(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=VN)
    try:
        return dt.datetime.strptime(str(value).strip(), "%Y%m%d%H%M%S").replace(tzinfo=VN)
    except ValueError as exc:
        raise ValueError(f"NgayGui “{value}” không đúng dạng yyyyMMddHHmmss.") from exc


def import_records(records: list[dict]) -> ImportReport:
    """Create the items not yet imported; each record in its own transaction, errors collected."""
    report = ImportReport()
    for index, record in enumerate(records, start=1):
        portal_id = _text(record, "MaPAKN")
        if not portal_id:
            report.errors.append((index, "Thiếu MaPAKN."))
            continue
        external_id = PREFIX + portal_id[:180]
        if Feedback.objects.filter(external_id=external_id).exists():
            report.unchanged += 1
            continue
        try:
            with transaction.atomic():
                agency_code, procedure_code = _text(record, "MaCoQuan"), _text(record, "MaTTHC")
                channel = SENDER_CHANNELS.get(_text(record, "LoaiDoiTuong"), Channel.CITIZEN_PORTAL)
                feedback_create(
                    channel=channel,
                    kind=KINDS.get(_text(record, "LoaiPAKN"), Kind.COMPLAINT),
                    subject=(_text(record, "TieuDe") or _text(record, "NoiDung")[:120])[:300],
                    content=_text(record, "NoiDung"),
                    sender_name=_text(record, "HoTen") or f"Người gửi qua {Channel(channel).label}",
                    sender_phone=_text(record, "SoDienThoai"),
                    sender_email=_text(record, "Email"),
                    sender_address=_text(record, "DiaChi"),
                    suggested_agency=Agency.objects.filter(code=agency_code).first()
                    if agency_code
                    else None,
                    procedure=Procedure.objects.filter(code=procedure_code).first()
                    if procedure_code
                    else None,
                    dossier_code=_text(record, "MaHoSo"),
                    consent_publish=_text(record, "CongKhai") in {"1", "true", "True"},
                    external_id=external_id,
                    created_at=_instant(record.get("NgayGui")),
                )
                report.created += 1
        except ProblemError as exc:
            report.errors.append((index, f"{portal_id}: {exc.detail}"))
        except ValueError as exc:
            report.errors.append((index, f"{portal_id}: {exc}"))
    return report
