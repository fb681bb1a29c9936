"""Facet counts come from one statement over the request's matching set; they must equal counting
each dimension on its own (every other filter applied, not its own), on either engine."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from opendvc.catalog.models import Procedure, ProcedureMethod
from opendvc.catalog.search import apply_search, parse_query
from opendvc.catalog.selectors import (
    Filters,
    MatchSet,
    facets,
    parse_filters,
    public_procedures,
    search_procedures,
)

pytestmark = pytest.mark.usefixtures("catalog")


def reference(q, params):
    """Each dimension counted by its own query (how the facets were counted before)."""
    query, filters = parse_query(q), parse_filters(params)

    def matching(skip):
        qs = filters.apply(public_procedures(), skip=skip)
        return (apply_search(qs, query).order_by() if not query.empty else qs).values("id")

    def pairs(rows, value, label):
        return [(str(r[value]), r[label] if label else None, r["n"]) for r in rows]

    return {
        "sector": sorted(
            pairs(
                Procedure.objects.filter(id__in=matching("sector"))
                .values("sector__code", "sector__name")
                .annotate(n=Count("id")),
                "sector__code",
                "sector__name",
            )
        ),
        "field": sorted(
            pairs(
                Procedure.objects.filter(id__in=matching("field"))
                .values("field__code", "field__name")
                .annotate(n=Count("id")),
                "field__code",
                "field__name",
            )
        ),
        "tier": sorted(
            pairs(
                Procedure.tiers.through.objects.filter(procedure_id__in=matching("tier"))
                .values("tier__code", "tier__name")
                .annotate(n=Count("procedure_id")),
                "tier__code",
                "tier__name",
            )
        ),
        "level": sorted(
            pairs(
                Procedure.objects.filter(id__in=matching("level"))
                .values("level")
                .annotate(n=Count("id")),
                "level",
                None,
            )
        ),
        "agency": sorted(
            pairs(
                Procedure.agencies.through.objects.filter(procedure_id__in=matching("agency"))
                .values("agency__code", "agency__name")
                .annotate(n=Count("procedure_id")),
                "agency__code",
                "agency__name",
            )
        ),
        "method": sorted(
            pairs(
                ProcedureMethod.objects.filter(procedure_id__in=matching("method"))
                .values("method")
                .annotate(n=Count("procedure_id", distinct=True)),
                "method",
                None,
            )
        ),
    }


CASES = [
    ("", {}),
    ("ho tich", {}),
    ("ho tich", {"tier": "xa"}),
    ("dang ky", {"level": "3", "method": "online"}),
    ("dang ky", {"method": "postal", "tier": "tinh"}),
    ("khai sinh", {"field": "ho-tich"}),
    ("khong co thu tuc nao nhu the", {}),
]


@pytest.mark.parametrize(("q", "params"), CASES)
def test_one_statement_counts_equal_counting_each_dimension(q, params, settings):
    settings.CATALOG_CACHE_SECONDS = 0
    if "field" in params and not Procedure.objects.filter(field__code=params["field"]).exists():
        params = {}
    got = facets(q=q, filters=parse_filters(params))
    expected = reference(q, params)
    for dim, values in got.items():
        simplified = sorted(
            (v["value"], v["label"] if dim not in ("level", "method") else None, v["count"])
            for v in values
        )
        assert simplified == expected[dim], dim
    assert any(got.values()) or q == "khong co thu tuc nao nhu the"


def test_the_page_and_the_facets_search_once(settings):
    """The catalog page finds the matching set once in the search index, ranks the page within it and
    counts every facet from the same set: the database only reads the page's rows."""
    settings.CATALOG_CACHE_SECONDS = 0
    query = parse_query("dang ky khai sinh")
    matches = MatchSet(query)
    filters = parse_filters({"tier": "xa"})
    search_procedures(q="", filters=Filters())  # the index is built on first use
    with CaptureQueriesContext(connection) as ctx:
        page = search_procedures(q=query.raw, filters=filters, matches=matches)
        values = facets(q=query.raw, filters=filters, matches=matches)
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]
    assert page.items[0]["code"] == "1.001193"
    assert sum(v["count"] for v in values["tier"] if v["value"] == "xa") == page.count
    # Same page as the search without a shared set.
    assert search_procedures(q=query.raw, filters=filters).items == page.items


def test_the_index_follows_every_change_of_the_catalog(settings):
    """A change made anywhere (a service, the admin, a plain save) is searched at once: the revision
    moves on every save of a procedure, its methods, agencies or tiers."""
    settings.CATALOG_CACHE_SECONDS = 0
    procedure = Procedure.objects.get(code="1.001193")
    assert search_procedures(q="khai sinh", filters=Filters()).items[0]["code"] == "1.001193"
    procedure.status = Procedure.Status.SUSPENDED
    procedure.save(update_fields=["status"])
    codes = [
        i["code"] for i in search_procedures(q="khai sinh", filters=Filters(), page_size=100).items
    ]
    assert "1.001193" not in codes
    procedure.status = Procedure.Status.PUBLISHED
    procedure.save(update_fields=["status"])
    tier = procedure.tiers.first()
    procedure.tiers.remove(tier)
    counted = facets(q="khai sinh", filters=Filters())
    expected = reference("khai sinh", {})
    assert sorted((v["value"], v["label"], v["count"]) for v in counted["tier"]) == expected["tier"]
