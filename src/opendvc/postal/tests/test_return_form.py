"""The one-stop office's "Trả kết quả" form offers only the methods the officer may record: a postal
delivery is recorded by the post, after the office's hand-over, which the form links to."""

from __future__ import annotations

import re

import pytest

from opendvc.dossiers.models import Dossier

from .conftest import result_ready, sign_in

pytestmark = pytest.mark.django_db


def _options(page: str) -> tuple[list[str], list[str]]:
    select = re.search(r'<select id="method" name="method">(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="(\w+)"', select), re.findall(
        r'<option value="(\w+)" selected>', select
    )


def test_a_dossier_filed_by_post_is_not_offered_a_postal_return_the_officer_cannot_record(
    client, procedure, citizen, officer, leader
):
    d = result_ready(procedure, citizen, officer, leader, channel="postal")
    sign_in(client, officer)
    page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    offered, selected = _options(page)
    assert "postal" not in offered and selected == ["counter"]
    assert f'href="/mot-cua/buu-chinh/tra-ket-qua/{d.code}/"' in page


def test_a_refused_return_keeps_what_was_typed(client, procedure, citizen, officer, leader):
    d = result_ready(procedure, citizen, officer, leader, channel="postal")
    sign_in(client, officer)
    refused = client.post(
        f"/can-bo/xu-ly/{d.code}/thao-tac/",
        {
            "action": "return_result",
            "version": d.version,
            "method": "postal",
            "recipient": "Trần Văn Nhận",
            "identity_document": "CCCD 001",
        },
    )
    assert refused.status_code == 403
    page = refused.content.decode()
    assert 'value="Trần Văn Nhận"' in page and 'value="CCCD 001"' in page
    assert _options(page)[1] == ["counter"]
    ok = client.post(
        f"/can-bo/xu-ly/{d.code}/thao-tac/",
        {
            "action": "return_result",
            "version": d.version,
            "method": "counter",
            "recipient": "Trần Văn Nhận",
        },
    )
    assert ok.status_code == 302
    assert Dossier.objects.get(pk=d.pk).status == "returned"


def test_a_counter_dossier_shows_no_postal_hand_over(client, procedure, citizen, officer, leader):
    d = result_ready(procedure, citizen, officer, leader, channel="counter")
    sign_in(client, officer)
    page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    assert _options(page)[1] == ["counter"]
    assert "/mot-cua/buu-chinh/tra-ket-qua/" not in page
