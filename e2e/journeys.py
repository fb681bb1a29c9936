"""Helpers for the browser journeys: the real catalog data, people in each role signed in, and one
check per step (axe, no sideways scroll, a screenshot under ``var/e2e/<journey>-<width>-<step>.png``)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from .conftest import screenshot, serious_violations

ROOT = Path(__file__).resolve().parents[1]
CATALOG_FILE = ROOT / "src" / "opendvc" / "catalog" / "data" / "procedures-reference.json"
EFORMS_DIR = ROOT / "src" / "opendvc" / "eforms" / "definitions"

# Raw values that must never reach a reader: Python reprs, booleans, ISO dates and timestamps,
# dotted attribute assignments and snake_case schema keys.
RAW_PATTERNS = {
    "attribute assignment": re.compile(r"\w+\.\w+ ="),
    "Python tuple or list repr": re.compile(r"\(['\"]|\[['\"{]|\{'"),
    "Python boolean": re.compile(r"\b(?:True|False|None)\b"),
    "ISO timestamp": re.compile(r"\d{4}-\d{2}-\d{2}T"),
    "ISO date": re.compile(r"(?<![\d.-])\d{4}-\d{2}-\d{2}(?![\d-])"),
    "schema key": re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@-])"),
}


def raw_values(text: str) -> list[tuple[str, str]]:
    """Every ``(kind, match)`` of a raw value in ``text``."""
    return [(kind, m.group(0)) for kind, rx in RAW_PATTERNS.items() for m in rx.finditer(text)]


def assert_no_raw_values(page, selector: str = "main") -> None:
    """The visible text of ``selector`` shows labels, names and dd/mm/yyyy dates, never a schema key,
    a code-level value (True/False, a Python repr) or an ISO date."""
    found = raw_values(page.locator(selector).inner_text())
    assert not found, f"raw values shown on {page.url}: {found[:10]}"


def load_procedures(*codes: str) -> None:
    """Import the shipped records of ``codes`` (the real catalog data) and publish the shipped
    e-forms that serve them, as ``seed_demo`` does for the whole catalog."""
    from opendvc.agencies.models import Agency, Tier
    from opendvc.catalog.services import import_records
    from opendvc.catalog.transfer import check_record
    from opendvc.eforms.services import definition_publish, definition_save

    records = [
        r
        for r in json.loads(CATALOG_FILE.read_text(encoding="utf-8"))["procedures"]
        if r["national_code"] in codes
    ]
    assert {r["national_code"] for r in records} == set(codes), codes
    tiers = set(Tier.objects.values_list("code", flat=True))
    agencies = set(Agency.objects.values_list("code", flat=True))
    checked = [
        check_record(r, i, known_tiers=tiers, known_agencies=agencies)
        for i, r in enumerate(records, 1)
    ]
    result = import_records(checked=checked, actor=None)
    assert not result.rejected, result.rejected
    for path in sorted(EFORMS_DIR.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        if set(definition.get("procedures", ())) & set(codes):
            definition_publish(
                form=definition_save(key=path.stem, definition=definition, actor=None), actor=None
            )


def staff(role: str, agency_code: str, **extra):
    """A staff member with ``role`` at the agency and a TOTP authenticator (back-office pages need it)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies.models import Agency, StaffRole

    user = UserFactory(is_staff=True, **extra)
    StaffRole.objects.create(user=user, agency=Agency.objects.get(code=agency_code), role=role)
    TOTP.activate(user, generate_totp_secret())
    return user


class Journey:
    """One journey at one viewport width: a browser context per person, and ``step`` after each page."""

    def __init__(self, browser, live_server, name: str, width: int):
        self.browser, self.url, self.name, self.width = browser, live_server.url, name, width
        self.steps: list[str] = []

    def page(self, user=None):
        """A page in a context of its own; signed in as ``user`` (with the second factor recorded in
        the session for staff, as allauth does after a TOTP code) or anonymous."""
        from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
        from django.conf import settings
        from django.test import Client

        context = self.browser.new_context(
            viewport={"width": self.width, "height": 800}, locale="vi-VN"
        )
        if user is not None:
            client = Client()
            client.force_login(user)
            if user.is_staff:
                session = client.session
                now = time.time()
                session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                    {"method": "password", "at": now, "email": user.email},
                    {"method": "mfa", "type": "totp", "at": now},
                ]
                session.save()
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.url}]
            )
        return context.new_page()

    def go(self, page, path: str) -> None:
        response = page.goto(self.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)

    def step(self, page, step: str) -> None:
        """The checks every page of a journey passes: one h1, nothing wider than the viewport, no
        serious or critical axe violation; and its screenshot."""
        self.steps.append(step)
        screenshot(page, f"{self.name}-{self.width}-{step}")
        assert page.locator("h1").count() == 1, (step, page.url)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= self.width + 1, (
            f"{step}: {page.url} scrolls sideways ({scroll} px > {self.width} px)"
        )
        violations = serious_violations(page)
        assert violations == [], f"{step}: {page.url}: {violations}"


def click(page, name: str, *, scope: str = "main", exact: bool = True) -> None:
    """Press the button ``name`` and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(scope).get_by_role("button", name=name, exact=exact).first.click()


def follow(page, name: str, *, scope: str = "main", exact: bool = True) -> None:
    with page.expect_navigation():
        page.locator(scope).get_by_role("link", name=name, exact=exact).first.click()


def pick_address(page, field_id: str, *, province: int, nth: int = 1, street: str = "") -> str:
    """Choose ``province`` in an address picker, wait until the ward list holds that province's
    wards (fetched by the e-form script) and choose the ``nth``; returns the ward's name."""
    from opendvc.eforms.engine import units

    _provinces, wards = units()
    codes = sorted(code for code, (_name, p) in wards.items() if p == province)
    ward = codes[nth]
    page.select_option(f"#{field_id}-province", str(province))
    page.wait_for_selector(f"#{field_id}-ward option[value='{ward}']", state="attached")
    options = page.locator(f"#{field_id}-ward option[value]:not([value=''])").count()
    assert options == len(codes), (field_id, options, len(codes))
    page.select_option(f"#{field_id}-ward", str(ward))
    if street:
        page.fill(f"#{field_id}-street", street)
    return wards[ward][0]


def filed_dossier(*, procedure, applicant, agency):
    """A dossier filed online through the services, its e-form filled with the demo request."""
    from opendvc.dossiers import eforms_bridge, services
    from opendvc.dossiers.demo import DEMO_FORM_DATA
    from opendvc.dossiers.tests.conftest import checked_pdf

    data = eforms_bridge.validate(
        form_version=eforms_bridge.form_for(procedure), data=DEMO_FORM_DATA
    )
    d = services.dossier_create_draft(
        applicant=applicant,
        procedure=procedure,
        receiving_agency=agency,
        actor=applicant,
        form_data=data,
    )
    first = procedure.components.filter(kind="submit").first()
    services.dossier_update_draft(dossier=d, actor=applicant, add_files=[(first, checked_pdf())])
    return services.dossier_act(
        dossier=d, action="submit", actor=applicant, declaration=True
    )


def pdf_file(name: str) -> dict:
    from opendvc.dossiers.tests.conftest import small_pdf

    return {"name": name, "mimeType": "application/pdf", "buffer": small_pdf()}
