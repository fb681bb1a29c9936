"""The actions of the processing page (supplement request, fees, stop, apology…): a refused one answers
422 with each error at its input (aria-invalid, described by the message) and linked from the
summary, what was typed kept."""

from __future__ import annotations

from opendvc.dossiers.models import Dossier

from .conftest import sign_in
from .test_office_action_fields import at_field
from .test_processing import at_specialist, received


def test_a_supplement_request_without_items_is_refused_at_the_items_box(
    client, procedure, citizen, officer, processor
):
    d = at_specialist(received(procedure, citizen, officer), officer)
    sign_in(client, processor)
    r = client.post(
        f"/can-bo/xu-ly/{d.code}/thao-tac/",
        {"action": "request_supplement", "items": " ", "note": "Trong 5 ngày", "version": d.version},
    )
    page = r.content.decode()
    assert r.status_code == 422 and at_field(page, "items") and "Phải liệt kê" in page
    assert 'value="Trong 5 ngày"' in page
    assert 'id="reason-back-error"' not in page and "dict_items" not in page
    assert Dossier.objects.get(pk=d.pk).status == "processing"


def test_a_fee_of_no_whole_amount_is_refused_at_its_amount(
    client, procedure, citizen, officer, processor
):
    d = at_specialist(received(procedure, citizen, officer), officer)
    sign_in(client, processor)
    r = client.post(
        f"/can-bo/xu-ly/{d.code}/thao-tac/",
        {
            "action": "require_payment",
            "khoan-khac": "Phí sao lục",
            "so-tien-khac": "mười nghìn",
            "version": d.version,
        },
    )
    page = r.content.decode()
    assert r.status_code == 422 and at_field(page, "so-tien-khac")
    assert "Số tiền phải là số nguyên đồng." in page and 'value="Phí sao lục"' in page
    assert not at_field(page, "khoan-khac")


def test_an_apology_without_a_reason_is_refused_at_the_reason(
    client, procedure, citizen, officer, processor, leader
):
    d = at_specialist(received(procedure, citizen, officer), officer)
    sign_in(client, leader)
    r = client.post(
        f"/can-bo/xu-ly/{d.code}/thao-tac/",
        {"action": "apology", "reason": "  ", "new_due_at": "20/12/2026"},
    )
    page = r.content.decode()
    assert r.status_code == 422 and at_field(page, "reason-apology")
    assert 'value="20/12/2026"' in page


def test_a_stop_without_a_reason_is_refused_at_the_reason(
    client, procedure, citizen, officer, processor, leader
):
    d = at_specialist(received(procedure, citizen, officer), officer)
    sign_in(client, leader)
    assert 'id="reason-stop"' in client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    r = client.post(
        f"/can-bo/xu-ly/{d.code}/thao-tac/", {"action": "stop", "reason": "", "version": d.version}
    )
    assert r.status_code == 422 and at_field(r.content.decode(), "reason-stop")
