import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from opendvc.audit.models import AuditEntry
from opendvc.catalog.models import (
    Component,
    FeeItem,
    FormFile,
    LegalBasis,
    Procedure,
    ProcedureMethod,
    ProcedureVersion,
    Step,
)
from opendvc.catalog.transfer import write_records

pytestmark = pytest.mark.usefixtures("agencies")


def write_json(tmp_path, records, name="in.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def write_format(tmp_path, records, fmt):
    path = tmp_path / f"in.{fmt}"
    with path.open("wb") as fh:
        write_records(records, fmt, fh)
    return path


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_procedures", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_import_each_format(tmp_path, record, fmt):
    path = write_format(tmp_path, [record], fmt)
    out, _ = run_import(path)
    assert "Tạo mới 1" in out
    p = Procedure.objects.get(code="1.999001")
    assert p.status == "published" and p.current_version.number == 1
    assert p.methods.get().cutoff.strftime("%H:%M") == "15:00"
    assert p.fee_items.get().amount_vnd == 0
    assert [t.code for t in p.tiers.all()] == ["xa"]
    assert p.agencies.count() == 6  # every commune-tier committee of the demo tree


def test_reimport_is_idempotent(tmp_path, record):
    path = write_json(tmp_path, [record])
    run_import(path)
    versions, audits = ProcedureVersion.objects.count(), AuditEntry.objects.count()
    out, _ = run_import(path)
    assert "không đổi 1" in out
    assert ProcedureVersion.objects.count() == versions
    assert AuditEntry.objects.count() == audits


def test_changed_record_updates_and_publishes_a_new_version(tmp_path, record):
    run_import(write_json(tmp_path, [record]))
    record["steps"].append("Bước mới")
    out, _ = run_import(write_json(tmp_path, [record], "v2.json"))
    assert "cập nhật 1" in out
    p = Procedure.objects.get(code="1.999001")
    assert p.current_version.number == 2
    assert p.versions.get(number=1).snapshot["steps"] == ["Nộp hồ sơ", "Nhận kết quả"]


def test_errors_name_row_column_and_reason_and_nothing_is_imported(tmp_path, record):
    bad = dict(record, national_code="1.999002", methods=[{"method": "fax", "cutoff": "25:00"}])
    worse = dict(record, national_code="abc", name="")
    path = write_json(tmp_path, [record, bad, worse])
    with pytest.raises(CommandError) as exc:
        run_import(path)
    assert "không nhập dòng nào" in str(exc.value)
    assert Procedure.objects.count() == 0
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_procedures", str(path), "--no-progress", stderr=err)
    text = err.getvalue()
    assert "dòng 2, cột methods[1].method" in text and "online, direct, postal" in text
    assert "dòng 2, cột methods[1].cutoff" in text
    assert "dòng 3, cột national_code" in text and "dòng 3, cột name: bắt buộc" in text


def test_csv_errors_count_lines_from_the_header(tmp_path, record):
    path = write_format(
        tmp_path, [record, dict(record, national_code="1.999002", level="năm")], "csv"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_procedures", str(path), "--no-progress", stderr=err)
    assert "dòng 3, cột level: phải là số nguyên" in err.getvalue()


def test_partial_imports_good_rows_and_reports_bad_ones(tmp_path, record):
    bad = dict(record, national_code="1.999002", tiers=["huyen"])
    path = write_json(tmp_path, [record, bad])
    report = tmp_path / "bad.csv"
    _, err = run_import(path, "--partial", "--report", str(report))
    assert list(Procedure.objects.values_list("code", flat=True)) == ["1.999001"]
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert rows[0]["row"] == "2" and rows[0]["column"] == "tiers" and "huyen" in rows[0]["reason"]
    assert json.loads(rows[0]["record"])["national_code"] == "1.999002"


def test_duplicate_codes_in_one_file_are_errors(tmp_path, record):
    with pytest.raises(CommandError):
        run_import(write_json(tmp_path, [record, dict(record)]))
    assert not Procedure.objects.exists()


def test_unknown_columns_and_bad_files_are_reported(tmp_path, record):
    with pytest.raises(CommandError):
        run_import(write_json(tmp_path, [dict(record, colour="red")]))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON"):
        run_import(broken)
    with pytest.raises(CommandError, match="Định dạng"):
        run_import(write_json(tmp_path, [record], "in.txt"))


def test_forms_require_level_two_when_a_level_is_given(tmp_path, record):
    record["level"] = 1
    record["components"][0]["form_file"] = "To-khai.docx"
    with pytest.raises(CommandError):
        run_import(write_json(tmp_path, [record]))


def export(fmt, tmp_path, name):
    path = tmp_path / f"{name}.{fmt}"
    call_command(
        "export_procedures",
        "--format",
        fmt,
        "--output",
        str(path),
        "--no-progress",
        stderr=io.StringIO(),
    )
    return path


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_export_round_trips(tmp_path, fmt, catalog):
    first = export(fmt, tmp_path, "first")
    before = json.loads(export("json", tmp_path, "before").read_text(encoding="utf-8"))
    # Importing the export over the catalog it came from changes nothing.
    assert "không đổi 78" in run_import(first)[0]
    # Import the export into an emptied catalog and export again: same records.

    for model in (ProcedureMethod, FeeItem, Component, Step, LegalBasis, FormFile):
        model.objects.all().delete()
    Procedure.objects.update(current_version=None)
    ProcedureVersion.objects.all()._raw_delete(ProcedureVersion.objects.db)
    Procedure.objects.all().delete()
    out, _ = run_import(first)
    assert "Tạo mới 78" in out
    after = json.loads(export("json", tmp_path, "after").read_text(encoding="utf-8"))
    assert after == before
    out, _ = run_import(first)
    assert "không đổi 78" in out


def test_reimport_keeps_component_rows_stable(tmp_path, record):
    record["components"].append({"name": "Giấy tờ tùy thân", "originals": 1, "kind": "present"})
    run_import(write_json(tmp_path, [record]))
    before = list(Procedure.objects.get(code="1.999001").components.values_list("pk", "name"))
    record["components"][0]["name"] = "Tờ khai (mẫu mới)"
    run_import(write_json(tmp_path, [record], "v2.json"))
    after = list(Procedure.objects.get(code="1.999001").components.values_list("pk", "name"))
    assert [pk for pk, _ in after] == [pk for pk, _ in before]
    assert after[0][1] == "Tờ khai (mẫu mới)"
