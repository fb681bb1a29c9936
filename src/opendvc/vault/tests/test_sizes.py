"""Documents filed in the store without their size (results and receipts filed before it was
recorded, those the data migration placed there) get it from the storage with
``manage.py vault_fill_sizes``: in batches, idempotent, a missing object reported and left, a dry
run that writes nothing; then the quota, the store's page and the API count them right."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.template.defaultfilters import filesizeformat

from opendvc.audit.models import AuditEntry
from opendvc.core.tests.s3server import s3_client
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.tests.conftest import checked_pdf, sign_in, submitted_dossier
from opendvc.vault import backfill, services
from opendvc.vault.models import StoredDocument

pytestmark = pytest.mark.django_db

# Files of several sizes, from one byte to more than one batch's worth of kilobytes.
SIZES = (1, 17, 4096, 250_001)


def _own_file(owner, nbytes: int, **kw) -> StoredDocument:
    """A row filed the old way: its own stored file, size 0."""
    name = default_storage.save("vault/test/tep.pdf", ContentFile(b"%" * nbytes))
    return StoredDocument.objects.create(
        owner=owner,
        source=kw.pop("source", StoredDocument.Source.UPLOAD),
        document_type=kw.pop("document_type", "Giấy chứng sinh"),
        file=name,
        size=0,
        **kw,
    )


def _unsized_upload(owner) -> StoredDocument:
    doc = services.document_upload(
        owner=owner, checked=checked_pdf(), document_type="Căn cước công dân"
    )
    StoredDocument.objects.filter(pk=doc.pk).update(size=0)
    return doc


def _fill(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("vault_fill_sizes", "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _sizes(*docs) -> list[int]:
    return [StoredDocument.objects.get(pk=d.pk).size for d in docs]


@pytest.mark.parametrize("batch", ["1", "3", "500"])
def test_rows_without_a_size_get_the_size_of_their_stored_file(citizen, stranger, batch):
    own = [_own_file(citizen if i % 2 else stranger, n) for i, n in enumerate(SIZES)]
    # A result placed in the store by reference to another stored object (a linked part's result).
    part = _own_file(citizen, 333, source=StoredDocument.Source.RESULT)
    upload = _unsized_upload(citizen)
    out, err = _fill("--batch-size", batch)
    assert _sizes(*own, part, upload) == [*SIZES, 333, upload.file.size]
    assert upload.file.size == checked_pdf().size
    assert "Đã đọc 6 giấy tờ; đã ghi kích thước cho 6; không còn tệp: 0" in out and err == ""
    assert not services.unsized_documents().exists()
    # Idempotent: nothing left to read, nothing written again.
    entries = AuditEntry.objects.filter(action="vault.sizes_filled").count()
    assert entries >= 1
    assert "Đã đọc 0 giấy tờ; đã ghi kích thước cho 0" in _fill("--batch-size", batch)[0]
    assert AuditEntry.objects.filter(action="vault.sizes_filled").count() == entries


def test_the_audit_trail_counts_what_each_batch_wrote(citizen):
    for n in SIZES:
        _own_file(citizen, n)
    done = services.document_sizes_fill(batch_size=3)
    assert (done.checked, done.filled, done.missing, done.unreadable) == (4, 4, [], [])
    changes = [
        e.changes for e in AuditEntry.objects.filter(action="vault.sizes_filled").order_by("pk")
    ]
    assert changes == [
        {"filled": 3, "bytes": sum(SIZES[:3])},
        {"filled": 1, "bytes": SIZES[3]},
    ]


def test_rows_with_a_size_and_rows_without_a_file_are_left_alone(citizen):
    sized = _own_file(citizen, 4096)
    StoredDocument.objects.filter(pk=sized.pk).update(size=7)  # recorded, even if it is not 4096
    uploaded = services.document_upload(
        owner=citizen, checked=checked_pdf(), document_type="Giấy chứng sinh"
    )
    no_file = StoredDocument.objects.create(
        owner=citizen, source="result", document_type="Kết quả giải quyết"
    )
    out, _err = _fill()
    assert _sizes(sized, uploaded, no_file) == [7, checked_pdf().size, 0]
    assert "Đã đọc 0 giấy tờ" in out
    assert not AuditEntry.objects.filter(action="vault.sizes_filled").exists()


@pytest.mark.parametrize("batch", ["1", "2", "500"])
def test_a_missing_object_is_reported_and_its_row_left(citizen, batch):
    before = _own_file(citizen, 17)
    gone = _own_file(citizen, 4096)
    after = _own_file(citizen, 250_001)
    default_storage.delete(gone.file.name)
    out, err = _fill("--batch-size", batch)
    assert _sizes(before, gone, after) == [17, 0, 250_001]
    assert f"Không còn tệp trong nơi lưu trữ: giấy tờ {gone.public_id} ({gone.file.name})" in err
    assert "Đã đọc 3 giấy tờ; đã ghi kích thước cho 2; không còn tệp: 1" in out
    # A second run reads only the row left, reports it again and changes nothing.
    out, err = _fill("--batch-size", batch)
    assert "Đã đọc 1 giấy tờ; đã ghi kích thước cho 0; không còn tệp: 1" in out
    assert str(gone.public_id) in err
    assert _sizes(before, gone, after) == [17, 0, 250_001]


def test_an_object_that_cannot_be_read_is_reported_and_the_others_filled(citizen, monkeypatch):
    first, broken, last = (_own_file(citizen, n) for n in (17, 4096, 1))
    storage = type(default_storage._wrapped)  # the local file storage of the tests
    real_size = storage.size

    def size(self, name):
        if name == broken.file.name:
            raise PermissionError(13, "Permission denied")
        return real_size(self, name)

    monkeypatch.setattr(storage, "size", size)
    out, err = _fill()
    assert _sizes(first, broken, last) == [17, 0, 1]
    assert f"Không đọc được tệp: giấy tờ {broken.public_id}" in err and "Permission denied" in err
    assert "đã ghi kích thước cho 2; không còn tệp: 0; không đọc được: 1" in out


def test_a_dry_run_reads_and_reports_but_writes_nothing(citizen):
    docs = [_own_file(citizen, n) for n in SIZES]
    gone = _own_file(citizen, 5)
    default_storage.delete(gone.file.name)
    out, err = _fill("--dry-run", "--batch-size", "2")
    assert "Chạy thử, không ghi gì. Đã đọc 5 giấy tờ; sẽ ghi kích thước cho 4" in out
    assert str(gone.public_id) in err
    assert _sizes(*docs, gone) == [0] * 5
    assert not AuditEntry.objects.filter(action="vault.sizes_filled").exists()


def test_quota_usage_and_the_store_page_count_the_filled_uploads(client, citizen, settings):
    settings.VAULT_QUOTA_BYTES = 10_000_000
    docs = [_own_file(citizen, n) for n in SIZES] + [_unsized_upload(citizen)]
    real = sum(SIZES) + checked_pdf().size
    assert services.owner_usage(owner=citizen) == 0
    _fill()
    assert services.owner_usage(owner=citizen) == real
    sign_in(client, citizen)
    page = client.get("/kho-du-lieu/").content.decode()
    assert f"dùng {filesizeformat(real)} / {filesizeformat(10_000_000)}" in page
    listed = {d["id"]: d["size"] for d in client.get("/api/v1/vault/documents").json()}
    assert listed == {str(d.public_id): d.file.size for d in docs}


def test_results_filed_by_the_migration_get_their_size_and_the_api_shows_it(
    client, procedure, citizen, officer, leader
):
    # Two results approved before the store recorded sizes, placed there by the data migration.
    for _ in range(2):
        d = submitted_dossier(procedure, citizen)
        for action in ("receive", "start_processing"):
            d = dossier_services.dossier_act(dossier=d, action=action, actor=officer)
        dossier_services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
    StoredDocument.objects.filter(source="result").delete()
    # A receipt filed before its size was recorded.
    StoredDocument.objects.filter(source="receipt").update(size=0)
    assert backfill.run(apps)["stored"] == 2
    issued = list(StoredDocument.objects.filter(owner=citizen).select_related("dossier_document"))
    assert {d.source for d in issued} == {"result", "receipt"} and len(issued) == 4
    assert all(d.size == 0 and not d.file for d in issued)
    out, _err = _fill()
    assert "đã ghi kích thước cho 4" in out
    expected = {str(d.public_id): d.dossier_document.file.size for d in issued}
    assert all(expected.values())
    sign_in(client, citizen)
    listed = {d["id"]: d["size"] for d in client.get("/api/v1/vault/documents").json()}
    assert listed == expected
    # Results and receipts do not count in the quota (the store's rule, unchanged).
    assert services.owner_usage(owner=citizen) == 0


def test_sizes_are_read_from_an_s3_bucket_and_a_missing_object_is_reported(
    bucket, s3_endpoint, citizen
):
    docs = [_own_file(citizen, n) for n in SIZES]
    upload = _unsized_upload(citizen)
    gone = _own_file(citizen, 5)
    s3_client(s3_endpoint).delete_object(Bucket=bucket, Key=f"media/{gone.file.name}")
    out, err = _fill("--dry-run")
    assert _sizes(*docs, upload, gone) == [0] * 6
    out, err = _fill("--batch-size", "2")
    assert _sizes(*docs, upload, gone) == [*SIZES, checked_pdf().size, 0]
    assert f"Không còn tệp trong nơi lưu trữ: giấy tờ {gone.public_id}" in err
    assert "Đã đọc 6 giấy tờ; đã ghi kích thước cho 5; không còn tệp: 1; không đọc được: 0" in out
    assert services.owner_usage(owner=citizen) == sum(SIZES) + checked_pdf().size
