"""Text typed into a dossier action is bounded: a withdrawal reason of a megabyte was stored in the
history, returned by every read of the dossier and printed on the office's page."""

from __future__ import annotations

import pytest

from opendvc.core.problems import ProblemError
from opendvc.dossiers import services
from opendvc.dossiers.models import Dossier, DossierEvent

from .conftest import sign_in, submitted_dossier


def test_a_withdrawal_reason_over_the_limit_is_refused_through_the_api(client, procedure, citizen):
    d = submitted_dossier(procedure, citizen)
    sign_in(client, citizen)
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions",
        {"action": "withdraw", "reason": "R" * 1_000_000},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert [e["path"] for e in r.json()["errors"]] == ["reason"]
    assert "2.000" in r.json()["errors"][0]["message"]
    assert Dossier.objects.get(pk=d.pk).status == d.status  # nothing changed
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions",
        {"action": "withdraw", "reason": "R" * 2000},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert DossierEvent.objects.filter(dossier=d, action="withdraw").get().note == "R" * 2000


def test_an_officers_note_and_a_result_have_their_own_limits(procedure, citizen, officer):
    d = submitted_dossier(procedure, citizen)
    with pytest.raises(ProblemError) as caught:
        services.dossier_act(dossier=d, action="receive", actor=officer, note="n" * 2001)
    error = caught.value.extra["errors"][0]
    assert error["path"] == "note" and "Tối đa 2.000 ký tự" in error["message"]
    from opendvc.dossiers.services.transitions import MACHINE

    assert MACHINE.text_limits["result"] == 20000 > MACHINE.text_max


@pytest.mark.parametrize(
    ("items", "path"),
    [
        ([{"a": 1}, "Bản sao CCCD"], "items.0"),
        (["Bản sao CCCD", None], "items.1"),
        (["Bản sao CCCD", 5], "items.1"),
        (["x" * 501], "items.0"),
        (["Giấy tờ"] * 51, "items"),
        ({"a": 1}, "items"),
    ],
)
def test_the_papers_asked_for_are_lines_of_text(procedure, citizen, officer, items, path):
    # Each was shown to the applicant as a paper to bring: "None", "{'a': 1}", "5".
    d = submitted_dossier(procedure, citizen)
    with pytest.raises(ProblemError) as caught:
        services.dossier_act(dossier=d, action="return_for_completion", actor=officer, items=items)
    assert path in [e["path"] for e in caught.value.extra["errors"]]
    assert Dossier.objects.get(pk=d.pk).completion_items in ([], None)


def test_lines_of_text_are_asked_for_as_typed(procedure, citizen, officer):
    d = submitted_dossier(procedure, citizen)
    d = services.dossier_act(
        dossier=d, action="return_for_completion", actor=officer, items=[" Bản sao CCCD ", "", "Tờ khai"]
    )
    assert d.completion_items == ["Bản sao CCCD", "Tờ khai"]
