"""Demo catalog: the 78 real procedures shipped in ``catalog/data/procedures-reference.json``.

The file is a verbatim copy of the reference data (its README, alongside, names every source).
Loading goes through the importer, so it is idempotent: a second run finds every record unchanged.
"""

from __future__ import annotations

from pathlib import Path

from .services import import_records
from .transfer import check_file

DATA_FILE = Path(__file__).resolve().parent / "data" / "procedures-reference.json"


def seed(stdout=None) -> None:
    checked = check_file(DATA_FILE, "json")
    result = import_records(checked=checked, actor=None, partial=False)
    if result.rejected:
        errors = "; ".join(str(e) for row in result.rejected for e in row.errors)
        raise ValueError(f"Dữ liệu thủ tục kèm theo có lỗi: {errors}")
    if stdout:
        stdout.write(
            f"  {result.created} thủ tục mới, {result.updated} cập nhật, {result.unchanged} không đổi"
        )
