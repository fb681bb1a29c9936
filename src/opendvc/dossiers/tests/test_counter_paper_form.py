"""Counter and postal intake of a procedure with an e-form: the paper dossier carries its own
declaration, so it is received without the e-form; form data the officer does enter is still checked."""

from __future__ import annotations

import pytest

from opendvc.accounts.tests.factories import UserFactory
from opendvc.core.problems import ProblemError
from opendvc.dossiers import services
from opendvc.eforms.demo import shipped_definitions
from opendvc.eforms.services import definition_publish, definition_save

from .conftest import checked_pdf, make_procedure

SHAPES = [
    ("1.004873", "xac-nhan-tinh-trang-hon-nhan", "counter"),
    ("2.000635", "cap-ban-sao-trich-luc-ho-tich", "postal"),
    ("1.001612", "dang-ky-ho-kinh-doanh", "counter"),
]


def _with_form(code: str, key: str):
    procedure = make_procedure(code=code)
    form = definition_save(key=key, definition=shipped_definitions()[key], actor=None)
    definition_publish(form=form, actor=None)
    return procedure


@pytest.mark.parametrize(("code", "key", "channel"), SHAPES)
def test_paper_dossier_received_without_the_eform(officer, justice, code, key, channel):
    procedure = _with_form(code, key)
    person = UserFactory(full_name="Đỗ Thị Thu")
    d = services.counter_intake(
        actor=officer,
        procedure=procedure,
        receiving_agency=justice,
        channel=channel,
        applicant=person,
        files=[(None, checked_pdf("to-khai-giay.pdf"))],
    )
    assert d.status == "received" and d.code and d.due_at
    assert d.form_data == {} and d.declared_at is None


@pytest.mark.parametrize(("code", "key", "channel"), SHAPES)
def test_form_data_entered_at_the_counter_is_still_checked(officer, justice, code, key, channel):
    procedure = _with_form(code, key)
    with pytest.raises(ProblemError) as exc:
        services.counter_intake(
            actor=officer,
            procedure=procedure,
            receiving_agency=justice,
            channel=channel,
            applicant=UserFactory(),
            data={"declaration": "khong"},
        )
    assert any(e["path"].startswith("data.") for e in exc.value.extra["errors"])
    assert not procedure.dossiers.exists()


def test_online_filing_still_needs_the_eform(citizen, justice):
    procedure = _with_form("2.000635", "cap-ban-sao-trich-luc-ho-tich")
    d = services.dossier_create_draft(
        applicant=citizen, procedure=procedure, receiving_agency=justice, actor=citizen
    )
    with pytest.raises(ProblemError) as exc:
        services.dossier_act(dossier=d, action="submit", actor=citizen, declaration=True)
    assert any(e["path"].startswith("data.") for e in exc.value.extra["errors"])
