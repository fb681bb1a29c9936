"""Stored files no row refers to: every folder the portal writes to, and the sweep that removes what
a failed action left there.

An action stores its file first and commits its row after (a file cannot be part of a database
transaction). When the storage, the database or the process fails in between, the file stays with no
row naming it: an upload of the personal document store, a signed copy of a document whose approval
was rolled back, a receipt, a report, a feedback attachment, a proof of delivery. The sweep removes
those, and only those:

- only objects under a folder of ``STORAGE_AREAS`` (nothing else in the bucket is touched);
- only objects written before ``older_than`` (a file still being made, or whose row is about to be
  committed, is younger than that);
- never an object whose name any file field of any model holds (every ``FileField`` of every
  installed model is checked, not only those of the folder: a result document may name an upload's
  file, a document-store entry the file of a linked procedure's result);
- in batches (one query per file field and batch), one audit entry per run that removed something,
  with the counts per folder.

``STORAGE_AREAS`` is the one list of folders: a test walks every file field's ``upload_to`` and every
direct write to the storage in the code and fails when one lands outside it.
"""

from __future__ import annotations

import logging
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import models

from opendvc.audit.services import audit_record

from .files import storage_errors

logger = logging.getLogger(__name__)

#: files looked up in the database per query, and deleted between two progress reports
SWEEP_BATCH_SIZE = 500
#: days of dated folders looked at before the cut-off, by default (the periodic job)
SWEEP_DAYS = 3
AUDIT_ACTION = "storage.orphan_files_swept"
#: the periodic job sweeps at most this often (it lists whole folders; files wait a day anyway)
SWEEP_EVERY = timedelta(hours=1)
SWEEP_CACHE_KEY = "core.orphan_files_sweep.ran"
#: and looks at every folder whole (not only the last days' dated ones) at most this often
SWEEP_WHOLE_EVERY = timedelta(days=1)
SWEEP_WHOLE_CACHE_KEY = "core.orphan_files_sweep.whole"


@dataclass(frozen=True)
class StorageArea:
    """A folder of the default storage the portal writes to."""

    prefix: str
    what: str
    #: the model fields ("app_label.Model.field") naming the files written here
    references: tuple[str, ...] = ()
    #: "day" (``prefix/YYYY/MM/DD/…``), "month" (``prefix/YYYY/MM/…``) or "" (not by date)
    dated: str = ""
    #: another job removes what is left here (by age alone, no row names these files)
    swept_by: str = ""


STORAGE_AREAS: tuple[StorageArea, ...] = (
    StorageArea(
        "dossiers/files/",
        "Files of dossiers and uploads sent ahead (API POST /files)",
        ("dossiers.Upload.file", "dossiers.DossierFile.file"),
        dated="day",
    ),
    StorageArea(
        "dossiers/documents/",
        "Documents issued to dossiers (PDF), and their signed copies",
        ("dossiers.DossierDocument.file",),
        dated="day",
    ),
    StorageArea(
        "vault/",
        "Files people upload to their personal document store",
        ("vault.StoredDocument.file",),
        dated="day",
    ),
    StorageArea(
        "linked/results/",
        "Result documents of the member agencies of a linked procedure",
        ("linked.PartResultFile.file",),
        dated="day",
    ),
    StorageArea(
        "payments/receipts/",
        "Electronic receipts of fees paid (PDF)",
        ("payments.Receipt.file",),
        dated="month",
    ),
    StorageArea(
        "reports/",
        "Statistical reports (XLSX and PDF)",
        ("reports.Report.xlsx", "reports.Report.pdf"),
        dated="month",
    ),
    StorageArea(
        "postal/",
        "Proofs of delivery of the postal service",
        ("postal.PostalOrder.proof_file",),
        dated="day",
    ),
    StorageArea(
        "feedback/",
        "Feedback attachments (feedback/<item>/) and inbound e-mails kept whole (feedback/quarantine/)",
        ("feedback.Attachment.file", "feedback.QuarantinedEmail.raw"),
    ),
    StorageArea(
        "catalog/forms/",
        "Downloadable forms of procedures",
        ("catalog.FormFile.file",),
    ),
    StorageArea(
        "healthcheck/",
        "The storage health check's probe (written and deleted at once)",
    ),
    StorageArea(
        "uploads/pending/",
        "Files uploaded ahead of the request that uses them (named by a signed reference, no row)",
        swept_by="uploads.remove_stale_pending",
    ),
)

#: direct writes to the storage (outside a file field) whose name comes from elsewhere, with why they
#: need no folder of their own ("module:function")
WRITES_ELSEWHERE: dict[str, str] = {
    "opendvc.core.backup:_storage_upload": "writes back the names a backup holds, in the folders above",
}


def area_for(name: str) -> StorageArea | None:
    """The folder of ``STORAGE_AREAS`` the stored name ``name`` is in (the longest prefix)."""
    found = [a for a in STORAGE_AREAS if name.startswith(a.prefix)]
    return max(found, key=lambda a: len(a.prefix)) if found else None


def referencing_fields() -> list[tuple[type[models.Model], str]]:
    """Every file field of every installed concrete model, and the fields ``STORAGE_AREAS`` names."""
    found: dict[tuple[str, str], tuple[type[models.Model], str]] = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                found[(model._meta.label, f.name)] = (model, f.name)
    for area in STORAGE_AREAS:
        for ref in area.references:
            label, name = ref.rsplit(".", 1)
            model = apps.get_model(label)
            model._meta.get_field(name)  # an unknown field fails loudly
            found.setdefault((model._meta.label, name), (model, name))
    return list(found.values())


