"""The national catalogue (served by the national portal's simulator from the shipped real procedures)
pulled into the staging area over HTTP; the officer reviews the difference and publishes through the
catalog's import; nothing changes in the catalog before that."""

from __future__ import annotations

import copy
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opendvc.catalog.models import Procedure
from opendvc.core.problems import ProblemError
from opendvc.dossiers.tests.conftest import sign_in, staff
from opendvc.integrations.models import CatalogPull
from opendvc.integrations.national.catalog import catalog_pull, catalog_pull_counts
from opendvc.integrations.national.simulator import _shipped

pytestmark = pytest.mark.django_db
PAGE = "/quan-tri/lien-thong/danh-muc/"


@pytest.fixture
def shipped():
    return copy.deepcopy(_shipped()[:5])


@pytest.fixture
def ict(agencies):
    return staff("ict_department", "000.00.00.H19")


def test_pull_review_and_publish(client, national, shipped, ict):
    national.procedures = {p["national_code"]: p for p in shipped}
    before = Procedure.objects.count()
    pull = catalog_pull()
    assert catalog_pull_counts(pull=pull) == {"new": 5, "changed": 0, "same": 0, "invalid": 0}
    assert pull.fields and pull.agencies
    assert Procedure.objects.count() == before  # staged only
    sign_in(client, ict)
    page = client.get(PAGE).content.decode()
    assert shipped[0]["national_code"] in page and "Thủ tục mới" in page
    answer = client.post(PAGE, {"op": "publish", "pull": pull.pk})
    assert answer.status_code == 302
    codes = set(Procedure.objects.values_list("code", flat=True))
    assert {p["national_code"] for p in shipped} <= codes
    published = Procedure.objects.get(code=shipped[0]["national_code"])
    assert published.name == shipped[0]["name"]
    assert CatalogPull.objects.get(pk=pull.pk).status == "published"
    # A second publish of the same pull is refused.
    client.post(PAGE, {"op": "publish", "pull": pull.pk})
    assert Procedure.objects.count() == before + 5
    # The national catalogue changes one procedure: only that one is shown as changed.
    national.procedures[shipped[1]["national_code"]]["conditions"] = (
        "Cập nhật theo quyết định công bố mới"
    )
    again = catalog_pull()
    assert catalog_pull_counts(pull=again) == {"new": 0, "changed": 1, "same": 4, "invalid": 0}, [
        (i.national_code, i.errors) for i in again.items.exclude(change="same")
    ]
    assert again.items.get(change="changed").national_code == shipped[1]["national_code"]


def test_an_invalid_procedure_is_shown_with_its_errors_and_not_published(national, shipped, ict):
    broken = {**shipped[0], "name": ""}
    national.procedures = {broken["national_code"]: broken}
    pull = catalog_pull()
    item = pull.items.get()
    assert item.change == "invalid" and any("name" in e for e in item.errors)
    from opendvc.integrations.national.catalog import catalog_pull_publish

    assert catalog_pull_publish(pull=pull, actor=ict)["created"] == 0
    assert not Procedure.objects.filter(code=broken["national_code"]).exists()


def test_the_command_shows_progress_and_a_portal_down_stages_nothing(national, shipped, agencies):
    national.procedures = {p["national_code"]: p for p in shipped}
    out, err = io.StringIO(), io.StringIO()
    call_command("pull_national_catalog", stdout=out, stderr=err)
    assert "5/5" in err.getvalue() and "5 mới" in out.getvalue()
    national.switches.down = True
    with pytest.raises(CommandError):
        call_command("pull_national_catalog", stdout=out, stderr=err)
    assert CatalogPull.objects.count() == 1


def test_the_api_pulls_shows_and_publishes(client, national, shipped, ict):
    from opendvc.api.services import api_token_create

    national.procedures = {p["national_code"]: p for p in shipped[:2]}
    _t, reader = api_token_create(owner=ict, name="doc", scopes=["read"])
    _t, writer = api_token_create(owner=ict, name="ghi", scopes=["read", "integrations"])
    read = {"Authorization": f"Bearer {reader}"}
    write = {"Authorization": f"Bearer {writer}"}
    assert client.get("/api/v1/integrations/catalog-pull", headers=read).status_code == 404
    assert client.post("/api/v1/integrations/catalog-pull", headers=read).status_code == 403
    pulled = client.post("/api/v1/integrations/catalog-pull", headers=write)
    assert pulled.status_code == 200, pulled.content
    data = client.get("/api/v1/integrations/catalog-pull", headers=read).json()
    assert data["counts"]["new"] == 2 and len(data["items"]) == 2
    done = client.post(f"/api/v1/integrations/catalog-pull/{data['id']}/publish", headers=write)
    assert done.status_code == 200 and done.json()["created"] == 2
    again = client.post(f"/api/v1/integrations/catalog-pull/{data['id']}/publish", headers=write)
    assert again.status_code == 409


