"""Prefill from the national registries over real HTTP (simulators), with consent, per-dossier cache,
the access log, failures (down, slow, not found, malformed) and the officer's comparison."""

from __future__ import annotations

import pytest

from opendvc.core.problems import ProblemError
from opendvc.dossiers.models import DossierAccess
from opendvc.registries import dataset
from opendvc.registries.client import BusinessRegistry, RegistryNotFound, RegistryUnavailable
from opendvc.registries.models import RegistryFetch
from opendvc.registries.services import registry_prefill, registry_report
from opendvc.registries.simulators import BusinessSimulator, PopulationSimulator

DEFINITION = {
    "title": "Tờ khai",
    "sections": [
        {
            "key": "p",
            "title": "Người khai",
            "fields": [
                {"key": "ho_ten", "kind": "text", "label": "Họ tên", "prefill": "full_name"},
                {
                    "key": "ngay_sinh",
                    "kind": "date",
                    "label": "Ngày sinh",
                    "prefill": "date_of_birth",
                },
                {
                    "key": "gioi_tinh",
                    "kind": "choice",
                    "label": "Giới tính",
                    "prefill": "gender",
                    "choices": [
                        {"value": "male", "label": "Nam"},
                        {"value": "female", "label": "Nữ"},
                    ],
                },
                {
                    "key": "thuong_tru",
                    "kind": "address",
                    "label": "Nơi thường trú",
                    "prefill": "permanent_address",
                },
                {"key": "ly_do", "kind": "text", "label": "Lý do"},
            ],
        }
    ],
}
CCCD = "075090001234"


@pytest.fixture
def population(settings):
    with PopulationSimulator() as sim:
        settings.POPULATION_REGISTRY_URL = sim.url
        settings.REGISTRY_TIMEOUT_SECONDS = 0.5
        yield sim


@pytest.fixture
def draft(db):
    from opendvc.accounts.models import PersonProfile
    from opendvc.accounts.services import verify_cccd_from_identity_provider
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies import demo
    from opendvc.agencies.models import Agency
    from opendvc.dossiers import services
    from opendvc.dossiers.tests.conftest import make_procedure

    demo.seed()
    procedure = make_procedure()
    citizen = UserFactory(full_name="Nguyễn Văn An")
    # The applicant's own CCCD on their account, verified through the electronic identity: the only
    # one they may look up.
    PersonProfile.objects.create(user=citizen, cccd=CCCD)
    verify_cccd_from_identity_provider(user=citizen, cccd=CCCD)
    return services.dossier_create_draft(
        applicant=citizen,
        procedure=procedure,
        receiving_agency=Agency.objects.get(code="000.00.32.H19"),
        actor=citizen,
    )


def fetch(draft, **kw):
    args = {
        "dossier": draft,
        "user": draft.applicant,
        "registry": "population",
        "identifier": CCCD,
        "consent": True,
        "definition": DEFINITION,
        **kw,
    }
    return registry_prefill(**args)


def test_dataset_is_realistic_and_cccds_match_birth_and_gender():
    people, firms = dataset.build()
    assert len({p.cccd for p in people}) == len(people)
    for p in people:
        assert p.cccd[:3] == "075" and len(p.cccd) == 12
        assert p.cccd[4:6] == f"{p.date_of_birth.year % 100:02d}"
        assert int(p.cccd[3]) % 2 == (1 if p.gender == "female" else 0)
        assert p.permanent_address["province"] == 75
    assert all(len(b.tax_code) == 10 for b in firms)


def test_consent_is_required_and_nothing_is_fetched_without_it(population, draft):
    with pytest.raises(ProblemError) as refused:
        fetch(draft, consent=False)
    assert refused.value.status == 422
    assert population.received == [] and not RegistryFetch.objects.exists()


def test_found_values_fill_the_form_fields_and_the_fetch_is_logged_and_cached(population, draft):
    result = fetch(draft)
    assert result.outcome == "found"
    assert result.values["ho_ten"] == "Nguyễn Văn An"
    assert result.values["ngay_sinh"] == "1990-04-15"
    assert result.values["thuong_tru"] == {"province": 75, "ward": 26068, "street": "12 Võ Thị Sáu"}
    assert "ly_do" not in result.values
    row = RegistryFetch.objects.get()
    assert row.requested_by == draft.applicant and row.consent_text.startswith("Tôi đồng ý")
    access = DossierAccess.objects.get(dossier=draft)
    assert access.action == "registry" and access.user == draft.applicant
    # Cached for this dossier: a second fetch does not call the registry again.
    again = fetch(draft)
    assert again.cached and again.values == result.values
    assert len(population.received) == 1


def test_the_cache_is_per_dossier(population, draft):
    from opendvc.dossiers import services

    fetch(draft)
    other = services.dossier_create_draft(
        applicant=draft.applicant,
        procedure=draft.procedure,
        receiving_agency=draft.receiving_agency,
        actor=draft.applicant,
    )
    assert not fetch(other).cached
    assert len(population.received) == 2


@pytest.mark.parametrize(
    "switches", [{"down": True}, {"slow": 2.0}, {"status": 503}, {"malformed": True}]
)
def test_registry_failure_falls_back_to_manual_entry_with_a_note(population, draft, switches):
    population.switches.update(switches)
    result = fetch(draft)
    assert result.outcome == "unavailable" and result.values == {}
    assert "tự nhập" in result.note
    report = registry_report(dossier=draft, definition=DEFINITION)
    assert report["manual"] is True
    assert DossierAccess.objects.filter(dossier=draft, action="registry").count() == 1


