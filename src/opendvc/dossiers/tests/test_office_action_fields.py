"""The actions of the office's dossier page (receive, return for completion, refuse): a refused one
answers 422 with each error at its input (aria-invalid, described by the message) and linked from the
summary, what was typed kept."""

from __future__ import annotations

import pytest

from opendvc.dossiers.lifecycle import State
from opendvc.dossiers.models import Dossier

from .conftest import make_procedure, sign_in, submitted_dossier


def at_field(page: str, input_id: str) -> bool:
    return (
        f'id="{input_id}-error"' in page
        and f'aria-invalid="true" aria-describedby="{input_id}-error"' in page
        and f'href="#{input_id}"' in page
    )


def test_a_refusal_without_a_reason_is_refused_at_the_reason(client, citizen, officer, procedure):
    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    r = client.post(f"/mot-cua/ho-so/{d.code}/thao-tac/", {"action": "refuse", "reason": "   "})
    page = r.content.decode()
    assert r.status_code == 422 and at_field(page, "reason") and "Phải nêu lý do." in page
    # The other forms' inputs carry no error (a missing one is not the mapping's "items" method).
    assert 'id="items-error"' not in page and "dict_items" not in page
    assert Dossier.objects.get(pk=d.pk).status == State.SUBMITTED


def test_a_line_too_long_is_refused_at_the_items_box_what_was_typed_kept(
    client, citizen, officer, procedure
):
    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    items = "Giấy chứng sinh bản chính\n" + "x" * 600
    r = client.post(
        f"/mot-cua/ho-so/{d.code}/thao-tac/",
        {"action": "return_for_completion", "items": items, "note": "Trong 5 ngày"},
    )
    page = r.content.decode()
    assert r.status_code == 422 and at_field(page, "items")
    assert "Giấy chứng sinh bản chính" in page and 'value="Trong 5 ngày"' in page
    assert not at_field(page, "note-return") and not at_field(page, "reason")


@pytest.mark.parametrize("typed", ["31/02/2026 09:00", "01/01/0001 09:00", "ngày mai"])
def test_an_appointment_that_cannot_be_read_is_refused_at_its_input(
    client, citizen, officer, agencies, typed
):
    p = make_procedure(code="1.000002", time_amount=None)
    d = submitted_dossier(p, citizen)
    sign_in(client, officer)
    r = client.post(f"/mot-cua/ho-so/{d.code}/thao-tac/", {"action": "receive", "due_at": typed})
    page = r.content.decode()
    assert r.status_code == 422 and 'id="due_at-error"' in page and 'href="#due_at"' in page
    assert 'aria-describedby="due_at-help due_at-error" aria-invalid="true"' in page
    assert f'value="{typed}"' in page
    assert Dossier.objects.get(pk=d.pk).status == State.SUBMITTED


def test_a_conflict_is_in_the_summary_at_no_input(client, citizen, officer, procedure):
    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    r = client.post(
        f"/mot-cua/ho-so/{d.code}/thao-tac/",
        {"action": "refuse", "reason": "Sai thẩm quyền", "version": d.version + 5},
    )
    page = r.content.decode()
    assert r.status_code == 409 and "Hồ sơ đã thay đổi kể từ khi trang được mở" in page
    assert 'aria-invalid="true"' not in page and ">Sai thẩm quyền</textarea>" in page


def test_a_refusal_and_a_stop_ask_first_in_the_pages_language(
    client, citizen, officer, leader, procedure
):
    """Neither can be undone: the form asks before it is sent (``data-confirm``, read by portal.js)."""
    from .test_processing import at_specialist, received

    d = submitted_dossier(procedure, citizen)
    sign_in(client, officer)
    page = client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
    assert f'data-confirm="Từ chối tiếp nhận hồ sơ {d.code}? Người nộp nhận phiếu từ chối;' in page
    client.cookies["django_language"] = "en"
    page = client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
    assert f'data-confirm="Refuse dossier {d.code}? The applicant receives the refusal' in page
    d = at_specialist(received(procedure, citizen, officer), officer)
    sign_in(client, leader)
    client.cookies["django_language"] = "vi"
    page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    assert f'data-confirm="Dừng xử lý hồ sơ {d.code}? Người nộp nhận thông báo dừng;' in page
    client.cookies["django_language"] = "en"
    page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    assert f'data-confirm="Stop processing dossier {d.code}? The applicant receives' in page
