"""The orphan-file sweep: every folder the portal writes to is in ``STORAGE_AREAS`` (checked against
every file field and every direct write to the storage in the code), and the sweep removes, there
and only there, old objects no row names — on a local folder and in an S3 bucket."""

from __future__ import annotations

import ast
import importlib
import inspect
import uuid
from collections import Counter
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone

from opendvc.accounts.tests.factories import UserFactory
from opendvc.audit.models import AuditEntry
from opendvc.core import orphans
from opendvc.core.orphans import (
    AUDIT_ACTION,
    STORAGE_AREAS,
    SWEEP_CACHE_KEY,
    SWEEP_WHOLE_CACHE_KEY,
    WRITES_ELSEWHERE,
    area_for,
    orphan_files_sweep,
)
from opendvc.core.periodic import run_all
from opendvc.core.tests.s3server import bucket, object_keys, s3_endpoint  # noqa: F401

SRC = Path(__file__).resolve().parents[2]  # src/opendvc


class _Anything:
    """An instance (or argument) standing for any: every attribute is itself, it formats as "0"."""

    def __getattr__(self, name):
        return self

    def __format__(self, spec):
        return "0"

    def __str__(self):
        return "0"


def _file_fields():
    for model in apps.get_models():
        if model._meta.proxy or not model.__module__.startswith("opendvc."):
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                yield model, f


def _declared() -> dict[str, orphans.StorageArea]:
    return {ref: area for area in STORAGE_AREAS for ref in area.references}


def test_every_file_field_writes_into_a_registered_folder_that_names_it():
    declared = _declared()
    for model, f in _file_fields():
        ref = f"{model._meta.label}.{f.name}"
        assert ref in declared, f"{ref} is in no STORAGE_AREAS entry"
        if f.upload_to:
            name = f.generate_filename(_Anything(), "tep.pdf")
            area = area_for(name)
            assert area is not None, f"{ref} writes {name}, in no folder of STORAGE_AREAS"
            assert ref in area.references, (
                f"{ref} writes into {area.prefix}, which does not name it"
            )


def test_every_registered_reference_is_a_file_field():
    for ref in _declared():
        label, name = ref.rsplit(".", 1)
        assert isinstance(apps.get_model(label)._meta.get_field(name), models.FileField), ref
    prefixes = [a.prefix for a in STORAGE_AREAS]
    assert len(set(prefixes)) == len(prefixes)
    assert all(p.endswith("/") and not p.startswith("/") for p in prefixes)
    assert all(a.dated in ("", "day", "month") for a in STORAGE_AREAS)


def _storage_receiver(node: ast.expr) -> bool:
    """``default_storage``, ``storages[...]``, ``<anything>.storage``."""
    if isinstance(node, ast.Name):
        return node.id in ("default_storage", "storage")
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Name) and node.value.id == "storages"
    if isinstance(node, ast.Attribute):
        return node.attr == "storage"
    return False


def _writes(tree: ast.Module):
    """(enclosing function, the name argument) of each direct write to a storage."""
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if not _storage_receiver(node.func.value) or not node.args:
                continue
            if node.func.attr == "save":
                yield fn.name, node.args[0]
            elif node.func.attr == "open":
                mode = node.args[1] if len(node.args) > 1 else None
                if isinstance(mode, ast.Constant) and set(str(mode.value)) & set("wa+"):
                    yield fn.name, node.args[0]


