"""Ranking of the catalog search on the shipped procedures: a phrase of the name, whole words and
words typed with the same diacritics come before words that only begin a longer word ("tu" begins
"tục" of "Thủ tục", "tru" begins "trước"); the same order from the index and the database search."""

import pytest

from opendvc.catalog.search import apply_search, parse_query
from opendvc.catalog.selectors import parse_filters, public_procedures, search_procedures
from opendvc.catalog.text import fold

pytestmark = pytest.mark.usefixtures("catalog")

DEATH = ["1.005461", "1.000656", "1.001766"]  # "… khai tử …"
BIRTH = ["1.001193", "1.004884", "1.003583", "2.000528", "1.000689", "1.004772"]  # "… khai sinh …"
TEMPORARY_RESIDENCE = ["1.002755", "1.004194", "1.010028", "1.010040"]  # "… tạm trú …"
COMPANY = ["2.001583", "2.001199", "2.002043"]  # "Đăng ký thành lập công ty …"


def codes(q, **filters):
    page = search_procedures(q=q, filters=parse_filters(filters), page_size=100)
    return [item["code"] for item in page.items]


@pytest.mark.parametrize("q", ["khai tử", "khai tu", "KHAI TỬ"])
def test_death_registration_before_birth_registration(q):
    found = codes(q)
    assert found[:3] == DEATH
    # Birth registrations still match ("tu" begins "tục"), after every death registration.
    assert set(BIRTH) <= set(found)


@pytest.mark.parametrize("q", ["tạm trú", "tam tru"])
def test_temporary_residence_before_suspending_a_business(q):
    found = codes(q)
    assert sorted(found[:4]) == sorted(TEMPORARY_RESIDENCE)
    # "Khai báo tạm vắng" (field "cư trú") before "Tạm ngừng kinh doanh … trước thời hạn".
    assert found.index("1.003677") < found.index("1.001570")


@pytest.mark.parametrize("q", ["doanh nghiệp", "doanh nghiep"])
def test_enterprise_procedures_before_other_business_words(q):
    found = codes(q)
    assert found[0] == "2.001610"  # Đăng ký thành lập doanh nghiệp tư nhân
    # The company registrations (field "… của doanh nghiệp") come before the food-safety
    # certificate, which has "kinh doanh" in its name and "Nông nghiệp" in its sector only.
    assert max(found.index(c) for c in COMPANY) < found.index("2.001827")
    assert all(found.index(c) < 10 for c in COMPANY)


@pytest.mark.parametrize("q", ["hộ tịch", "ho tich"])
def test_civil_status_procedures_before_a_land_procedure(q):
    found = codes(q)
    assert found[:2] == ["2.000635", "1.004859"]  # "hộ tịch" in the name
    # The land procedure (1.013833: "hoặc", "diện tích") after every procedure of the field Hộ tịch.
    civil_status = set(codes("", field="ho-tich"))
    assert found.index("1.013833") >= len(civil_status & set(found))


def test_the_phrase_of_the_name_first():
    assert codes("giay phep xay dung")[0] == "1.013236"
    found = codes("cấp giấy phép")
    # "Cấp lại giấy phép lái xe" does not have "cấp giấy phép" in a row.
    assert found.index("3.000348") > found.index("1.013225")


def test_same_diacritics_as_typed_break_a_tie():
    # "hộ" (giám hộ) as typed in the name: the guardianship procedures come first among the field's.
    with_marks, without = codes("hộ tịch"), codes("ho tich")
    assert set(with_marks) == set(without)
    assert with_marks.index("1.004837") < with_marks.index("1.000894")
    assert without.index("1.000894") < without.index("1.004837")


@pytest.mark.parametrize(
    "q",
    ["khai tử", "tạm trú", "doanh nghiệp", "hộ tịch", "Đăng ký khai sinh", "khai sinh dang ky"],
)
def test_with_or_without_diacritics_the_same_procedures_match(q):
    assert sorted(codes(q)) == sorted(codes(fold(q)))


@pytest.mark.parametrize(
    "q",
    [
        "khai tử",
        "tạm trú",
        "doanh nghiệp",
        "hộ tịch",
        "cấp giấy phép",
        "khai sinh dang ky",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "1.001193",
    ],
)
def test_the_index_and_the_database_rank_alike(q, settings):
    """ADR 0007: the index and the database search give the same procedures in the same order."""
    settings.CATALOG_CACHE_SECONDS = 0
    query = parse_query(q)
    for params in ({}, {"tier": "xa"}, {"method": "online"}):
        filters = parse_filters(params)
        expected = list(
            apply_search(filters.apply(public_procedures()), query).values_list("code", flat=True)
        )
        page = search_procedures(q=q, filters=filters, page_size=200)
        assert [i["code"] for i in page.items] == expected, params
        # Pages shorter than the phrase matches (the index then ranks only those) agree as well.
        for number in (1, 2):
            short = search_procedures(q=q, filters=filters, page=number, page_size=2)
            assert [i["code"] for i in short.items] == expected[2 * number - 2 : 2 * number]


def test_the_cached_page_follows_the_order_typed(settings):
    """Two queries with the same words in another order are different pages when cached."""
    settings.CATALOG_CACHE_SECONDS = 60
    assert codes("dang ky khai sinh")[0] == "1.001193"
    assert codes("khai sinh dang ky")[0] == "2.000986"
    assert codes("khai tu")[:3] == DEATH
    assert codes("khai tử")[:3] == DEATH
