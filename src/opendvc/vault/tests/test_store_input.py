"""What the owner types about a stored document is kept clean (no invisible or bidi-control characters,
full-width digits made plain); reuse matches a document's type to a component by whole words, the same
rule for what is offered and what is accepted; an expired upload is not shared, and a shared document
past its expiry says so before it opens."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from opendvc.core.problems import ProblemError
from opendvc.dossiers.tests.conftest import checked_pdf
from opendvc.vault import services
from opendvc.vault.models import ShareAccess, ShareLink, StoredDocument

pytestmark = pytest.mark.django_db


def _upload(owner, document_type="Giấy chứng sinh", **kw):
    return services.document_upload(
        owner=owner, checked=checked_pdf(), document_type=document_type, **kw
    )


def test_invisible_and_bidi_characters_are_not_kept(citizen):
    doc = _upload(
        citizen,
        document_type="Căn cước\u200b công dân \u202etxet",
        title="Thẻ\u2066 của tôi\u2069",
        issuer="Cục Cảnh sát \u202eQLHC\u202c",
        number=" ０７５\u200d/ＣＣ ",
    )
    doc.refresh_from_db()
    assert doc.document_type == "Căn cước công dân txet"
    assert doc.title == "Thẻ của tôi"
    assert doc.issuer == "Cục Cảnh sát QLHC"
    assert doc.number == "075/CC"
    client = Client()
    client.force_login(citizen)
    page = client.get("/kho-du-lieu/").content.decode()
    assert "\u202e" not in page and "\u200b" not in page


def test_a_type_made_only_of_invisible_characters_is_refused(citizen):
    with pytest.raises(ProblemError) as err:
        _upload(citizen, document_type="\u200b\u202e ")
    assert err.value.extra["errors"][0]["path"] == "document_type"


@pytest.mark.parametrize("short_type", ["Hộ", "CC", "a", "Giấy tờ", "Bản sao"])
def test_a_short_or_generic_type_fits_no_component(procedure, citizen, short_type):
    doc = _upload(citizen, document_type=short_type)
    for component in procedure.components.all():
        assert not services.type_matches(component=component, document=doc)
        assert services.reusable_for(owner=citizen, component=component) == []
    offer = services.filing_offer(owner=citizen, components=list(procedure.components.all()))
    assert all(docs == [] for docs in offer.values())


def test_a_type_matches_whole_words_of_the_component(procedure, citizen):
    component = procedure.components.get(name="Giấy chứng sinh")
    for typed in ("giấy chứng sinh", "Bản sao Giấy chứng sinh", "GIAY CHUNG SINH"):
        doc = _upload(citizen, document_type=typed)
        assert services.type_matches(component=component, document=doc), typed
    # Letters inside a word are no match ("chứng sinh" is in the name, "ng si" is not a word).
    part = _upload(citizen, document_type="ng si")
    assert not services.type_matches(component=component, document=part)


def test_a_short_type_posted_by_hand_is_refused(client, procedure, citizen, justice):
    from opendvc.dossiers.models import DossierFile

    doc = _upload(citizen, document_type="Hộ")
    component = procedure.components.get(name="Giấy chứng sinh")
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{procedure.code}/").content.decode()
    assert str(doc.public_id) not in page
    r = client.post(
        f"/nop-ho-so/{procedure.code}/",
        {"co-quan": justice.pk, "action": "nhap", f"kho-{component.pk}": str(doc.public_id)},
    )
    assert r.status_code == 422
    assert "không khớp với" in r.content.decode()
    assert not DossierFile.objects.exists()


def test_an_expired_upload_is_not_shared(client, citizen):
    doc = _upload(citizen, issued_on=date(2010, 1, 1), expires_on=date(2020, 1, 1))
    with pytest.raises(ProblemError) as err:
        services.share_create(document=doc, actor=citizen, days=2)
    assert err.value.status == 409
    assert "đã hết hạn ngày 01/01/2020" in err.value.detail
    client.force_login(citizen)
    page = client.get("/kho-du-lieu/").content.decode()
    assert f"/kho-du-lieu/{doc.public_id}/chia-se/" not in page
    assert "Giấy tờ đã hết hạn nên không chia sẻ được." in page
    r = client.post(f"/kho-du-lieu/{doc.public_id}/chia-se/", {"days": "2"}, follow=True)
    assert "không chia sẻ được" in r.content.decode()
    api = client.post(
        f"/api/v1/vault/documents/{doc.public_id}/shares",
        {"days": 2},
        content_type="application/json",
    )
    assert api.status_code == 409
    assert api["Content-Type"].startswith("application/problem+json")
    assert not ShareLink.objects.exists()


def test_a_shared_document_past_its_expiry_says_so_before_it_opens(citizen):
    doc = _upload(citizen, issued_on=date(2010, 1, 1), expires_on=date(2099, 1, 1))
    link = services.share_create(document=doc, actor=citizen, days=2)
    StoredDocument.objects.filter(pk=doc.pk).update(expires_on=date(2020, 1, 1))
    anyone = Client()
    notice = anyone.get(f"/kho-du-lieu/chia-se/{link.token}/")
    assert notice.status_code == 200
    body = notice.content.decode()
    assert "đã hết hạn ngày 01/01/2020" in body
    assert not ShareAccess.objects.exists()
    opened = anyone.get(f"/kho-du-lieu/chia-se/{link.token}/?mo=1")
    assert opened.status_code == 200
    assert opened["Content-Type"] == "application/pdf"
    assert ShareAccess.objects.count() == 1


def test_the_reuse_api_takes_the_component_as_a_strict_integer(client, procedure, citizen, justice):
    """``true`` was read as component 1 and "12" as 12; like the share's days, a component that is not
    a JSON integer is refused with 422 and nothing is attached."""
    from opendvc.dossiers import services as dossier_services
    from opendvc.dossiers.models import DossierFile
    from opendvc.dossiers.tests.conftest import sign_in

    doc = _upload(citizen)
    draft = dossier_services.dossier_create_draft(
        applicant=citizen, procedure=procedure, receiving_agency=justice, actor=citizen,
        channel="online",
    )
    component = procedure.components.get(name="Giấy chứng sinh")
    sign_in(client, citizen)
    url = f"/api/v1/vault/documents/{doc.public_id}/reuse"
    for value in (True, str(component.pk), float(component.pk)):
        body = {"dossier": str(draft.public_id), "component": value}
        r = client.post(url, body, content_type="application/json")
        assert r.status_code == 422, value
        assert r["Content-Type"] == "application/problem+json"
        assert r.json()["errors"][0]["path"] == "component", value
    assert not DossierFile.objects.exists()
    r = client.post(
        url, {"dossier": str(draft.public_id), "component": component.pk},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json() == {"dossier": str(draft.public_id), "component": component.pk}
    assert DossierFile.objects.filter(dossier=draft, component=component).count() == 1
