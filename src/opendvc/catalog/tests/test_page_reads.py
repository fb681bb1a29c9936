"""``selectors.procedure_for_page``: the procedure page's reads, built once per process, load what the
ORM's prefetch loads, for every shape of procedure in the shipped catalog, and nothing more is read
when the page uses its parts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opendvc.agencies.models import Agency, Tier
from opendvc.catalog import selectors
from opendvc.catalog.models import Procedure
from opendvc.catalog.selectors import procedure_for_page, public_procedures

pytestmark = pytest.mark.django_db

PARTS = ("methods", "fee_items", "components", "steps", "legal_basis", "forms", "tiers", "agencies")


def _orm(code: str, *, public_only: bool = True) -> Procedure | None:
    """What the page read before: the ORM with its prefetches."""
    qs = public_procedures() if public_only else Procedure.objects.all()
    return (
        qs.select_related("sector", "field", "current_version")
        .prefetch_related(
            "methods",
            "fee_items",
            "components",
            "steps",
            "legal_basis",
            "forms",
            Prefetch("tiers", queryset=Tier.objects.order_by("rank")),
            Prefetch("agencies", queryset=Agency.objects.select_related("tier").order_by("code")),
        )
        .filter(code=code)
        .first()
    )


def _fields(obj) -> dict:
    return {k: v for k, v in obj.__dict__.items() if not k.startswith("_")}


def _same(got: Procedure, want: Procedure) -> None:
    assert _fields(got) == _fields(want)
    for name in ("sector", "field", "current_version"):
        related = getattr(want, name)
        assert (getattr(got, name) and _fields(getattr(got, name))) == (
            related and _fields(related)
        )
    for name in PARTS:
        assert [_fields(x) for x in getattr(got, name).all()] == [
            _fields(x) for x in getattr(want, name).all()
        ], name
    assert [_fields(a.tier) if a.tier_id else None for a in got.agencies.all()] == [
        _fields(a.tier) if a.tier_id else None for a in want.agencies.all()
    ]


def test_every_shipped_procedure_reads_as_the_orm_reads_it(catalog):
    codes = list(Procedure.objects.values_list("code", flat=True))
    assert len(codes) >= 78
    for code in codes:
        got, want = procedure_for_page(code), _orm(code)
        assert (got is None) == (want is None), code
        if want is not None:
            _same(got, want)
    assert procedure_for_page("1.000000-khong-co") is None


def test_parts_are_read_once_and_hold_their_parent(catalog):
    code = (
        Procedure.objects.filter(components__isnull=False, fee_items__isnull=False)
        .values_list("code", flat=True)
        .first()
    )
    procedure_for_page(code)  # built for this connection
    with CaptureQueriesContext(connection) as ctx:
        procedure = procedure_for_page(code)
    # The procedure, then each of its eight parts.
    assert len(ctx.captured_queries) == 1 + len(PARTS)
    # Each statement built once: the parts' on every engine (a key reaches the statement as it is),
    # the procedure's on PostgreSQL (SQLite gets the date as text: the ORM builds that one each time).
    [procedure_statement] = selectors._PUBLIC_BY_CODE._local.statements.values()
    assert (procedure_statement is not None) == (connection.vendor == "postgresql")
    for read, _base in selectors._PARTS.values():
        assert all(s is not None for s in read._local.statements.values())
    with CaptureQueriesContext(connection) as ctx:
        for name in PARTS:
            rows = list(getattr(procedure, name).all())
            assert rows or name in {"steps", "legal_basis", "forms", "tiers", "agencies"}
        for component in procedure.components.all():
            assert component.procedure is procedure
        for agency in procedure.agencies.all():
            _ = agency.tier
    assert ctx.captured_queries == []
    # Filtering a part is a new read, as after a prefetch.
    assert list(procedure.components.filter(required=True)) == [
        c for c in procedure.components.all() if c.required
    ]


def test_only_procedures_in_effect_today_are_public(catalog):
    procedure = Procedure.objects.filter(status=Procedure.Status.PUBLISHED).first()
    today = timezone.localdate()
    for start, end, public in (
        (today + dt.timedelta(days=1), None, False),
        (None, today - dt.timedelta(days=1), False),
        (today, today, True),
        (None, None, True),
    ):
        Procedure.objects.filter(pk=procedure.pk).update(effective_from=start, effective_to=end)
        assert (procedure_for_page(procedure.code) is not None) is public, (start, end)
        # The back office's preview reads it whatever its dates.
        assert procedure_for_page(procedure.code, public_only=False).pk == procedure.pk
    Procedure.objects.filter(pk=procedure.pk).update(status=Procedure.Status.DRAFT)
    assert procedure_for_page(procedure.code) is None
    _same(
        procedure_for_page(procedure.code, public_only=False),
        _orm(procedure.code, public_only=False),
    )


def test_a_part_filtered_afterwards_starts_from_the_prefetch_queryset(catalog):
    """Tiers by rank and agencies by code with their tier, as the prefetch's querysets gave them."""
    code = max(
        Procedure.objects.values_list("code", flat=True),
        key=lambda c: Procedure.objects.get(code=c).agencies.count(),
    )
    got, want = procedure_for_page(code), _orm(code)
    assert got.agencies.count() > 1
    for name in ("tiers", "agencies"):
        assert list(getattr(got, name).filter(pk__gt=0)) == list(
            getattr(want, name).filter(pk__gt=0)
        )
        assert getattr(got, name).last() == getattr(want, name).last()
    agencies = list(got.agencies.filter(pk__gt=0))
    with CaptureQueriesContext(connection) as ctx:
        [a.tier for a in agencies]
    assert ctx.captured_queries == []
