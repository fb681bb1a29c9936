"""Reads of the catalog: counts, filtered and ranked search, facets, whole records."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Value, Window
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from opendvc.agencies.models import Agency, Tier
from opendvc.core.prepared import PreparedRead, first_row, prefetched
from opendvc.core.problems import ProblemError
from opendvc.core.quoting import quoting

from .index import catalog_index
from .models import (
    Component,
    FeeItem,
    FormFile,
    LegalBasis,
    Procedure,
    ProcedureMethod,
    Sector,
    Step,
)
from .models import Field as CatalogField
from .search import (
    IdIn,
    SearchQuery,
    apply_search,
    parse_query,
    planner_hints,
    supports_typos,
)

REVISION_KEY = "catalog:revision"


def cache_seconds() -> int:
    """How long search results and filter values are reused (also bounds staleness between
    processes that do not share a cache)."""
    return int(getattr(settings, "CATALOG_CACHE_SECONDS", 60))


def catalog_revision() -> str:
    """An opaque token that changes whenever the catalog changes (see services.bump_revision)."""
    revision = cache.get(REVISION_KEY)
    if revision is None:
        revision = uuid.uuid4().hex
        cache.add(REVISION_KEY, revision, None)
        revision = cache.get(REVISION_KEY) or revision
    return revision


def _cache_key(kind: str, *parts: Any) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[
        :40
    ]
    return f"catalog:{catalog_revision()}:{kind}:{digest}"


def page_cache_key(kind: str, *parts: Any) -> str:
    """The cache key of a rendered page part of this catalog revision: a publish (which changes the
    revision) makes every earlier entry unreachable."""
    return _cache_key(f"page:{kind}", *parts)


FILTER_NAMES = ["sector", "field", "tier", "level", "agency", "method"]
METHOD_LABELS = dict(ProcedureMethod.Channel.choices)
LEVEL_LABELS = dict(Procedure.Level.choices)


def public_procedures(today: dt.date | None = None) -> QuerySet[Procedure]:
    """Published procedures in effect ``today`` (default: the local date)."""
    today = today or timezone.localdate()
    return Procedure.objects.filter(status=Procedure.Status.PUBLISHED).filter(
        Q(effective_from__isnull=True) | Q(effective_from__lte=today),
        Q(effective_to__isnull=True) | Q(effective_to__gte=today),
    )


# One row (the published status) or none: the counts of the home page, in one statement built once.
_COUNTS = PreparedRead(
    lambda today: (
        public_procedures(today)
        .order_by()
        .values("status")
        .annotate(
            procedures=Count("id"),
            # Those filed online on the portal now: level 3 or 4 and received by an active agency, as the
            # procedure page's "Nộp hồ sơ trực tuyến" and the results' badge (``index.files_online``).
            online=Count(
                "id",
                filter=Q(
                    level__gte=Procedure.Level.ONLINE,
                    id__in=Procedure.agencies.through.objects.filter(agency__is_active=True).values(
                        "procedure_id"
                    ),
                ),
            ),
        )
    ),
    dt.date(1901, 2, 3),
)
_AGENCY_COUNT = PreparedRead(
    lambda: Agency.objects.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("id"))
)


def catalog_counts(today: dt.date | None = None) -> dict[str, int]:
    """Published procedures in effect ``today`` (default: the local date) and how many of them can be
    filed online on the portal now (level 3 and 4, with an active receiving agency)."""
    rows = _COUNTS.list(today or timezone.localdate())
    row = rows[0] if rows else {}
    return {"procedures": row.get("procedures") or 0, "online": row.get("online") or 0}


def agency_count() -> int:
    """Agencies on the portal."""
    rows = _AGENCY_COUNT.list()
    return rows[0]["n"] if rows else 0


@dataclass
class Filters:
    """Validated filter values; ``*_id`` are the resolved primary keys."""

    values: dict[str, str] = field(default_factory=dict)
    sector_id: int | None = None
    field_id: int | None = None
    tier_id: int | None = None
    agency_id: int | None = None
    level: int | None = None
    method: str | None = None

    def apply(self, qs: QuerySet, *, skip: str | None = None) -> QuerySet:
        if self.sector_id and skip != "sector":
            qs = qs.filter(sector_id=self.sector_id)
        if self.field_id and skip != "field":
            qs = qs.filter(field_id=self.field_id)
        if self.level and skip != "level":
            qs = qs.filter(level=self.level)
        if self.tier_id and skip != "tier":
            qs = qs.filter(
                id__in=Procedure.tiers.through.objects.filter(tier_id=self.tier_id).values(
                    "procedure_id"
                )
            )
        if self.agency_id and skip != "agency":
            qs = qs.filter(
                id__in=Procedure.agencies.through.objects.filter(agency_id=self.agency_id).values(
                    "procedure_id"
                )
            )
        if self.method == ProcedureMethod.Channel.ONLINE and skip != "method":
            qs = qs.filter(has_online=True)
        elif self.method and skip != "method":
            qs = qs.filter(
                id__in=ProcedureMethod.objects.filter(method=self.method).values("procedure_id")
            )
        return qs


def _unknown(name: str, value: str, allowed: list[str]) -> ProblemError:
    return ProblemError(
        "unknown_filter_value",
        _("Giá trị %(value)s của bộ lọc “%(name)s” không hợp lệ.")
        % {"value": repr(value), "name": name},
        status=400,
        title=gettext_noop("Giá trị bộ lọc không hợp lệ"),
        extra={"parameter": name, "value": value, "allowed": allowed},
    )


def _filter_codes() -> dict[str, dict[str, int]]:
    """code -> id for sector, field, tier and agency filters (cached)."""
    key = _cache_key("filter-codes")
    maps = cache.get(key)
    if maps is None:
        maps = {
            "sector": dict(Sector.objects.order_by("code").values_list("code", "id")),
            "field": dict(CatalogField.objects.order_by("code").values_list("code", "id")),
            "tier": dict(Tier.objects.values_list("code", "id")),
            "agency": dict(
                Agency.objects.filter(is_active=True).order_by("code").values_list("code", "id")
            ),
        }
        # Kept even when results are not cached: a few hundred codes, unreachable after any change.
        cache.set(key, maps, max(cache_seconds(), 300))
    return maps


def parse_filters(params: dict[str, Any]) -> Filters:
    """Resolve filter codes to rows; raise ``ProblemError`` (400) listing the allowed values."""
    f = Filters()
    maps: dict[str, dict[str, int]] | None = None
    for name in FILTER_NAMES:
        value = params.get(name)
        if value in (None, ""):
            continue
        value = str(value).strip()
        f.values[name] = value
        if name in ("sector", "field", "tier", "agency"):
            maps = maps or _filter_codes()
            pk = maps[name].get(value)
            if pk is None:
                raise _unknown(name, value, list(maps[name]))
            setattr(f, f"{name}_id", pk)
        elif name == "level":
            if value not in {"1", "2", "3", "4"}:
                raise _unknown(name, value, ["1", "2", "3", "4"])
            f.level = int(value)
        elif name == "method":
            if value not in METHOD_LABELS:
                raise _unknown(name, value, list(METHOD_LABELS))
            f.method = value
    return f


@dataclass
class ResultPage:
    count: int
    page: int
    page_size: int
    items: list[dict[str, Any]]
    typo_tolerant: bool = False

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))


def _items(rows: list[dict[str, Any]], *, index=None) -> list[dict[str, Any]]:
    """The result rows as the page and the API show them; agencies and tiers from ``index`` when
    the rows come from it, else read."""
    ids = [r["id"] for r in rows]
    agencies: dict[int, list[dict[str, str]]] = defaultdict(list)
    tiers: dict[int, list[str]] = defaultdict(list)
    if index is not None:
        files_online = index.files_online
        for pid in ids:
            agencies[pid] = [
                {"code": code, "name": name}
                for code, name in map(
                    index.agency_label.__getitem__, index.agencies_of.get(pid, ())
                )
            ]
            tiers[pid] = [index.tier_code[t] for t in index.tiers_of.get(pid, ())]
    else:
        for pid, code, name in (
            Procedure.agencies.through.objects.filter(procedure_id__in=ids)
            .values_list("procedure_id", "agency__code", "agency__name")
            .order_by("agency__code")
        ):
            agencies[pid].append({"code": code, "name": name})
        for pid, code in (
            Procedure.tiers.through.objects.filter(procedure_id__in=ids)
            .values_list("procedure_id", "tier__code")
            .order_by("tier__rank")
        ):
            tiers[pid].append(code)
        files_online = set(
            Procedure.agencies.through.objects.filter(
                procedure_id__in=ids,
                procedure__level__gte=Procedure.Level.ONLINE,
                agency__is_active=True,
            ).values_list("procedure_id", flat=True)
        )
    detail_prefix = reverse("catalog:detail", args=["0.000000"]).replace("0.000000", "{}")
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "sector": {"code": r["sector__code"], "name": r["sector__name"]},
            "field": {"code": r["field__code"], "name": r["field__name"]},
            "level": r["level"],
            "level_derived": r["level_source"] == Procedure.LevelSource.DERIVED,
            "online_class": r["online_class"] or None,
            "tiers": tiers[r["id"]],
            "agencies": agencies[r["id"]],
            "methods": r["methods_available"],
            "files_online": r["id"] in files_online,
            "url": detail_prefix.format(r["code"]),
        }
        for r in rows
    ]


ITEM_COLUMNS = (
    "id",
    "code",
    "name",
    "sector__code",
    "sector__name",
    "field__code",
    "field__name",
    "level",
    "level_source",
    "online_class",
    "methods_available",
)


def search_index():
    """The in-memory index of the published procedures at the current catalog revision (``index``)."""
    return catalog_index(revision=catalog_revision(), public=public_procedures)


class MatchSet:
    """The published procedures matching one query, found once per request and only when an answer
    is not cached: the result page and every facet count are taken from the same set."""

    def __init__(self, query: SearchQuery):
        self.query = query
        self._ids: frozenset[int] | None = None
        self._index = None

    @property
    def index(self):
        """The index this request searches (one look at the catalog revision per request)."""
        if self._index is None:
            self._index = search_index()
        return self._index

    @property
    def ids(self) -> frozenset[int]:
        if self._ids is None:
            self._ids = self.index.match(self.query)
        return self._ids


def search_procedures(
    *,
    q: str | None,
    filters: Filters,
    page: int = 1,
    page_size: int = 20,
    base: QuerySet | None = None,
    matches: MatchSet | None = None,
) -> ResultPage:
    """One page of published procedures matching ``q`` and ``filters``, best match first.

    The published catalog is searched in the process's index (``index.py``; ``matches``, when given,
    is the request's matching set, shared with the facet counts); the page's rows are then read from
    the database. ``base`` searches that queryset in the database instead. On PostgreSQL a query
    that matches nothing is retried typo-tolerantly in the database (``typo_tolerant``).
    """
    query = parse_query(q)
    page = max(1, page)
    key = None
    if base is None and cache_seconds():
        # The phrase and the words typed with diacritics change the order, not the matching set.
        key = _cache_key(
            "search",
            query.terms,
            query.code_prefix,
            query.phrase,
            query.accented,
            filters.values,
            page,
            page_size,
        )
        cached = cache.get(key)
        if cached is not None:
            return ResultPage(**cached)
    start = (page - 1) * page_size
    typo = False
    if base is None:
        if matches is None or matches.query != query:
            matches = MatchSet(query)
        index = matches.index
        found = index.filter_sets(filters).apply(matches.ids)
        count = len(found)
        ranked = index.ranked(found, query, limit=start + page_size)[start:]
        rows = _rows_by_id(ranked)
        items = _items(rows, index=index)
    else:
        found_qs = apply_search(filters.apply(base), query)
        if query.empty:
            found_qs = found_qs.order_by("sort_name", "code")
        with planner_hints(query):
            count, rows = _page_rows(found_qs, page, page_size)
        items = _items(rows)
    if count == 0 and not query.empty and supports_typos():
        qs = filters.apply(base if base is not None else public_procedures())
        count, rows = _page_rows(apply_search(qs, query, typo_tolerant=True), page, page_size)
        items = _items(rows)
        typo = True
    result = ResultPage(
        count=count, page=page, page_size=page_size, items=items, typo_tolerant=typo
    )
    if key is not None:
        cache.set(key, result.__dict__, cache_seconds())
    return result


# The page's rows by id: the same statement on every search, built once (``core.prepared``).
_ROWS_BY_ID = PreparedRead(
    lambda ids: Procedure.objects.filter(IdIn(ids)).values(*ITEM_COLUMNS), [0]
)


def _rows_by_id(ids: list[int]) -> list[dict[str, Any]]:
    """The page's rows in the order of ``ids`` (one statement)."""
    if not ids:
        return []
    by_id = {r["id"]: r for r in _ROWS_BY_ID.list(list(ids))}
    return [by_id[pid] for pid in ids if pid in by_id]