def _sample_name(module, arg: ast.expr) -> str | None:
    """A name the write would use, when the code says it: a literal, an f-string (its leading
    constant, or a module constant it starts with), or a call of a module function."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values:
        first = arg.values[0]
        if isinstance(first, ast.Constant):
            return first.value
        if isinstance(first.value, ast.Name) and isinstance(
            getattr(module, first.value.id, None), str
        ):
            return getattr(module, first.value.id)
        return None
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
        func = getattr(module, arg.func.id, None)
        if callable(func):
            n = len(inspect.signature(func).parameters)
            return func(*[_Anything()] * n)
    return None


def test_every_direct_storage_write_goes_into_a_registered_folder():
    seen = 0
    for path in sorted(SRC.rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts):
            continue
        tree = ast.parse(path.read_text())
        writes = list(_writes(tree))
        if not writes:
            continue
        module_name = "opendvc." + ".".join(path.relative_to(SRC).with_suffix("").parts)
        module = importlib.import_module(module_name.removesuffix(".__init__"))
        for func, arg in writes:
            seen += 1
            where = f"{module.__name__}:{func}"
            if where in WRITES_ELSEWHERE:
                continue
            name = _sample_name(module, arg)
            assert name is not None, (
                f"{where} writes a name the test cannot read: give it a folder of STORAGE_AREAS "
                "through a module constant or path function, or list it in WRITES_ELSEWHERE"
            )
            assert area_for(name) is not None, (
                f"{where} writes {name}, in no folder of STORAGE_AREAS"
            )
    assert seen >= 4  # the scan found the writes it is meant to find


def test_the_scan_catches_a_write_outside_the_folders():
    tree = ast.parse(
        "def f(x):\n    default_storage.save(f'tam/{x}', b'')\n    default_storage.save(x, b'')\n"
    )
    (_, first), (_, second) = _writes(tree)
    assert area_for(_sample_name(None, first)) is None
    assert _sample_name(None, second) is None


def _save(name: str, content: bytes = b"%PDF-1.4 half written") -> str:
    return default_storage.save(name, ContentFile(content))


@pytest.fixture
def scattered(db):
    """An orphan in every swept folder, files rows name (in their own folder and in another), an
    upload sent ahead, and a file outside every folder."""
    from opendvc.dossiers.models import Upload, document_path, dossier_file_path
    from opendvc.feedback.models import quarantine_path
    from opendvc.linked.models import part_result_path
    from opendvc.reports.models import Report
    from opendvc.vault.models import StoredDocument, vault_path

    now = timezone.now()
    owner = UserFactory()
    orphan = {
        "dossiers/files/": _save(dossier_file_path(None, "a")),
        # The signed copy of a document whose approval was rolled back after signing.
        "dossiers/documents/": _save(document_path(None, "ky-so.pdf")),
        "vault/": _save(vault_path(None, "a")),
        "linked/results/": _save(part_result_path(None, "a")),
        "payments/receipts/": _save(f"payments/receipts/{now:%Y/%m}/BL-1.pdf"),
        "reports/": _save(Report._meta.get_field("pdf").generate_filename(None, "bao-cao.pdf")),
        "postal/": _save(f"postal/{now:%Y/%m/%d}/BD-1-nhan.jpg"),
        "feedback/": _save(f"feedback/{uuid.uuid4()}/{uuid.uuid4().hex}-anh.jpg"),
        "feedback/ (quarantine)": _save(quarantine_path(None, "thu.eml")),
        "catalog/forms/": _save("catalog/forms/1.000001/to-khai.docx"),
        "healthcheck/": _save(f"healthcheck/{uuid.uuid4().hex}.txt"),
    }
    own = StoredDocument.objects.create(
        owner=owner, source="upload", document_type="CCCD", file=_save(vault_path(None, "b"))
    )
    # A document-store entry naming a linked result's file (no PartResultFile row): kept too.
    shared = StoredDocument.objects.create(
        owner=owner, source="result", document_type="KQ", file=_save(part_result_path(None, "b"))
    )
    unclaimed = Upload.objects.create(
        owner=owner,
        original_name="a.pdf",
        file=_save(dossier_file_path(None, "b")),
        sha256="0" * 64,
        size=1,
        content_type="application/pdf",
    )
    kept = [own.file.name, shared.file.name, unclaimed.file.name]
    elsewhere = [_save(f"uploads/pending/{uuid.uuid4().hex}"), _save("khac/giu-lai.txt")]
    return orphan, kept, elsewhere


def test_the_sweep_removes_old_orphans_of_every_folder_and_nothing_else(scattered):
    orphan, kept, elsewhere = scattered
    # Written after the cut-off (a file whose row is still to be committed): nothing goes.
    before = orphan_files_sweep(older_than=timezone.now() - timedelta(hours=1))
    assert before.total == 0 and not AuditEntry.objects.filter(action=AUDIT_ACTION).exists()
    assert all(default_storage.exists(n) for n in orphan.values())

    result = orphan_files_sweep(older_than=timezone.now() + timedelta(seconds=5), batch_size=2)
    expected = Counter(area_for(n).prefix for n in orphan.values())
    assert expected["feedback/"] == 2 and expected["dossiers/documents/"] == 1
    assert {k: v for k, v in result.removed.items() if v} == expected
    assert result.referenced["vault/"] == 1 and result.referenced["linked/results/"] == 1
    assert result.referenced["dossiers/files/"] == 1
    assert not any(default_storage.exists(n) for n in orphan.values())
    assert all(default_storage.exists(n) for n in kept + elsewhere)
    entry = AuditEntry.objects.get(action=AUDIT_ACTION)
    assert entry.actor_label == "system"
    assert entry.changes["removed"] == len(orphan)
    assert entry.changes["by_folder"] == expected


def test_a_dry_run_lists_and_removes_nothing(scattered):
    orphan, _kept, _elsewhere = scattered
    listed = []
    result = orphan_files_sweep(
        older_than=timezone.now() + timedelta(seconds=5),
        dry_run=True,
        found=lambda name, _at: listed.append(name),
    )
    assert sorted(listed) == sorted(orphan.values()) and result.total == len(orphan)
    assert all(default_storage.exists(n) for n in orphan.values())
    assert not AuditEntry.objects.filter(action=AUDIT_ACTION).exists()


def test_dated_folders_outside_the_window_wait_for_a_whole_sweep(db):
    old = _save("vault/2020/01/02/cu")
    assert orphan_files_sweep(older_than=timezone.now() + timedelta(seconds=5)).total == 0
    assert default_storage.exists(old)
    assert (
        orphan_files_sweep(older_than=timezone.now() + timedelta(seconds=5), days=None).total == 1
    )
    assert not default_storage.exists(old)


def test_the_command_lists_in_a_dry_run_then_removes(scattered, settings):
    orphan, kept, _elsewhere = scattered
    settings.DOSSIER_UPLOAD_TTL_HOURS = 1
    out = StringIO()
    # Everything was written just now: younger than an hour, nothing to remove.
    call_command("sweep_orphan_files", "--dry-run", "--no-progress", stdout=out)
    assert "sẽ xóa 0." in out.getvalue()

    from opendvc.core.management.commands import sweep_orphan_files as command

    # Two hours on: every file is older than the hour.
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=True):
        out = StringIO()
        call_command(
            "sweep_orphan_files", "--dry-run", "--folder", "vault", "--no-progress", stdout=out
        )
        text = out.getvalue()
        assert orphan["vault/"] in text and orphan["reports/"] not in text
        assert "vault/: sẽ xóa 1, giữ 1 tệp" in text and "Chạy thử" in text
        assert default_storage.exists(orphan["vault/"])
        out = StringIO()
        call_command("sweep_orphan_files", "--all", "--no-progress", stdout=out)
    assert f"đã xóa {len(orphan)}." in out.getvalue()
    assert not any(default_storage.exists(n) for n in orphan.values())
    assert all(default_storage.exists(n) for n in kept)
    entry = AuditEntry.objects.get(action=AUDIT_ACTION)
    assert entry.actor_label == command.ACTOR and entry.changes["days"] is None
    with pytest.raises(CommandError, match="Không có thư mục"):
        call_command("sweep_orphan_files", "--folder", "khong-co/", stdout=StringIO())


def test_the_job_runs_under_its_name_and_its_former_name(db, settings):
    settings.DOSSIER_UPLOAD_TTL_HOURS = 0
    _save(f"vault/{timezone.now():%Y/%m/%d}/mo-coi")
    assert run_all(["dossiers.sweep_orphan_files"]) == {"core.sweep_orphan_files": "ok: 1"}
    # At most once an hour: the next pass (five minutes later) does not list the folders again.
    _save(f"vault/{timezone.now():%Y/%m/%d}/mo-coi-2")
    out = StringIO()
    call_command("run_periodic", "--job", "dossiers.sweep_orphan_files", stdout=out)
    assert "core.sweep_orphan_files: ok\n" in out.getvalue()
    cache.delete(SWEEP_CACHE_KEY)
    assert run_all(["core.sweep_orphan_files"]) == {"core.sweep_orphan_files": "ok: 1"}


def test_the_job_looks_at_every_folder_whole_once_a_day(db, settings):
    settings.DOSSIER_UPLOAD_TTL_HOURS = 0
    old = _save("payments/receipts/2021/03/BL-9.pdf")  # a receipt of an old month, rendered late
    assert run_all(["core.sweep_orphan_files"]) == {"core.sweep_orphan_files": "ok: 1"}
    assert not default_storage.exists(old)
    old = _save("payments/receipts/2021/03/BL-10.pdf")
    cache.delete(SWEEP_CACHE_KEY)
    # The next hourly pass looks at the last days' folders only; the next day's, at all again.
    assert run_all(["core.sweep_orphan_files"]) == {"core.sweep_orphan_files": "ok: 0"}
    cache.delete(SWEEP_CACHE_KEY)
    cache.delete(SWEEP_WHOLE_CACHE_KEY)
    assert run_all(["core.sweep_orphan_files"]) == {"core.sweep_orphan_files": "ok: 1"}
    assert not default_storage.exists(old)


def test_the_sweep_removes_orphans_from_an_s3_bucket(db, bucket, s3_endpoint):  # noqa: F811
    from opendvc.vault.models import StoredDocument, vault_path

    owner = UserFactory()
    orphan = _save(vault_path(None, "a"))
    report = _save(f"reports/{timezone.now():%Y/%m}/bao-cao.xlsx")
    kept = StoredDocument.objects.create(
        owner=owner, source="upload", document_type="CCCD", file=_save(vault_path(None, "b"))
    )
    pending = _save(f"uploads/pending/{uuid.uuid4().hex}")
    keys = object_keys(s3_endpoint, bucket)
    assert {f"media/{orphan}", f"media/{report}", f"media/{kept.file.name}"} <= keys

    assert orphan_files_sweep(older_than=timezone.now() - timedelta(minutes=5)).total == 0
    result = orphan_files_sweep(older_than=timezone.now() + timedelta(seconds=5), batch_size=1)
    assert result.removed["vault/"] == 1 and result.removed["reports/"] == 1
    assert result.referenced["vault/"] == 1
    keys = object_keys(s3_endpoint, bucket)
    assert f"media/{orphan}" not in keys and f"media/{report}" not in keys
    assert {f"media/{kept.file.name}", f"media/{pending}"} <= keys
