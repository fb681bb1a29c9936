"""Reading and writing procedure files (JSON, CSV, XLSX) in the one schema of ``catalog.schema``."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opendvc.agencies.models import Agency, Tier

from .schema import FIELDS, STRUCTURED, Checked, RowError, check_record

FORMATS = ["json", "csv", "xlsx"]
# In XLSX files the lists of objects live on their own sheets, one object per row, keyed by
# national_code (a spreadsheet cell holds at most 32,767 characters; some procedures have more).
XLSX_CHILD_SHEETS: dict[str, list[str]] = {
    "methods": [
        "method",
        "time_amount",
        "time_unit",
        "time_text",
        "time_basis",
        "cutoff",
        "fee_text",
        "description",
    ],
    "fee_items": [
        "name",
        "amount_vnd",
        "amount_text",
        "per",
        "methods",
        "condition",
        "note",
        "valid_from",
        "valid_to",
        "rate_percent",
        "rate_from",
        "rate_to",
        "rate_basis",
    ],
    "components": [
        "name",
        "originals",
        "copies",
        "required",
        "kind",
        "case",
        "form_file",
        "accepts_electronic_copy",
    ],
    "legal_basis": ["number", "date", "issuer", "title"],
}


class FileFormatError(Exception):
    """The file cannot be read at all (not the expected format)."""


def detect_format(path: Path, declared: str | None = None) -> str:
    fmt = (declared or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise FileFormatError(f"Định dạng {fmt!r} không được hỗ trợ; dùng: {', '.join(FORMATS)}.")
    return fmt


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return value


def _from_table(
    header: list[Any], rows: Iterator[tuple[int, list[Any]]]
) -> Iterator[tuple[int, Any]]:
    names = [str(h).strip() if h is not None else "" for h in header]
    if "national_code" not in names:
        raise FileFormatError("Dòng tiêu đề phải có cột national_code; xem docs/catalog-import.md.")
    for number, values in rows:
        if all(v in (None, "") for v in values):
            continue
        record: dict[str, Any] = {}
        for name, value in zip(names, values, strict=False):
            if not name:
                continue
            record[name] = _cell(value)
        yield number, record


def read_rows(path: Path, fmt: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(row number, raw record)``. Row numbers are what a person sees: JSON items from 1,
    CSV/XLSX lines from 2 (line 1 is the header)."""
    if fmt == "json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FileFormatError(f"Tệp JSON không hợp lệ: {exc}") from exc
        if isinstance(data, dict) and isinstance(data.get("procedures"), list):
            data = data["procedures"]
        if not isinstance(data, list):
            raise FileFormatError(
                'Tệp JSON phải là một danh sách bản ghi hoặc {"procedures": [...]}.'
            )
        yield from enumerate(data, start=1)
    elif fmt == "csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileFormatError("Tệp CSV phải mã hóa UTF-8.") from exc
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader)
        except StopIteration as exc:
            raise FileFormatError("Tệp CSV rỗng.") from exc
        yield from _from_table(header, ((reader.line_num, row) for row in reader))
    else:
        # Imported on first use: only spreadsheet files need openpyxl.
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any openpyxl failure means "not an xlsx file"
            raise FileFormatError(f"Không đọc được tệp XLSX: {exc}") from exc
        try:
            children = _xlsx_children(workbook)
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            try:
                header = list(next(rows))
            except StopIteration as exc:
                raise FileFormatError("Tệp XLSX rỗng.") from exc
            for number, record in _from_table(
                header, ((i, list(r)) for i, r in enumerate(rows, start=2))
            ):
                code = record.get("national_code")
                for sheet_name, items in children.items():
                    if sheet_name in record and record[sheet_name] not in (None, ""):
                        continue  # JSON in the main sheet wins when both are given
                    record[sheet_name] = items.get(code, [])
                yield number, record
        finally:
            workbook.close()


def _xlsx_children(workbook) -> dict[str, dict[str, list[dict[str, Any]]]]:
    children: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in XLSX_CHILD_SHEETS:
        if name not in workbook.sheetnames:
            continue
        rows = workbook[name].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        by_code: dict[str, list[dict[str, Any]]] = {}
        for values in rows:
            item = {k: _cell(v) for k, v in zip(header, values, strict=False) if k}
            code = item.pop("national_code", None)
            if code in (None, "") or all(v in (None, "") for v in item.values()):
                continue
            if name == "fee_items" and isinstance(item.get("methods"), str) and item["methods"]:
                with contextlib.suppress(ValueError):  # a bad value is reported by the row check
                    item["methods"] = json.loads(item["methods"])
            by_code.setdefault(str(code), []).append(item)
        children[name] = by_code
    return children


def check_file(path: Path, fmt: str, *, allow_synthetic: bool = False) -> list[Checked]:
    """Validate every row of the file; no side effects."""
    known_tiers = set(Tier.objects.values_list("code", flat=True))
    known_agencies = set(Agency.objects.values_list("code", flat=True))
    return [
        check_record(
            raw,
            row,
            known_tiers=known_tiers,
            known_agencies=known_agencies,
            allow_synthetic=allow_synthetic,
        )
        for row, raw in read_rows(path, fmt)
    ]


def _flat(record: dict[str, Any]) -> list[Any]:
    out = []
    for name in FIELDS:
        value = record.get(name)
        if value is None:
            out.append("")
        elif name in STRUCTURED:
            out.append(json.dumps(value, ensure_ascii=False))
        else:
            out.append(value)
    return out


def write_records(records: list[dict[str, Any]], fmt: str, stream) -> None:
    """Write records to a binary stream in ``fmt``."""
    if fmt == "json":
        stream.write(
            json.dumps({"procedures": records}, ensure_ascii=False, indent=1).encode("utf-8")
        )
    elif fmt == "csv":
        text = io.StringIO(newline="")
        writer = csv.writer(text)
        writer.writerow(FIELDS)
        for record in records:
            writer.writerow(_flat(record))
        stream.write(text.getvalue().encode("utf-8"))
    elif fmt == "xlsx":
        # Imported on first use: only spreadsheet files need openpyxl.
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("procedures")
        main_fields = [f for f in FIELDS if f not in XLSX_CHILD_SHEETS]
        sheet.append(main_fields)
        for record in records:
            flat = dict(zip(FIELDS, _flat(record), strict=True))
            sheet.append([flat[f] for f in main_fields])
        for name, columns in XLSX_CHILD_SHEETS.items():
            child = workbook.create_sheet(name)
            child.append(["national_code", *columns])
            for record in records:
                for item in record.get(name) or []:
                    child.append(
                        [
                            record["national_code"],
                            *[
                                json.dumps(item.get(c), ensure_ascii=False)
                                if isinstance(item.get(c), list)
                                else ("" if item.get(c) is None else item.get(c))
                                for c in columns
                            ],
                        ]
                    )
        workbook.save(stream)
    else:
        raise FileFormatError(f"Định dạng {fmt!r} không được hỗ trợ.")


def write_report(rejected: list[Checked], raw_by_row: dict[int, Any], path: Path) -> None:
    """CSV of the rejected rows: row, column, reason, and the row's original content as JSON."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "column", "reason", "record"])
        for checked in rejected:
            raw = json.dumps(raw_by_row.get(checked.row), ensure_ascii=False, default=str)
            for err in checked.errors:
                writer.writerow([err.row, err.column, err.reason, raw])


__all__ = [
    "FORMATS",
    "FileFormatError",
    "RowError",
    "check_file",
    "detect_format",
    "read_rows",
    "write_records",
    "write_report",
]