def _page_rows(found: QuerySet, page: int, page_size: int) -> tuple[int, list[dict[str, Any]]]:
    """One query for the page and the total (window count); a second only past the last page."""
    start = (page - 1) * page_size
    rows = list(
        found.annotate(total=Window(Count("id"))).values(*ITEM_COLUMNS, "total")[
            start : start + page_size
        ]
    )
    if rows:
        return rows[0]["total"], rows
    return (found.count() if start else 0), []


def facets(
    *, q: str | None, filters: Filters, matches: MatchSet | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Filter values with the number of matching procedures for each, from the request's matching
    set (``matches`` when the page already has it) in the process's index.

    Each dimension is counted with every other filter applied but not its own, so the counts say
    what choosing that value would give.
    """
    query: SearchQuery = parse_query(q)
    # The key (a look at the catalog revision and a digest) only when results are cached at all. The
    # labels of levels and channels are in the request's language: one entry per language.
    key = (
        _cache_key("facets", get_language(), query.terms, query.code_prefix, filters.values)
        if cache_seconds()
        else None
    )
    cached = cache.get(key) if key is not None else None
    if cached is not None:
        return cached
    if matches is None or matches.query != query:
        matches = MatchSet(query)
    index = matches.index
    counted = index.facet_counts(matches.ids, index.filter_sets(filters))
    result: dict[str, list[dict[str, Any]]] = {name: [] for name in FILTER_NAMES}
    for dim, values in counted.items():
        for value, label, n in values:
            if dim == "level":
                value, label = str(value), str(LEVEL_LABELS[int(value)])
            elif dim == "method":
                label = str(METHOD_LABELS.get(value, value))
            result[dim].append({"value": value, "label": label, "count": n})
    if key is not None:
        cache.set(key, result, cache_seconds())
    return result


# The procedure page's reads (``procedure_for_page``), built once per process (``core.prepared``): the
# procedure with its sector, field and current version, then each of its parts by the procedure's key,
# in the order the ORM's prefetch gives them.
_PUBLIC_BY_CODE = PreparedRead(
    lambda code, today: first_row(
        public_procedures(today)
        .filter(code=code)
        .select_related("sector", "field", "current_version")
    ),
    "code",
    dt.date(1901, 2, 3),
)
_ANY_BY_CODE = PreparedRead(
    lambda code: first_row(
        Procedure.objects.filter(code=code).select_related("sector", "field", "current_version")
    ),
    "code",
)


def _tiers() -> QuerySet[Tier]:
    return Tier.objects.order_by("rank")


def _agencies() -> QuerySet[Agency]:
    return Agency.objects.select_related("tier").order_by("code")


# name → (its read, the queryset a later ``filter()`` of the part starts from; None: the manager's)
_PARTS: dict[str, tuple[PreparedRead, Any]] = {
    "methods": (PreparedRead(lambda pk: ProcedureMethod.objects.filter(procedure_id=pk), 0), None),
    "fee_items": (PreparedRead(lambda pk: FeeItem.objects.filter(procedure_id=pk), 0), None),
    "components": (PreparedRead(lambda pk: Component.objects.filter(procedure_id=pk), 0), None),
    "steps": (PreparedRead(lambda pk: Step.objects.filter(procedure_id=pk), 0), None),
    "legal_basis": (PreparedRead(lambda pk: LegalBasis.objects.filter(procedure_id=pk), 0), None),
    "forms": (PreparedRead(lambda pk: FormFile.objects.filter(procedure_id=pk), 0), None),
    "tiers": (PreparedRead(lambda pk: _tiers().filter(procedures=pk), 0), _tiers),
    "agencies": (PreparedRead(lambda pk: _agencies().filter(procedures=pk), 0), _agencies),
}


def procedure_for_page(code: str, *, public_only: bool = True) -> Procedure | None:
    """The procedure with every part loaded (its methods, fees, components, steps, legal basis,
    forms, tiers and agencies answer ``.all()`` without a query), or None. Public only: published
    and in effect today."""
    procedure = (
        _PUBLIC_BY_CODE.first(code, timezone.localdate())
        if public_only
        else _ANY_BY_CODE.first(code)
    )
    if procedure is not None:
        for name, (read, base) in _PARTS.items():
            prefetched(procedure, name, read.list(procedure.pk), base() if base else None)
    return procedure


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _amount(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def procedure_record(procedure: Procedure) -> dict[str, Any]:
    """The procedure as one record of the import schema (export, version snapshots, API detail).

    The record is data, the same whatever language the person asking reads: the national class is
    written in the Vietnamese words of the import schema (``toàn trình`` / ``một phần``), never in
    the words of an English page, so an export or a version published from an English session is the
    Vietnamese one (and an unchanged procedure published again keeps its version)."""
    with translation.override("vi"):
        online_class = procedure.get_online_class_display() if procedure.online_class else None
    return {
        "national_code": procedure.code,
        "local_code": procedure.local_code,
        "name": procedure.name,
        "sector": procedure.sector.name,
        "field": procedure.field.name,
        "tiers": [t.code for t in sorted(procedure.tiers.all(), key=lambda t: t.rank)],
        "levels_raw": procedure.tiers_raw,
        "implementing_agency": procedure.implementing_agency_text,
        "agency_codes": sorted(a.code for a in procedure.agencies.all()),
        "competent_authority": procedure.competent_authority or None,
        "coordinating_agency": procedure.coordinating_agency or None,
        "level": procedure.level
        if procedure.level_source == Procedure.LevelSource.SOURCE
        else None,
        "online_class": online_class,
        "status": procedure.status,
        "effective_from": _iso(procedure.effective_from),
        "effective_to": _iso(procedure.effective_to),
        "methods": [
            {
                "method": m.method,
                "time_amount": _amount(m.time_amount),
                "time_unit": m.time_unit or None,
                "time_text": m.time_text,
                "time_basis": m.time_basis,
                "cutoff": m.cutoff.strftime("%H:%M") if m.cutoff else None,
                "fee_text": m.fee_text,
                "description": m.description,
            }
            for m in sorted(procedure.methods.all(), key=lambda m: m.position)
        ],
        "fee_items": [
            {
                "name": f.name,
                "amount_vnd": f.amount_vnd,
                "amount_text": f.amount_text,
                "per": f.per,
                "methods": f.methods,
                "condition": f.condition,
                "note": f.note,
                "valid_from": _iso(f.valid_from),
                "valid_to": _iso(f.valid_to),
                "rate_percent": _amount(f.rate_percent),
                "rate_from": _iso(f.rate_from),
                "rate_to": _iso(f.rate_to),
                "rate_basis": f.rate_basis,
            }
            for f in sorted(procedure.fee_items.all(), key=lambda f: f.position)
        ],
        "components": [
            {
                "name": c.name,
                "originals": c.originals,
                "copies": c.copies,
                "required": c.required,
                "kind": c.kind,
                "case": c.case,
                "form_file": c.form_file_name,
                "accepts_electronic_copy": c.accepts_electronic_copy,
            }
            for c in sorted(procedure.components.all(), key=lambda c: c.position)
        ],
        "steps": [s.text for s in sorted(procedure.steps.all(), key=lambda s: s.position)],
        "applicants": procedure.applicants,
        "applicants_raw": procedure.applicants_raw,
        "conditions": procedure.conditions,
        "result": procedure.result,
        "result_kind": procedure.result_kind,
        "legal_basis": [
            {"number": lb.number, "date": _iso(lb.date), "issuer": lb.issuer, "title": lb.title}
            for lb in sorted(procedure.legal_basis.all(), key=lambda lb: lb.position)
        ],
        "announcing_decision": procedure.announcing_decision,
        "procedure_type": procedure.procedure_type,
        "source_url": procedure.source_url,
        "source_copy": procedure.source_copy,
        "source_list_copy": procedure.source_list_copy,
        "notes": procedure.notes,
        "unverified_fields": procedure.unverified_fields,
    }


def export_queryset(*, include_synthetic: bool = False) -> QuerySet[Procedure]:
    qs = (
        Procedure.objects.select_related("sector", "field")
        .prefetch_related(
            "tiers", "agencies", "methods", "fee_items", "components", "steps", "legal_basis"
        )
        .order_by("code")
    )
    return qs if include_synthetic else qs.filter(is_synthetic=False)


def agency_procedures(agency: Agency) -> QuerySet[Procedure]:
    return (
        public_procedures()
        .filter(agencies=agency)
        .select_related("field")
        .order_by("field__sort_name", "field__code", "sort_name", "code")
    )


@dataclass(frozen=True)
class ServiceOffer:
    """What the portal offers for a procedure at its service level (Regulation Art. 2.13).

    A level the source does not state (``level_source`` = derived, shown as "chưa xác minh" on the
    page) is the level the portal reads from the published methods and forms (``derive_level``): an
    online method yields level 3, the national "toàn trình" class level 4. That level is used as it
    is — a procedure gets exactly what its published methods show, never more.
    """

    level: int
    verified: bool
    forms_download: bool
    online_filing: bool
    online_payment: bool
    online_return: bool

    @property
    def sentence(self) -> str:
        if self.online_payment:
            return _(
                "Dịch vụ công trực tuyến mức độ 4: nộp hồ sơ, nộp phí, lệ phí và nhận kết quả trực tuyến "
                "(hoặc tại bộ phận một cửa, qua bưu chính)."
            )
        if self.online_filing:
            return _(
                "Dịch vụ công trực tuyến mức độ 3: nộp hồ sơ trực tuyến; nộp phí, lệ phí và nhận kết quả "
                "tại bộ phận một cửa hoặc qua bưu chính."
            )
        if self.forms_download:
            return _(
                "Dịch vụ công trực tuyến mức độ 2: tải biểu mẫu về; nộp hồ sơ trực tiếp tại bộ phận một "
                "cửa hoặc qua bưu chính (chưa nộp trực tuyến)."
            )
        return _(
            "Dịch vụ công trực tuyến mức độ 1: chỉ cung cấp thông tin về thủ tục; nộp hồ sơ trực tiếp "
            "tại bộ phận một cửa hoặc qua bưu chính."
        )


def procedure_offer(*, procedure: Procedure) -> ServiceOffer:
    """The services of ``procedure`` by its level: 2 forms to download; 3 online filing (fees and result
    at the counter or by post); 4 online payment and online return as well."""
    level = int(procedure.level or Procedure.Level.INFO)
    return ServiceOffer(
        level=level,
        verified=procedure.level_source == Procedure.LevelSource.SOURCE,
        forms_download=level >= Procedure.Level.FORMS,
        online_filing=level >= Procedure.Level.ONLINE,
        online_payment=level >= Procedure.Level.FULL,
        online_return=level >= Procedure.Level.FULL,
    )


def not_offered(*, procedure: Procedure, what: str, path: str = "procedure") -> ProblemError:
    """The problem answered when a service is asked that the procedure's level does not offer (422
    ``not_offered_at_level``), naming the level and what it does offer."""

    offer = procedure_offer(procedure=procedure)
    # The field's message is the detail's first sentence: whole, naming the procedure and its level.
    # The name is the catalog's Vietnamese, marked as such in a sentence of another language.
    name = {"name": procedure.name[:120]}
    sentence = quoting(
        _("Thủ tục “%(name)s” ở mức độ %(level)d không cung cấp %(what)s."),
        name,
        {"level": offer.level, "what": what},
    )
    return ProblemError(
        "not_offered_at_level",
        quoting(
            _("Thủ tục “%(name)s” ở mức độ %(level)d không cung cấp %(what)s. %(offer)s"),
            name,
            {"level": offer.level, "what": what, "offer": offer.sentence},
        ),
        status=422,
        title=_("Mức độ dịch vụ của thủ tục không cung cấp thao tác này"),
        extra={
            "level": offer.level,
            "errors": [
                {
                    "path": path,
                    "message": sentence,
                }
            ],
        },
    )
