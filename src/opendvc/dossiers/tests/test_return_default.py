"""The return-result form proposes the way the applicant chose when filing (Regulation Art. 6.4)."""

from __future__ import annotations

import re

import pytest
import time_machine

from opendvc.dossiers import services
from opendvc.dossiers.returns import return_method_default

from .conftest import make_procedure, sign_in, submitted_dossier
from .test_appointments import TUESDAY_9


def _result_ready(procedure, citizen, officer, leader, channel):
    with time_machine.travel(TUESDAY_9, tick=False):
        if channel == "online":
            d = submitted_dossier(procedure, citizen)
            d = services.dossier_act(dossier=d, action="receive", actor=officer)
        else:
            d = services.counter_intake(
                actor=officer,
                procedure=procedure,
                receiving_agency=procedure.agencies.get(),
                channel=channel,
                applicant=citizen,
            )
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        return services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )


@pytest.mark.parametrize(
    ("level", "channel", "expected"),
    [
        (4, "online", "online"),
        (4, "counter", "counter"),
        (4, "postal", "postal"),
        (3, "postal", "postal"),
        # Level 3 offers no online return (Regulation Art. 2.13): the counter is proposed instead.
        (3, "online", "counter"),
    ],
)
def test_return_form_defaults_to_the_applicants_choice(
    client, citizen, officer, leader, level, channel, expected
):
    procedure = make_procedure(level=level)
    d = _result_ready(procedure, citizen, officer, leader, channel)
    assert return_method_default(dossier=d) == expected
    sign_in(client, officer)
    page = client.get(f"/can-bo/xu-ly/{d.code}/").content.decode()
    select = re.search(r'<select id="method" name="method">(.*?)</select>', page, re.S).group(1)
    # The one-stop officer records no postal delivery (the post does, after the office's hand-over,
    # which the form links to): the counter is proposed on their page.
    shown = "counter" if expected == "postal" else expected
    assert re.findall(r'<option value="(\w+)" selected>', select) == [shown]
    assert 'value="postal"' not in select
    assert (f"/mot-cua/buu-chinh/tra-ket-qua/{d.code}/" in page) == (expected == "postal")
