"""Every text input of the officer's cards, the intake and the public results is one the shared stylesheet
styles; the filing step indicator is an ordered list whose steps read apart ("1. …", "2. …"); fees on
the officer's cards are written in đồng."""

from __future__ import annotations

import re
from pathlib import Path

import time_machine

from opendvc.dossiers import services

from .conftest import sign_in, submitted_dossier
from .test_appointments import TUESDAY_9

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"
NOT_TEXT = {"hidden", "file", "checkbox", "radio", "submit", "button"}


def styled_types() -> set[str]:
    """The input types of the rule that gives form fields their border (portal.css)."""
    css = STYLESHEET.read_text()
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        if "border: 2px solid" in body and "input[type=" in selectors:
            return set(re.findall(r"input\[type=(\w+)\]", selectors))
    raise AssertionError("no input rule in portal.css")


def unstyled_inputs(html: str) -> list[str]:
    styled = styled_types()
    bad = []
    for tag in re.findall(r"<input\b[^>]*>", html):
        kind = re.search(r'\btype="(\w+)"', tag)
        if kind is None or (kind.group(1) not in styled and kind.group(1) not in NOT_TEXT):
            bad.append(tag)
    return bad


def test_officer_cards_intake_and_results_inputs_are_styled(
    client, procedure, citizen, officer, processor, leader
):
    from opendvc.catalog.models import FeeItem

    FeeItem.objects.create(
        procedure=procedure, position=0, name="Phí cấp bản sao", amount_vnd=8000, per="bản"
    )
    FeeItem.objects.create(procedure=procedure, position=1, name="Lệ phí khác", amount_vnd=None)
    pages = []
    with time_machine.travel(TUESDAY_9, tick=False):
        submitted = submitted_dossier(procedure, citizen)
        d = services.dossier_act(
            dossier=submitted_dossier(procedure, citizen), action="receive", actor=officer
        )
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        services.dossier_act(action="forward", dossier=d, actor=officer)
        services.dossier_act(action="claim", dossier=d, actor=processor)
        sign_in(client, officer)
        pages += [
            client.get(f"/mot-cua/ho-so/{submitted.code}/"),
            client.get("/mot-cua/ho-so/tiep-nhan-truc-tiep/"),
            client.get("/mot-cua/ho-so/"),
        ]
        sign_in(client, processor)
        fees_page = client.get(f"/can-bo/xu-ly/{d.code}/")
        pages.append(fees_page)
        d = services.dossier_act(
            dossier=d,
            action="require_payment",
            actor=processor,
            fees=[{"fee_item": procedure.fee_items.first().pk, "quantity": 1}],
        )
        sign_in(client, officer)
        pages.append(client.get(f"/can-bo/xu-ly/{d.code}/"))  # pay, apology
        d = services.dossier_act(dossier=d, action="pay", actor=officer, receipt_number="1")
        d = services.dossier_act(
            dossier=d, action="approve", actor=leader, result="Giấy khai sinh"
        )
        pages.append(client.get(f"/can-bo/xu-ly/{d.code}/"))  # return result
        sign_in(client, leader)
        pages.append(client.get(f"/can-bo/quy-trinh/{procedure.code}/"))
        pages += [client.get("/ket-qua-giai-quyet/"), client.get("/tra-cuu/")]
    for r in pages:
        assert r.status_code == 200, r
        html = r.content.decode()
        assert unstyled_inputs(html) == [], r.request["PATH_INFO"]
    html = fees_page.content.decode()
    assert "Phí cấp bản sao — 8.000 đồng/bản" in html and 'name="so-luong-' in html
    assert 'id="tu-ngay"' in pages[-2].content.decode()


def _steps(html: str) -> tuple[str, str]:
    block = re.search(r'<ol class="steps"[^>]*>(.*?)</ol>', html, re.S)
    assert block, "no step indicator"
    text = re.sub(r"<[^>]+>", "", block.group(1))  # what textContent (and a screen reader) reads
    return block.group(0), " ".join(text.split())


def test_step_indicator_reads_as_separate_numbered_steps(client, procedure, citizen):
    client.force_login(citizen)
    html = client.get(f"/nop-ho-so/{procedure.code}/").content.decode()
    block, text = _steps(html)
    assert text == "1. Khai thông tin, đính kèm giấy tờ 2. Xem lại và nộp"
    assert re.search(r'<li aria-current="step"><span class="step-no">1\.</span>', block)
    d = services.dossier_create_draft(
        applicant=citizen,
        procedure=procedure,
        receiving_agency=procedure.agencies.get(),
        actor=citizen,
    )
    html = client.get(f"/ho-so-cua-toi/{d.public_id}/xem-lai/").content.decode()
    block, text = _steps(html)
    assert text == "1. Khai thông tin, đính kèm giấy tờ 2. Xem lại và nộp"
    assert re.search(r'<li aria-current="step"><span class="step-no">2\.</span>', block)
    css = (Path(__file__).resolve().parents[1] / "static" / "dossiers" / "dossiers.css").read_text()
    assert ".steps li + li::before" in css and 'content: "›" / ""' in css