@pytest.mark.parametrize("flaw", ["\x00", "\ud800"])
def test_a_record_holding_a_nul_or_half_a_surrogate_is_not_the_registrys_answer(
    population, draft, client, flaw
):
    """Such a record went into the draft's form and the cache: a 500 on PostgreSQL (and on SQLite for
    the surrogate). It is treated as an answer that is not the registry's protocol."""
    from opendvc.dossiers.tests.conftest import sign_in

    population.switches.update({"extra": {"mismatch": {"full_name": f"Nguyễn{flaw} Văn An"}}})
    sign_in(client, draft.applicant)
    answer = client.post(
        f"/api/v1/dossiers/{draft.public_id}/registry-prefill",
        {"registry": "population", "identifier": CCCD, "consent": True},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content[:300]
    assert answer.json()["outcome"] == "unavailable" and answer.json()["values"] == {}
    draft.refresh_from_db()
    assert not draft.form_data


def test_a_record_holding_a_nul_is_not_the_registrys_answer_on_postgresql_too(
    postgres_db, population, draft, client
):
    test_a_record_holding_a_nul_or_half_a_surrogate_is_not_the_registrys_answer(
        population, draft, client, "\x00"
    )


def test_not_found(population, draft):
    population.switches.update({"extra": {"not_found": [CCCD]}})
    result = fetch(draft)
    assert result.outcome == "not_found" and result.values == {}


def test_registry_disagreeing_with_the_declaration_is_shown_to_the_officer(population, draft):
    population.switches.update({"extra": {"mismatch": {"full_name": "Nguyễn Văn Ân"}}})
    result = fetch(draft)
    draft.form_data = {**result.values, "ho_ten": "Nguyễn Văn An", "ly_do": "x"}
    draft.save()
    report = registry_report(dossier=draft, definition=DEFINITION)
    assert [(m["field"], m["declared"], m["registry"]) for m in report["mismatches"]] == [
        ("ho_ten", "Nguyễn Văn An", "Nguyễn Văn Ân")
    ]
    from django.template import Context, Template

    html = Template(
        "{% load registries_tags %}{% registry_officer_panel dossier definition %}"
    ).render(Context({"dossier": draft, "definition": DEFINITION}))
    assert "Thông tin kê khai khác với cơ sở dữ liệu" in html and "Nguyễn Văn Ân" in html
    assert "12 Võ Thị Sáu" not in html  # the address matches: not listed
    # The same values (case and spacing aside) are no mismatch.
    draft.form_data = {**result.values, "ho_ten": "  nguyễn văn ân "}
    draft.save()
    assert registry_report(dossier=draft, definition=DEFINITION)["mismatches"] == []


def test_malformed_identifier_is_refused_before_any_call(population, draft):
    with pytest.raises(ProblemError):
        fetch(draft, identifier="12345")
    assert population.received == []


def test_business_registry_client_over_http():
    with BusinessSimulator() as sim:
        client = BusinessRegistry(base_url=sim.url, timeout=1.0)
        tax_code = next(iter(sim.records))
        record = client.lookup(tax_code, purpose="test")
        assert record["organisation_tax_code"] == tax_code
        assert record["organisation_name"] and record["organisation_representative"]
        assert record["status"] in ("active", "suspended", "closed")
        with pytest.raises(RegistryNotFound):
            client.lookup("0000000000", purpose="test")
        sim.switches.update({"down": True})
        with pytest.raises(RegistryUnavailable):
            client.lookup(tax_code, purpose="test")


def test_prefill_page_consent_then_values_on_the_form(population, draft, client):
    from opendvc.dossiers.services import dossier_create_draft
    from opendvc.dossiers.tests.conftest import sign_in
    from opendvc.eforms.demo import shipped_definitions
    from opendvc.eforms.services import definition_publish, definition_save

    birth = shipped_definitions()["dang-ky-khai-sinh"]
    # The test procedure has its own component names: the form's file fields are left out.
    birth["sections"] = [
        {**s, "fields": [f for f in s["fields"] if f["kind"] != "file"]} for s in birth["sections"]
    ]
    birth["sections"] = [s for s in birth["sections"] if s["fields"]]
    definition_publish(
        form=definition_save(key="dang-ky-khai-sinh", definition=birth, actor=None), actor=None
    )
    draft = dossier_create_draft(
        applicant=draft.applicant,
        procedure=draft.procedure,
        receiving_agency=draft.receiving_agency,
        actor=draft.applicant,
    )
    sign_in(client, draft.applicant)
    url = f"/ho-so-cua-toi/{draft.public_id}/lay-thong-tin/population/"
    page = client.get(url)
    assert page.status_code == 200 and "Tôi đồng ý" in page.content.decode()
    refused = client.post(url, {"identifier": CCCD})
    assert refused.status_code == 422 and "đồng ý" in refused.content.decode()
    population.switches.update({"down": True})
    down = client.post(url, {"identifier": CCCD, "consent": "yes"})
    assert down.status_code == 200 and "Tự nhập thông tin" in down.content.decode()
    population.switches.reset()
    done = client.post(url, {"identifier": CCCD, "consent": "yes"})
    assert done.status_code == 302 and done["Location"].endswith(
        f"/ho-so-cua-toi/{draft.public_id}/soan/"
    )
    draft.refresh_from_db()
    assert draft.form_data["requester_name"] == "Nguyễn Văn An"
    assert draft.form_data["requester_address"]["ward"] == 26068
    form = client.get(done["Location"]).content.decode()
    # Marked on the form: the fields that came from the national database.
    assert 'id="registry-filled"' in form and "requester_name" in form
    assert "Đã điền từ cơ sở dữ liệu quốc gia: Họ, chữ đệm, tên người yêu cầu" in form
