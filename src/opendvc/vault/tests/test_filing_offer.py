"""The filing page offers, per dossier component, the citizen's stored documents of the matching type to
attach by reference (Regulation QĐ 31/2020/QĐ-UBND Art. 6.2); expired ones are shown with the reason
and cannot be chosen. Plain form posts (no JavaScript); a procedure without and one with an e-form."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from opendvc.dossiers.models import Dossier, DossierFile
from opendvc.dossiers.tests.conftest import checked_pdf
from opendvc.vault import services

pytestmark = pytest.mark.django_db


def _upload(owner, document_type, **kw):
    return services.document_upload(
        owner=owner, checked=checked_pdf(), document_type=document_type, number="123/GCS", **kw
    )


def _english(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_store_documents_offered_per_component_and_attached_by_reference(
    client, procedure, citizen, justice
):
    valid = _upload(citizen, "Giấy chứng sinh", expires_on=date(2099, 1, 1))
    expired = _upload(citizen, "Giấy chứng sinh", expires_on=date(2021, 1, 1))
    other_type = _upload(citizen, "Giấy phép lái xe")
    birth_cert = procedure.components.get(name="Giấy chứng sinh")
    form_comp = procedure.components.get(name="Tờ khai đăng ký khai sinh")
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{procedure.code}/").content.decode()
    assert "Hoặc dùng giấy tờ trong Kho dữ liệu của bạn" in page
    assert f'name="kho-{birth_cert.pk}" value="{valid.public_id}"' in page
    assert "còn hạn đến 01/01/2099" in page
    assert "Hết hạn ngày 01/01/2021; không dùng lại được." in page
    assert str(expired.public_id) not in page and str(other_type.public_id) not in page
    assert f'name="kho-{form_comp.pk}"' not in page
    en = _english(citizen).get(f"/nop-ho-so/{procedure.code}/").content.decode()
    assert "Or use a document from your data store" in en
    assert "Expired on 01/01/2021; cannot be reused." in en

    # A hand-made post of the expired one is refused with the reason; nothing is attached.
    refused = client.post(
        f"/nop-ho-so/{procedure.code}/",
        {"co-quan": justice.pk, "action": "nhap", f"kho-{birth_cert.pk}": str(expired.public_id)},
    )
    assert refused.status_code == 422
    assert "đã hết hạn ngày 01/01/2021" in refused.content.decode()
    assert not DossierFile.objects.exists()

    saved = client.post(
        f"/nop-ho-so/{procedure.code}/",
        {"co-quan": justice.pk, "action": "nhap", f"kho-{birth_cert.pk}": str(valid.public_id)},
    )
    assert saved.status_code == 302
    draft = Dossier.objects.get(applicant=citizen)
    f = DossierFile.objects.get(dossier=draft, component=birth_cert)
    assert f.file.name == valid.file.name and f.sha256 == valid.sha256  # by reference, no copy

    # Another type in a component is refused.
    wrong = client.post(
        f"/ho-so-cua-toi/{draft.public_id}/soan/",
        {"action": "nhap", f"kho-{form_comp.pk}": str(valid.public_id)},
    )
    assert wrong.status_code == 422
    assert "không khớp với" in wrong.content.decode()
    assert DossierFile.objects.filter(dossier=draft).count() == 1


@pytest.fixture
def birth(db):
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.catalog.models import Procedure
    from opendvc.eforms import demo as eforms_demo

    agencies_demo.seed()
    catalog_demo.seed()
    eforms_demo.seed()
    return Procedure.objects.get(code="1.001193")


def test_the_offer_on_a_procedure_with_an_e_form(birth, citizen):
    from opendvc.dossiers.selectors import receiving_agencies

    component = birth.components.filter(kind="submit").exclude(name="").first()
    doc = _upload(citizen, component.name)
    client = Client()
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{birth.code}/").content.decode()
    assert 'name="tk' in page  # the e-form is there
    assert f'name="kho-{component.pk}" value="{doc.public_id}"' in page
    agency = receiving_agencies(procedure=birth).first()
    r = client.post(
        f"/nop-ho-so/{birth.code}/",
        {"co-quan": agency.pk, "action": "nhap", f"kho-{component.pk}": str(doc.public_id)},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    f = DossierFile.objects.get(dossier__applicant=citizen, component=component)
    assert f.file.name == doc.file.name
