"""Files in an S3-compatible object store: a real S3 server (moto in server mode) on a loopback
port, a private bucket, and the portal's own code paths — filing stores the files in the bucket,
the authorised view streams them back, the retention jobs delete them, a missing object gets a
clear page, and backups read the bucket through the storage API."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from opendvc.core.orphans import orphan_files_sweep
from opendvc.core.tests.s3server import new_bucket, object_keys, s3_client, s3_storages
from opendvc.core.tests.served import ROOT

from .conftest import checked_pdf, small_pdf, submitted_dossier

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_storage_url_selects_the_private_s3_backend():
    env = {
        **os.environ,
        "STORAGE_URL": "s3://ho-so/dong-nai",
        "AWS_S3_ENDPOINT_URL": "http://minio:9000",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from opendvc.settings import base; print(json.dumps(base.STORAGES))",
        ],
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    default = json.loads(out)["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert (options["bucket_name"], options["location"], options["endpoint_url"]) == (
        "ho-so",
        "dong-nai",
        "http://minio:9000",
    )
    # Private: no ACL on objects, and any URL the backend makes is signed and short-lived.
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["querystring_expire"] <= 300 and options["file_overwrite"] is False
    bad = subprocess.run(
        [sys.executable, "-c", "from opendvc.settings import base"],
        env={**env, "STORAGE_URL": "ftp://x", "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0 and "STORAGE_URL must be s3://bucket" in bad.stderr


def test_filed_files_go_to_the_bucket_and_come_back_through_the_view(
    bucket, s3_endpoint, procedure, citizen, stranger, client
):
    d = submitted_dossier(procedure, citizen)
    f = d.files.first()
    keys = object_keys(s3_endpoint, bucket)
    assert f"media/{f.file.name}" in keys
    # Private bucket: only the owner holds a grant, nobody reads an object by its address.
    acl = s3_client(s3_endpoint).get_object_acl(Bucket=bucket, Key=f"media/{f.file.name}")
    assert not [g for g in acl["Grants"] if "URI" in g.get("Grantee", {})]

    client.force_login(stranger)
    assert client.get(f"/ho-so-cua-toi/{d.public_id}/tep/{f.pk}/").status_code == 404
    client.force_login(citizen)
    r = client.get(f"/ho-so-cua-toi/{d.public_id}/tep/{f.pk}/")
    assert r.status_code == 200 and "Location" not in r.headers
    assert _body(r) == small_pdf()
    assert r["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(small_pdf()).hexdigest() == f.sha256


def test_a_missing_object_gets_a_clear_page_not_a_server_error(
    bucket, s3_endpoint, procedure, citizen, client
):
    d = submitted_dossier(procedure, citizen)
    f = d.files.first()
    s3_client(s3_endpoint).delete_object(Bucket=bucket, Key=f"media/{f.file.name}")
    client.force_login(citizen)
    r = client.get(f"/ho-so-cua-toi/{d.public_id}/tep/{f.pk}/")
    assert r.status_code == 404
    assert "không còn trong kho lưu trữ" in r.content.decode()


def test_retention_jobs_delete_objects_from_the_bucket(bucket, s3_endpoint, citizen):
    from opendvc.dossiers import services

    upload = services.upload_create(owner=citizen, checked=checked_pdf())
    name = upload.file.name
    assert f"media/{name}" in object_keys(s3_endpoint, bucket)
    later = timezone.now() + timedelta(days=2)
    assert services.cleanup_unclaimed_uploads(older_than=later) == 1
    assert f"media/{name}" not in object_keys(s3_endpoint, bucket)
    # A file stored by a process that died before its row was written: swept from the bucket too.
    orphan = services._store(checked_pdf("mo-coi.pdf"))
    assert orphan_files_sweep(older_than=later).total == 1
    assert f"media/{orphan}" not in object_keys(s3_endpoint, bucket)


def test_storage_health_check_uses_the_bucket(bucket, s3_endpoint):
    from opendvc.ops.checks import check_storage

    ok, info = check_storage()
    assert ok and info == "S3Storage"
    assert object_keys(s3_endpoint, bucket) == set()


def test_backup_reads_the_bucket_and_restore_writes_one(
    bucket, s3_endpoint, settings, tmp_path, citizen
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from opendvc.core import backup

    names = [
        default_storage.save(f"hoso/2026/tep-{i}.pdf", ContentFile(f"%PDF nội dung {i}".encode()))
        for i in range(2)
    ]
    files = backup._storage_names()
    assert set(names) <= set(files)
    backup._storage_download(tmp_path / "media")
    for name in names:
        assert (tmp_path / "media" / name).read_bytes() == default_storage.open(name).read()

    # Restore side: a new, empty bucket receives every file with the same content.
    settings.STORAGES = s3_storages(s3_endpoint, new_bucket(s3_endpoint))
    assert backup._storage_names() == []
    backup._storage_upload(tmp_path / "media")
    assert set(backup._storage_names()) == set(files)
    for name in names:
        assert (
            backup._storage_sha256(name)
            == hashlib.sha256((tmp_path / "media" / name).read_bytes()).hexdigest()
        )
