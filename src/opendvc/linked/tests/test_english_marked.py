"""A linked dossier's parts name procedures and agencies in Vietnamese: on the applicant's English
pages (the dossier's summary of its parts, the progress page) they are marked ``lang="vi"``
(WCAG 2.1, 3.1.2)."""

from __future__ import annotations

from django.utils.html import escape

from opendvc.dossiers.tests.conftest import sign_in
from opendvc.linked.bundles import BIRTH
from opendvc.linked.models import Part

from .conftest import file_bundle


def test_the_parts_names_are_marked_on_the_applicants_english_pages(bundles, people, client):
    dossier = file_bundle(bundles[BIRTH], people)
    parts = list(Part.objects.filter(dossier=dossier).select_related("member", "agency"))
    sign_in(client, people["citizen"])
    client.cookies["django_language"] = "en"
    summary = client.get(f"/ho-so-cua-toi/{dossier.public_id}/").content.decode()
    progress = client.get(f"/ho-so-cua-toi/{dossier.public_id}/lien-thong/").content.decode()
    for part in parts:
        agency = f'<span lang="vi">{escape(part.agency.name)}</span>'
        assert f'<span lang="vi">{escape(part.member.name)}</span>' in summary
        assert agency in summary and agency in progress
        assert f'<h3 lang="vi">{escape(part.member.name)}</h3>' in progress