def names_referenced(names: Iterable[str]) -> set[str]:
    """Which of ``names`` a row still names, in any file field."""
    names = list(names)
    if not names:
        return set()
    known: set[str] = set()
    for model, name in referencing_fields():
        known.update(
            model._base_manager.filter(**{f"{name}__in": names}).values_list(name, flat=True)
        )
    return known


def _folders(area: StorageArea, *, older_than: datetime, days: int | None) -> list[str]:
    """The prefixes to list for ``area``: the dated folders of the ``days`` before ``older_than``
    (a day either side, for the time zone a folder was named in), or the whole folder."""
    if not area.dated or days is None:
        return [area.prefix]
    first = (older_than - timedelta(days=days + 1)).astimezone(UTC).date()
    last = (older_than + timedelta(days=1)).astimezone(UTC).date()
    fmt = "%Y/%m/%d/" if area.dated == "day" else "%Y/%m/"
    out: list[str] = []
    day = first
    while day <= last:
        folder = f"{area.prefix}{day.strftime(fmt)}"
        if folder not in out:
            out.append(folder)
        day += timedelta(days=1)
    return out


def stored_objects(prefix: str, storage=None) -> Iterator[tuple[str, datetime]]:
    """Every object under ``prefix`` with the time it was written: a flat listing of the bucket on
    S3 (no request per folder or per object), a walk of the folder on a local disk."""
    storage = storage or default_storage
    if isinstance(storage, FileSystemStorage):
        root = storage.path(prefix)
        for folder, _dirs, files in os.walk(root):
            for file in files:
                path = os.path.join(folder, file)
                rel = os.path.relpath(path, storage.location).replace(os.sep, "/")
                yield rel, datetime.fromtimestamp(os.stat(path).st_mtime, tz=UTC)
        return
    bucket_name = getattr(storage, "bucket_name", None)
    if bucket_name:  # django-storages' S3Storage
        location = (storage.location or "").strip("/")
        key_prefix = f"{location}/{prefix}" if location else prefix
        paginator = storage.connection.meta.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket_name, Prefix=key_prefix):
            for entry in page.get("Contents", ()):
                key = entry["Key"]
                if key.endswith("/"):
                    continue
                yield key[len(location) + 1 :] if location else key, entry["LastModified"]
        return
    yield from _listed(storage, prefix.rstrip("/"))


def _listed(storage, folder: str) -> Iterator[tuple[str, datetime]]:
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for file in files:
        name = posixpath.join(folder, file)
        yield name, storage.get_modified_time(name)
    for sub in dirs:
        yield from _listed(storage, posixpath.join(folder, sub))


@dataclass
class SweepResult:
    #: per folder prefix: objects removed (or, in a dry run, that would be)
    removed: dict[str, int] = field(default_factory=dict)
    #: per folder prefix: objects older than the cut-off that a row names (kept)
    referenced: dict[str, int] = field(default_factory=dict)
    #: objects that could not be deleted (the storage refused): tried again next run
    failed: int = 0
    looked_at: int = 0

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def orphan_files_sweep(
    *,
    older_than: datetime,
    days: int | None = SWEEP_DAYS,
    batch_size: int = SWEEP_BATCH_SIZE,
    dry_run: bool = False,
    areas: Iterable[StorageArea] | None = None,
    found: Callable[[str, datetime], object] | None = None,
    progress: Callable[[int], object] | None = None,
    actor=None,
    storage=None,
) -> SweepResult:
    """Delete the stored objects of ``STORAGE_AREAS`` (but those another job sweeps) written before
    ``older_than`` that no file field of any row names. ``days``: the dated folders of that many days
    before ``older_than`` only (the periodic job); ``None`` for every folder whole (after an outage of
    the job). ``found(name, written_at)`` is told of each object removed (or that would be, with
    ``dry_run``, which deletes and records nothing); ``progress(n)`` of each batch looked at. A run
    that removed something, or failed to, writes one audit entry ``storage.orphan_files_swept`` with
    the counts per folder (``actor``: None for the periodic job)."""
    storage = storage or default_storage
    batch_size = max(int(batch_size), 1)
    result = SweepResult()
    chosen = [a for a in (STORAGE_AREAS if areas is None else areas) if not a.swept_by]
    for area in chosen:
        result.removed.setdefault(area.prefix, 0)
        result.referenced.setdefault(area.prefix, 0)
        for folder in _folders(area, older_than=older_than, days=days):
            batch: list[tuple[str, datetime]] = []
            for name, written in stored_objects(folder, storage):
                # A deeper folder with an entry of its own is swept as that entry.
                if area_for(name) is not area:
                    continue
                batch.append((name, written))
                if len(batch) >= batch_size:
                    _sweep_batch(batch, area, older_than, dry_run, result, found, storage)
                    if progress is not None:
                        progress(len(batch))
                    batch = []
            if batch:
                _sweep_batch(batch, area, older_than, dry_run, result, found, storage)
                if progress is not None:
                    progress(len(batch))
    if not dry_run and (result.total or result.failed):
        audit_record(
            actor=actor,
            action=AUDIT_ACTION,
            changes={
                "removed": result.total,
                "by_folder": {k: v for k, v in result.removed.items() if v},
                "failed": result.failed,
                "written_before": older_than.isoformat(),
                "days": days,
            },
        )
    return result


def _sweep_batch(batch, area, older_than, dry_run, result, found, storage) -> None:
    result.looked_at += len(batch)
    old = [(name, written) for name, written in batch if written < older_than]
    if not old:
        return
    known = names_referenced(name for name, _ in old)
    for name, written in old:
        if name in known:
            result.referenced[area.prefix] += 1
            continue
        if not dry_run:
            try:
                storage.delete(name)
            except storage_errors():
                logger.warning("orphan file %s not deleted", name, exc_info=True)
                result.failed += 1
                continue
        result.removed[area.prefix] += 1
        if found is not None:
            found(name, written)
