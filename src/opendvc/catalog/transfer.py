"""Reading and writing procedure files (JSON, CSV, XLSX) in the one schema of ``catalog.schema``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opendvc.agencies.models import Agency, Tier

from .schema import FIELDS, STRUCTURED, Checked, RowError, check_record

FORMATS = ["json", "csv", "xlsx"]


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


def _from_table(header: list[Any], rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, Any]]:
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
            raise FileFormatError("Tệp JSON phải là một danh sách bản ghi hoặc {\"procedures\": [...]}.")
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
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any openpyxl failure means "not an xlsx file"
            raise FileFormatError(f"Không đọc được tệp XLSX: {exc}") from exc
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header = list(next(rows))
        except StopIteration as exc:
            raise FileFormatError("Tệp XLSX rỗng.") from exc
        yield from _from_table(header, ((i, list(r)) for i, r in enumerate(rows, start=2)))
        workbook.close()


def check_file(path: Path, fmt: str, *, allow_synthetic: bool = False) -> list[Checked]:
    """Validate every row of the file; no side effects."""
    known_tiers = set(Tier.objects.values_list("code", flat=True))
    known_agencies = set(Agency.objects.values_list("code", flat=True))
    return [
        check_record(raw, row, known_tiers=known_tiers, known_agencies=known_agencies,
                     allow_synthetic=allow_synthetic)
        for row, raw in read_rows(path, fmt)
    ]


def _flat(record: dict[str, Any]) -> list[Any]:
    out = []
    for name in FIELDS:
        value = record.get(name)
        if name in STRUCTURED:
            out.append(json.dumps(value if value is not None else [], ensure_ascii=False))
        elif value is None:
            out.append("")
        else:
            out.append(value)
    return out


def write_records(records: list[dict[str, Any]], fmt: str, stream) -> None:
    """Write records to a binary stream in ``fmt``."""
    if fmt == "json":
        stream.write(json.dumps({"procedures": records}, ensure_ascii=False, indent=1).encode("utf-8"))
    elif fmt == "csv":
        text = io.StringIO(newline="")
        writer = csv.writer(text)
        writer.writerow(FIELDS)
        for record in records:
            writer.writerow(_flat(record))
        stream.write(text.getvalue().encode("utf-8"))
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("procedures")
        sheet.append(FIELDS)
        for record in records:
            sheet.append(_flat(record))
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


__all__ = ["FORMATS", "FileFormatError", "RowError", "check_file", "detect_format", "read_rows",
           "write_records", "write_report"]
