"""A refused "Lưu nháp" is headed as a draft that could not be saved, not as a save for review."""

from __future__ import annotations

from datetime import date

import pytest

from opendvc.dossiers.tests.conftest import checked_pdf
from opendvc.vault import services

pytestmark = pytest.mark.django_db


def test_a_refused_draft_save_says_the_draft_was_not_saved(client, procedure, citizen, justice):
    expired = services.document_upload(
        owner=citizen,
        checked=checked_pdf(),
        document_type="Giấy chứng sinh",
        expires_on=date(2021, 1, 1),
    )
    component = procedure.components.get(name="Giấy chứng sinh")
    client.force_login(citizen)
    refused = client.post(
        f"/nop-ho-so/{procedure.code}/",
        {"co-quan": justice.pk, "action": "nhap", f"kho-{component.pk}": str(expired.public_id)},
    )
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Chưa lưu được bản nháp" in page
    assert "Hồ sơ chưa thể lưu để xem lại" not in page
    assert "đã hết hạn ngày 01/01/2021" in page
