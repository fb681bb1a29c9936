"""The procedure page offers online filing only where the portal takes the dossier: a level that
offers it (Regulation Art. 2.13) and an agency configured to receive it. A level-3 procedure with no
receiving agency says so instead of a button leading to a page that refuses (409)."""

import pytest
from django.test import Client

from opendvc.accounts.tests.factories import UserFactory
from opendvc.catalog.models import Procedure

pytestmark = pytest.mark.usefixtures("catalog")


def _online_procedure():
    return (
        Procedure.objects.filter(level__gte=Procedure.Level.ONLINE, agencies__is_active=True)
        .distinct()
        .order_by("code")
        .first()
    )


def test_the_filing_button_needs_a_receiving_agency():
    procedure = _online_procedure()
    client = Client()
    client.force_login(UserFactory())
    submit = f'href="/thu-tuc/{procedure.code}/nop-truc-tuyen/"'
    page = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert submit in page
    assert client.get(f"/nop-ho-so/{procedure.code}/").status_code == 200

    procedure.agencies.clear()
    assert client.get(f"/nop-ho-so/{procedure.code}/").status_code == 409
    page = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert submit not in page
    assert "chưa có cơ quan tiếp nhận nào được cấu hình cho thủ tục" in page
    anonymous = Client().get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert "nop-truc-tuyen" not in anonymous


def _signed_in_client() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def _listed(client: Client) -> dict[str, bool]:
    """Every published procedure's ``files_online`` in the API's list, page by page."""
    seen: dict[str, bool] = {}
    page = 1
    while True:
        body = client.get("/api/v1/procedures", {"page": page, "page_size": 50}).json()
        seen.update({item["code"]: item["files_online"] for item in body["items"]})
        if page >= body["num_pages"]:
            return seen
        page += 1


def test_every_result_says_online_filing_only_where_its_page_offers_it():
    """The results' "Nộp trực tuyến" badge, the API's ``files_online`` and the home page's count of
    online services agree with the filing button of each procedure's page, on every shipped
    procedure: a level-3 procedure that no agency receives yet is not announced as filed online."""
    from opendvc.catalog.selectors import catalog_counts

    client = _signed_in_client()
    listed = _listed(client)
    assert len(listed) == Procedure.objects.filter(status="published").count() >= 78
    for code, files_online in listed.items():
        page = client.get(f"/thu-tuc/{code}/").content.decode()
        assert (f'href="/thu-tuc/{code}/nop-truc-tuyen/"' in page) is files_online, code
    assert 0 < sum(listed.values()) < len(listed)
    unreceived = [
        code
        for code, files_online in listed.items()
        if not files_online and Procedure.objects.get(code=code).level >= Procedure.Level.ONLINE
    ]
    assert unreceived, "the shipped catalog has level-3 procedures no agency receives yet"
    assert catalog_counts()["online"] == sum(listed.values())
    for code in unreceived:
        results = client.get("/thu-tuc/", {"q": code}).content.decode()
        row = results.split(f'href="/thu-tuc/{code}/"', 1)[1].split("</li>", 1)[0]
        assert "Nộp trực tuyến" not in row, code


def test_the_badge_and_count_follow_the_receiving_agencies():
    client = _signed_in_client()
    procedure = _online_procedure()
    from opendvc.catalog.selectors import catalog_counts

    before = catalog_counts()["online"]

    def badge() -> bool:
        results = client.get("/thu-tuc/", {"q": procedure.code}).content.decode()
        row = results.split(f'href="/thu-tuc/{procedure.code}/"', 1)[1].split("</li>", 1)[0]
        return "Nộp trực tuyến" in row

    assert badge() and _listed(client)[procedure.code] is True
    agencies = list(procedure.agencies.all())
    for agency in agencies:
        agency.is_active = False
        agency.save()
    assert not badge() and _listed(client)[procedure.code] is False
    assert catalog_counts()["online"] < before
    assert catalog_counts()["online"] == sum(_listed(client).values())
    agencies[0].is_active = True
    agencies[0].save()
    assert badge() and _listed(client)[procedure.code] is True
    assert catalog_counts()["online"] == sum(_listed(client).values())


def test_source_words_on_the_english_page_are_marked_vietnamese():
    """The tier quoted from the source when no tier of the portal applies ("Cấp bộ") and the names of
    forms whose file the source did not publish are Vietnamese text on the English page: marked
    ``lang="vi"`` (WCAG 3.1.2), like every other quoted word."""
    import re

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    checked = 0
    for procedure in Procedure.objects.filter(status="published"):
        page = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
        if not procedure.tiers.exists() and procedure.tiers_raw:
            assert f'<span lang="vi">{procedure.tiers_raw}</span>' in page, procedure.code
            checked += 1
        for form in procedure.forms.all():
            if not form.is_available:
                assert re.search(rf'<span lang="vi">{re.escape(form.name)}</span> —', page), procedure.code
                checked += 1
    assert checked
