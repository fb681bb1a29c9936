"""Abbreviations in the catalog search, on the shipped procedures: a query word such as "gplx",
"cccd" or "gcnqsdđ" also finds what it stands for as a phrase of a name or field, and ranks there as
the words written out would; the index and the database search agree (SQLite and PostgreSQL)."""

import pytest

from opendvc.catalog.abbreviations import ABBREVIATIONS, EXPANSIONS
from opendvc.catalog.search import apply_search, parse_query
from opendvc.catalog.selectors import parse_filters, public_procedures, search_procedures
from opendvc.catalog.text import fold

DRIVING_LICENCE = ["3.000348", "3.000347"]  # Cấp lại / Đổi giấy phép lái xe
IDENTITY_CARD = ["1.014063", "1.014064", "1.014062", "1.014061"]  # … thẻ căn cước …
LAND_CERTIFICATE = ["1.012783", "1.012753", "1.012787", "1.013978"]  # … Giấy chứng nhận QSDĐ …
HOUSEHOLD_BUSINESS = ["1.001612", "1.001266", "2.000720", "1.001570", "2.000575"]
JOINT_PROCEDURES = ["2.001023", "2.000986"]  # Liên thông … TTHC … thẻ bảo hiểm y tế …


def codes(q, **filters):
    page = search_procedures(q=q, filters=parse_filters(filters), page_size=100)
    assert not page.typo_tolerant, q
    return [item["code"] for item in page.items]


def test_the_table_is_folded_once_and_stands_for_phrases():
    assert EXPANSIONS["gplx"] == ("giai phep lai xe",)
    assert EXPANSIONS["dkkd"] == ("dang ki kinh doanh",)
    assert EXPANSIONS["bhit"] == ("bao hiem i te",)  # "BHYT" folds as every word does (y → i)
    assert all(short.isupper() and " " not in short for short in ABBREVIATIONS)
    assert len(EXPANSIONS) == len(ABBREVIATIONS)


def test_a_query_knows_its_abbreviations_and_the_phrase_written_out():
    query = parse_query("Cấp lại GPLX")
    assert query.expanded == (("gplx", ("giai phep lai xe",)),)
    assert query.phrases == ("cap lai gplx", "cap lai giai phep lai xe")
    assert parse_query("khai sinh").phrases == ("khai sinh",)
    assert parse_query("khai sinh").expanded == ()


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    "q,expected",
    [
        ("gplx", DRIVING_LICENCE),
        ("GPLX", DRIVING_LICENCE),
        ("cccd", IDENTITY_CARD),
        ("CCCD", IDENTITY_CARD),
        ("gcnqsdđ", LAND_CERTIFICATE),
        ("gcnqsdd", LAND_CERTIFICATE),
        ("GCNQSDĐ", LAND_CERTIFICATE),
        ("hkd", HOUSEHOLD_BUSINESS),
        ("bhyt", JOINT_PROCEDURES),
        ("tthc", JOINT_PROCEDURES),
    ],
)
def test_an_abbreviation_finds_what_it_stands_for(q, expected):
    assert sorted(codes(q)) == sorted(expected)


@pytest.mark.usefixtures("catalog")
def test_an_abbreviation_written_in_the_name_is_found_as_any_word():
    assert sorted(codes("tnhh")) == ["2.001199", "2.001583"]  # công ty TNHH …
    assert codes("tncn") == ["1.007674"]  # Khai thuế TNCN …
    # "gcn": the land certificates and the household-business and food-safety certificates.
    assert {"2.000575", "2.001827", *LAND_CERTIFICATE} == set(codes("gcn"))


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    "q,first",
    [
        ("cấp lại gplx", "3.000348"),
        ("doi gplx", "3.000347"),
        ("cap doi gcn", "1.012783"),
        ("cấp đổi cccd", "1.014063"),
        ("cap lai cccd", "1.014064"),
        ("dang ky thanh lap hkd", "1.001612"),
        ("cham dut hoat dong hkd", "1.001266"),
    ],
)
def test_with_other_words_the_abbreviation_ranks_as_written_out(q, first):
    found = codes(q)
    assert found[0] == first
    # The same first procedure as when the words are typed out.
    written = " ".join(EXPANSIONS.get(w, (w,))[-1] for w in fold(q).split())
    assert codes(written)[0] == first


@pytest.mark.usefixtures("catalog")
def test_an_abbreviation_is_a_word_of_the_name_where_it_is_written_out():
    # "hkd": the procedures with "hộ kinh doanh" in the name before the one where "kinh doanh" is
    # only in the field; the whole query written out ranks as a phrase of the name.
    found = codes("hkd")
    assert set(found[:5]) == set(HOUSEHOLD_BUSINESS)
    assert codes("gplx", tier="tinh") == [c for c in codes("gplx") if c in codes("", tier="tinh")]


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    "q",
    [
        "gplx",
        "cccd",
        "GCN",
        "gcnqsdđ",
        "hkd",
        "bhyt",
        "tthc",
        "tnhh",
        "cấp lại gplx",
        "cap doi gcn",
        "dang ky hkd",
        "gcn hkd",
        "ubnd",
        "dkkd",
        "gpl",
    ],
)
def test_the_index_and_the_database_agree_on_abbreviations(q, settings):
    """ADR 0007: the same procedures in the same order from the index and the database search."""
    settings.CATALOG_CACHE_SECONDS = 0
    query = parse_query(q)
    for params in ({}, {"tier": "xa"}, {"method": "online"}, {"tier": "tinh"}):
        filters = parse_filters(params)
        expected = list(
            apply_search(filters.apply(public_procedures()), query).values_list("code", flat=True)
        )
        page = search_procedures(q=q, filters=filters, page_size=200)
        if page.typo_tolerant:
            assert expected == [], (q, params)
            continue
        assert [i["code"] for i in page.items] == expected, (q, params)
        assert page.count == len(expected)
        for number in (1, 2):
            short = search_procedures(q=q, filters=filters, page=number, page_size=2)
            assert [i["code"] for i in short.items] == expected[2 * number - 2 : 2 * number]