@pytest.mark.parametrize(
    "data", ["Hệ thống đang bảo trì", {"MaTTHC": "1.001193"}, ["1.001193"], [None]]
)
def test_a_catalogue_answer_of_the_wrong_shape_is_503_and_stages_nothing(national, data):
    # A list of strings or a message in place of the list answered 500 on the review page.
    national.switches.extra["catalog_data"] = data
    with pytest.raises(ProblemError) as caught:
        catalog_pull()
    assert caught.value.status == 503 and "định dạng" in caught.value.detail
    assert not CatalogPull.objects.exists()


def test_a_procedure_of_the_wrong_shape_is_503(national, shipped):
    national.procedures = {p["national_code"]: p for p in shipped[:1]}
    listed = [{"MaTTHC": shipped[0]["national_code"], "TenTTHC": "x"}]
    national.switches.extra["catalog_data"] = listed  # LayThuTuc answers a list too
    with pytest.raises(ProblemError) as caught:
        catalog_pull()
    assert caught.value.status == 503 and "LayThuTuc" in caught.value.detail


@pytest.mark.parametrize(("flaw", "kept"), [("\x00", ""), ("\ud800", "\ufffd")])
def test_text_no_database_keeps_makes_the_procedure_invalid(
    agencies, national, shipped, flaw, kept
):
    """A NUL character or half a surrogate pair in what the national portal sent was a 500 (PostgreSQL
    keeps no NUL; no database keeps a lone surrogate): the pull is staged, cleaned, and that procedure
    is invalid, never published."""
    shipped[0]["name"] = f"Đăng ký khai sinh{flaw}"
    shipped[1]["requirements"] = [f"Tờ khai{flaw}"]
    national.procedures = {p["national_code"]: p for p in shipped}
    pull = catalog_pull()
    assert catalog_pull_counts(pull=pull) == {"new": 3, "changed": 0, "same": 0, "invalid": 2}
    first, second = (pull.items.get(national_code=p["national_code"]) for p in shipped[:2])
    assert first.change == second.change == "invalid"
    assert first.name == f"Đăng ký khai sinh{kept}" and "Cổng DVC quốc gia gửi" in first.errors[-1]


def test_text_no_database_keeps_is_staged_on_postgresql_too(postgres_db, agencies, national, shipped):
    test_text_no_database_keeps_makes_the_procedure_invalid(agencies, national, shipped, "\x00", "")


@pytest.mark.parametrize("value", ["", "abc", "1.5", "-1", "²", "9" * 30])
def test_a_publish_that_names_no_pull_is_404_and_publishes_nothing(client, national, shipped, ict, value):
    national.procedures = {p["national_code"]: p for p in shipped}
    pull = catalog_pull()
    before = Procedure.objects.count()
    sign_in(client, ict)
    answer = client.post(PAGE, {"op": "publish", "pull": value})
    assert answer.status_code == 404
    assert Procedure.objects.count() == before
    assert CatalogPull.objects.get(pk=pull.pk).status == "staged"


def test_the_procedures_names_are_marked_vietnamese_on_the_english_page(client, national, shipped, ict):
    """The names the national catalogue sends are Vietnamese data (WCAG 2.1, 3.1.2)."""
    national.procedures = {p["national_code"]: p for p in shipped}
    catalog_pull()
    sign_in(client, ict)
    client.cookies["django_language"] = "en"
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New procedure" in html
    assert f'<td lang="vi">{shipped[0]["name"]}</td>' in html


def test_a_pull_that_changes_nothing_offers_no_update(client, national, shipped, ict):
    """The page offered "Cập nhật vào danh mục" for a pull whose procedures all matched the catalog:
    the update changed nothing."""
    national.procedures = {p["national_code"]: p for p in shipped}
    sign_in(client, ict)
    catalog_pull()
    assert "Cập nhật vào danh mục" in client.get(PAGE).content.decode()
    client.post(PAGE, {"op": "publish", "pull": CatalogPull.objects.first().pk})
    same = catalog_pull()
    assert catalog_pull_counts(pull=same)["same"] == 5
    page = client.get(PAGE).content.decode()
    assert "Danh mục hiện hành đã khớp với Cổng DVC quốc gia." in page
    assert "Cập nhật vào danh mục" not in page
