"""The papers an officer asks for are Vietnamese data: on the English pages where the applicant
completes the dossier or sends the supplement they are marked ``lang="vi"`` (WCAG 2.1, 3.1.2), as on
the dossier's own page."""

from __future__ import annotations

import pytest

from opendvc.dossiers import services

from .conftest import sign_in, submitted_dossier
from .test_processing import at_specialist, received

pytestmark = pytest.mark.django_db


def test_the_papers_to_complete_are_marked_on_the_english_filing_page(
    client, procedure, citizen, officer
):
    d = services.dossier_act(
        dossier=submitted_dossier(procedure, citizen),
        action="return_for_completion",
        actor=officer,
        items=["Bản sao CCCD"],
    )
    sign_in(client, citizen)
    client.cookies["django_language"] = "en"
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/soan/").content.decode()
    assert '<li lang="vi">Bản sao CCCD</li>' in page


def test_the_papers_to_supply_are_marked_on_the_english_supplement_page(
    client, procedure, citizen, officer, processor
):
    d = services.dossier_act(
        dossier=at_specialist(received(procedure, citizen, officer), officer),
        action="request_supplement",
        actor=processor,
        items=["Trích lục"],
    )
    sign_in(client, citizen)
    client.cookies["django_language"] = "en"
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/bo-sung/").content.decode()
    assert '<li lang="vi">Trích lục</li>' in page
