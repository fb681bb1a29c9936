"""The reads of a share link keep the reader's address as every record does: behind the trusted
proxies, or none when the request has no usable one (the column is an ``inet`` on PostgreSQL: a word
such as "unknown" there was a server error)."""

from __future__ import annotations

import pytest
from django.test import Client

from opendvc.vault import services
from opendvc.vault.models import ShareAccess

from .test_store import _upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("meta", "proxies", "kept"),
    [
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, 1, "203.0.113.7"),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, 0, "10.0.0.2"),
        ({"REMOTE_ADDR": "khong-phai-dia-chi"}, 0, None),
    ],
)
def test_a_share_links_reader_is_recorded_by_the_client_address(
    citizen, settings, meta, proxies, kept
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    link = services.share_create(document=_upload(citizen), actor=citizen, days=3)
    response = Client(**meta).get(f"/kho-du-lieu/chia-se/{link.token}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert list(ShareAccess.objects.filter(link=link).values_list("ip", flat=True)) == [kept]
