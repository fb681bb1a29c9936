"""The same search cases on whichever engine the suite runs on (SQLite locally, PostgreSQL in CI)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opendvc.catalog.search import apply_search, parse_query
from opendvc.catalog.selectors import Filters, parse_filters, public_procedures, search_procedures

pytestmark = pytest.mark.usefixtures("catalog")


def codes(q, **kw):
    return [
        item["code"]
        for item in search_procedures(q=q, filters=Filters(), page_size=100, **kw).items
    ]


@pytest.mark.parametrize(
    "q",
    [
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "ĐĂNG KÝ KHAI SINH",
        "dang ki khai sinh",
        "đăng kí khai sinh",
        "  dang   ky\tkhai sinh  ",
        "thủ tục đăng ký khai sinh",
    ],
)
def test_birth_registration_is_first_however_it_is_typed(q):
    assert codes(q)[0] == "1.001193"


def test_words_typed_in_another_order_still_find_it():
    # The order typed counts only for the phrase: "khai sinh, đăng ký thường trú" (2.000986) has
    # these words in this order; the birth registration has them all as whole words of its name.
    assert "1.001193" in codes("khai sinh dang ky")[:2]


@pytest.mark.parametrize("q", ["khaisinh", "dang ky khaisinh", "KHAISINH", "khaisinh luu dong"])
def test_two_words_typed_without_the_space_still_find_it(q, settings):
    """"khaisinh" begins no word of the catalog: it found nothing. The procedures with "khai sinh"
    in their name are found, as for the two words."""
    settings.CATALOG_CACHE_SECONDS = 0
    found = codes(q)
    assert found and set(found) == set(codes(q.lower().replace("khaisinh", "khai sinh")))
    assert (found[0] == "1.003583") if "luu dong" in q else ("1.001193" in found)


def test_a_run_together_word_is_split_only_into_whole_words(settings):
    settings.CATALOG_CACHE_SECONDS = 0
    assert codes("khaisinhx") == [] and codes("xyzxyz") == []


def test_partial_words_match():
    assert "1.001193" in codes("dang ky khai si")
    assert "1.000894" in codes("ket ho")


def test_procedure_code_finds_it_first():
    assert codes("1.001193")[0] == "1.001193"
    assert codes("2.000815")[0] == "2.000815"


@pytest.mark.parametrize(
    "q,code",
    [
        ("ly lich tu phap", "3.000333"),
        ("lí lịch tư pháp", "3.000333"),
        ("chung thuc ban sao tu ban chinh", "2.000815"),
        ("ho kinh doanh thanh lap", "1.001612"),
        ("giay phep xay dung", "1.013225"),
        ("khai tu", "1.000656"),
        ("trich luc ho tich", "2.000635"),
        ("dang ky ket hon", "1.000894"),
    ],
)
def test_required_procedures_are_found_without_diacritics(q, code):
    assert code in codes(q)[:3]


def test_name_ranks_before_field_before_legal_text():
    # "hộ tịch" is the field of many procedures but in the name of only some: names come first.
    results = search_procedures(q="ho tich", filters=Filters(), page_size=100).items
    in_name = [i for i in results if "hộ tịch" in i["name"].lower()]
    assert in_name and results[: len(in_name)] == in_name
    # A word found only in legal texts still finds procedures, after those matching by name.
    only_legal = codes("123/2015")
    assert "1.001193" in only_legal


def test_every_word_must_match():
    result = search_procedures(q="khai sinh xay dung", filters=Filters())
    # Nothing matches every word; PostgreSQL may then offer near matches, flagged as such.
    assert result.count == 0 or result.typo_tolerant


def test_empty_or_symbol_only_query_lists_everything():
    total = search_procedures(q="", filters=Filters()).count
    assert total == 78
    assert search_procedures(q="%%% ___ ***", filters=Filters()).count == total
    assert search_procedures(q="😀🙂", filters=Filters()).count == total


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE catalog_procedure; --",
        "khai%sinh",
        "khai_sinh",
        ".*(a+)+$",
        "[a-z]{2,}",
        "\\",
        "khai\x00sinh",
        "\x07\x1b[31m",
        "😀 khai sinh 🇻🇳",
        "' OR 1=1 --",
        "%",
        "_",
    ],
)
def test_metacharacters_never_error(q):
    search_procedures(q=q, filters=Filters())


def test_like_wildcards_are_literal():
    assert codes("%") == codes("")
    assert codes("k%h") == codes("k h")
    assert codes("khai_sinh") == codes("khai sinh")


def test_results_page_by_page():
    first = search_procedures(q="", filters=Filters(), page=1, page_size=10)
    second = search_procedures(q="", filters=Filters(), page=2, page_size=10)
    assert first.num_pages == 8
    assert not {i["code"] for i in first.items} & {i["code"] for i in second.items}
    beyond = search_procedures(q="", filters=Filters(), page=99, page_size=10)
    assert beyond.items == [] and beyond.count == 78


@pytest.mark.engine
def test_postgresql_tolerates_typos(postgres_db):
    result = search_procedures(q="dang ky khai sihn", filters=Filters())
    assert result.typo_tolerant
    assert result.items[0]["code"] in {"1.001193"} or "1.001193" in [
        i["code"] for i in result.items[:3]
    ]


@pytest.mark.engine
def test_sqlite_has_no_typo_pass(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite path")
    result = search_procedures(q="dang ky khai sihn", filters=Filters())
    assert result.count == 0 and not result.typo_tolerant


AGREEMENT = [
    "",
    "dang ky",
    "ho tich",
    "khai sinh",
    "kinh doanh",
    "cap giay phep",
    "chung thuc ban sao",
    "d",
    "nghi dinh 23",
    "1.001",
    "1.001193",
    "khong co thu tuc nao nhu the",
]


@pytest.mark.parametrize("q", AGREEMENT)
def test_the_index_and_the_database_search_agree(q, settings):
    """The catalog is searched in each process's index; the database search (used for a given
    queryset and the typo pass) must give the same procedures in the same order, on either engine."""
    settings.CATALOG_CACHE_SECONDS = 0
    query = parse_query(q)
    for params in ({}, {"tier": "xa"}, {"method": "online"}, {"level": "2", "tier": "tinh"}):
        filters = parse_filters(params)
        found = apply_search(filters.apply(public_procedures()), query)
        if query.empty:
            found = found.order_by("sort_name", "code")
        expected = list(found.values_list("code", flat=True))
        page = search_procedures(q=q, filters=filters, page_size=200)
        if page.typo_tolerant:
            assert expected == [], params
            continue
        assert [i["code"] for i in page.items] == expected, params
        assert page.count == len(expected), params


@pytest.mark.engine
def test_postgresql_answers_words_from_the_prefix_index(postgres_db):
    with CaptureQueriesContext(postgres_db) as queries:
        result = list(apply_search(public_procedures(), parse_query("ho kinh doanh"))[:20])
        assert result
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("search_prefixes @>" in q for q in sql)
    with postgres_db.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_procedure_search_prefixes'"
        )
        assert "gin (search_prefixes)" in cursor.fetchone()[0]
