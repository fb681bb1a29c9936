"""A real S3-compatible server on a free loopback port (moto in server mode), and the storage
settings that point the portal at one of its buckets. A test module imports the fixtures
``s3_endpoint`` (one server per module) and ``bucket`` (a new bucket per test, the portal's storages
pointed at it)."""

from __future__ import annotations

import contextlib
import logging
import uuid

import pytest

from .served import free_port

ACCESS_KEY = "opendvc-test"
SECRET_KEY = "opendvc-test-secret"
REGION = "us-east-1"


@contextlib.contextmanager
def s3_server():
    """Yield the endpoint URL of a threaded moto S3 server, stopped afterwards."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def new_bucket(endpoint: str) -> str:
    """A fresh private bucket (no policy, no ACL: nothing is readable without the keys)."""
    name = f"opendvc-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def s3_storages(endpoint: str, bucket: str, location: str = "media") -> dict:
    """STORAGES as the settings build them from STORAGE_URL=s3://bucket/location."""
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "location": location,
                "endpoint_url": endpoint,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def unreachable_storages(bucket: str) -> dict:
    """STORAGES pointing at a bucket whose server cannot be reached (a free port: refused at once,
    one attempt, no retries), as in an outage of the object store."""
    from botocore.config import Config

    down = s3_storages(f"http://127.0.0.1:{free_port()}", bucket)
    down["default"]["OPTIONS"]["client_config"] = Config(
        s3={"addressing_style": "path"},
        signature_version="s3v4",
        retries={"total_max_attempts": 1},
        connect_timeout=2,
    )
    return down


def object_keys(endpoint: str, bucket: str) -> set[str]:
    listing = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return {o["Key"] for o in listing.get("Contents", [])}


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint, settings):
    name = new_bucket(s3_endpoint)
    settings.STORAGES = s3_storages(s3_endpoint, name)
    return name
