"""The completed form's page offers filing only for a procedure that takes dossiers online: on a
level-1 procedure "Nộp hồ sơ với tờ khai này" led to a 409 "Thủ tục chưa nhận hồ sơ trực tuyến"."""

from __future__ import annotations

import pytest

from opendvc.catalog.models import Procedure
from opendvc.eforms.models import FormDraft

from .conftest import birth_data
from .test_pages import START, _post

pytestmark = pytest.mark.usefixtures("eforms")


def _completed(client, applicant, ward) -> str:
    client.force_login(applicant)
    _post(client, START, birth_data(ward), action="save")
    url = f"/to-khai/ban-nhap/{FormDraft.objects.get(user=applicant).public_id}/"
    assert _post(client, url, birth_data(ward), action="finish").status_code == 302
    return f"{url}hoan-thanh/"


@pytest.mark.parametrize(("level", "offered"), [(1, False), (2, False), (3, True), (4, True)])
def test_filing_is_offered_by_the_procedures_level(client, applicant, a_ward, level, offered):
    done = _completed(client, applicant, a_ward)
    Procedure.objects.filter(code="1.001193").update(level=level)
    html = client.get(done).content.decode()
    assert ("Nộp hồ sơ với tờ khai này" in html) is offered
    assert ("chưa nhận hồ sơ trực tuyến" in html) is not offered
    assert "Tải tờ khai (PDF)" in html
