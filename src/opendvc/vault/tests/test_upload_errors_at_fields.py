"""A refused upload to the store shows each error at its input (``aria-invalid``, described by the
message) and links it from the summary, with what was typed kept."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opendvc.dossiers.tests.conftest import sign_in
from opendvc.vault.models import StoredDocument

pytestmark = pytest.mark.django_db


def _input(page: str, name: str) -> str:
    return re.search(rf'<input[^>]* name="{name}"[^>]*>', page).group(0)


def test_each_refused_input_is_marked_and_linked_from_the_summary(client, citizen):
    sign_in(client, citizen)
    r = client.post(
        "/kho-du-lieu/",
        {
            "document_type": "",
            "issuer": "Công an tỉnh",
            "number": "075/CC",
            "issued_on": "31/02/2024",
            "expires_on": "",
            "file": SimpleUploadedFile("rong.pdf", b""),
        },
    )
    assert r.status_code == 422
    page = r.content.decode()
    for name in ("document_type", "issued_on", "file"):
        tag = _input(page, name)
        assert 'aria-invalid="true"' in tag and f'aria-describedby="{name}-error"' in tag
        assert f'id="{name}-error"' in page
        assert f'<a href="#{name}">' in page
    for name in ("issuer", "number", "expires_on"):
        assert "aria-invalid" not in _input(page, name)
    assert 'value="Công an tỉnh"' in _input(page, "issuer")
    assert 'value="31/02/2024"' in _input(page, "issued_on")
    assert not StoredDocument.objects.filter(owner=citizen).exists()
