"""The documents a dossier's actions issue are the agency's papers, in Vietnamese: an officer who acts
with the portal in English (the pages or the API with ``Accept-Language: en``) issues the same record
as one who acts in Vietnamese."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from opendvc.dossiers import services
from opendvc.dossiers.models import DossierDocument

from .conftest import submitted_dossier

pytestmark = pytest.mark.django_db


def test_a_return_recorded_in_english_issues_a_vietnamese_delivery_record(procedure, citizen, officer, leader):
    # The record read "Hình thức trả: In person at the one-stop desk".
    d = submitted_dossier(procedure, citizen)
    d = services.dossier_act(dossier=d, action="receive", actor=officer)
    d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
    d = services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    with translation.override("en"):
        d = services.dossier_act(dossier=d, action="return_result", actor=officer, method="counter",
                                 recipient="Nguyễn Văn Bình")
    document = DossierDocument.objects.get(dossier=d, kind="delivery_record")
    with document.file.open("rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "Trực tiếp tại bộ phận một cửa" in text and "In person" not in text
