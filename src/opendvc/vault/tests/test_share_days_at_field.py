"""A refused number of days for a share link is answered on the store's page (422), at that
document's input, with what was typed kept; the other documents' inputs are left as they were."""

from __future__ import annotations

import re

import pytest

from opendvc.vault.models import ShareLink

from .test_store_input import _upload


@pytest.mark.parametrize("typed", ["45", "0", "-1", "abc"])
def test_a_refused_number_of_days_is_shown_at_its_input(client, citizen, typed):
    doc = _upload(citizen)
    other = _upload(citizen)
    client.force_login(citizen)
    r = client.post(f"/kho-du-lieu/{doc.public_id}/chia-se/", {"days": typed})
    assert r.status_code == 422
    page = r.content.decode()
    message = "Thời hạn chia sẻ từ 1 đến 30 ngày."
    # In the summary, linked to the input.
    assert re.search(rf'<a href="#days-{doc.pk}">{re.escape(message)}</a>', page)
    # At the input, which says it is wrong and keeps what was typed.
    field = re.search(rf'<input type="number" id="days-{doc.pk}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and f'aria-describedby="days-{doc.pk}-error"' in field
    assert f'value="{typed}"' in field
    assert f'id="days-{doc.pk}-error"' in page
    # The other document's input is untouched.
    untouched = re.search(rf'<input type="number" id="days-{other.pk}"[^>]*>', page).group(0)
    assert "aria-invalid" not in untouched and 'value="7"' in untouched
    assert not ShareLink.objects.exists()


def test_a_good_number_of_days_still_makes_the_link(client, citizen):
    doc = _upload(citizen)
    client.force_login(citizen)
    r = client.post(f"/kho-du-lieu/{doc.public_id}/chia-se/", {"days": "3"})
    assert r.status_code == 302
    assert ShareLink.objects.filter(document=doc).count() == 1
