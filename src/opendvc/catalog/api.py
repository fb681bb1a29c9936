"""Public, cacheable catalog API: /api/v1/procedures, /api/v1/procedures/{code}, /api/v1/catalog/facets.

Responses carry a strong ``ETag`` (hash of the body) and ``Cache-Control: public``; a request whose
``If-None-Match`` matches gets ``304 Not Modified`` with no body.

A body holds labels in the request's language (the facets' levels and channels), which the language
cookie decides before ``Accept-Language`` (core.middleware.VietnameseFirstMiddleware): the answers
say ``Vary: Accept-Encoding, Accept-Language, Cookie``, as the response cache keeps one entry (and
one ETag) per language. Naming ``Cookie`` is what keeps a shared cache from handing an English body
to a client whose cookie asks Vietnamese; the API's clients send no cookie, and answers to requests
without one are still shared.

Paging of /api/v1/procedures: a ``page`` past the last one is not an error; it answers the real
``count`` and ``num_pages`` with an empty ``items`` and the ``page`` asked, so that a client walking the
pages stops when ``page >= num_pages`` (the catalog page, for people, shows the last page instead).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Query, Router, Schema

from opendvc.api.params import MAX_LIMIT, MAX_PAGE
from opendvc.api.schemas import problems

from .fees import amount_on, in_force
from .selectors import (
    cache_seconds,
    catalog_revision,
    facets,
    parse_filters,
    procedure_for_page,
    procedure_record,
    search_procedures,
)

router = Router(tags=["catalog"])

CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"


class Named(Schema):
    code: str
    name: str


class ProcedureItem(Schema):
    code: str
    name: str
    sector: Named
    field: Named
    level: int
    level_derived: bool
    online_class: str | None
    tiers: list[str]
    agencies: list[Named]
    methods: list[str]
    url: str


class ProcedurePage(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    typo_tolerant: bool
    items: list[ProcedureItem]


class FacetValue(Schema):
    value: str
    label: str
    count: int


class Facets(Schema):
    sector: list[FacetValue]
    field: list[FacetValue]
    tier: list[FacetValue]
    level: list[FacetValue]
    agency: list[FacetValue]
    method: list[FacetValue]


class SearchParams(Schema):
    q: str | None = None
    sector: str | None = None
    field: str | None = None
    tier: str | None = None
    level: str | None = None
    agency: str | None = None
    method: str | None = None


def _response_key(request) -> str:
    # A body carries labels in the request's language (the facets' levels and channels): one entry,
    # and one ETag, per language; and per day, as procedures and fee items enter and leave effect by date.
    params = sorted((k, v) for k, values in request.GET.lists() for v in values)
    digest = hashlib.sha256(
        json.dumps(
            [request.get_host(), request.path, get_language(), params, timezone.localdate().isoformat()]
        ).encode()
    ).hexdigest()[:40]
    return f"catalog:{catalog_revision()}:response:{digest}"


def _serialise(data: Any) -> tuple[bytes, str]:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _respond(request, body: bytes, etag: str) -> HttpResponse:
    matches = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    if etag in matches or "*" in matches:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "Accept-Encoding"
    return response


def _cached_json(request, build) -> HttpResponse:
    """Answer from the response cache of this catalog revision, or build, cache and answer.

    Only successful bodies are cached; ``build`` raising a ProblemError answers with the problem.
    """
    if not cache_seconds():  # the result cache is off: neither read nor written
        return _respond(request, *_serialise(build()))
    key = _response_key(request)
    hit = cache.get(key)
    if hit is None:
        hit = _serialise(build())
        cache.set(key, hit, cache_seconds())
    return _respond(request, *hit)


@router.get(
    "/procedures",
    auth=None,
    response={200: ProcedurePage, **problems(400, 422)},
    summary="Tìm thủ tục hành chính (có dấu hoặc không dấu), lọc theo ngành, lĩnh vực, cấp, mức độ, cơ quan, hình thức",
)
def list_procedures(
    request,
    params: Query[SearchParams],
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_LIMIT),
):
    def build():
        filters = parse_filters(params.dict())
        result = search_procedures(q=params.q, filters=filters, page=page, page_size=page_size)
        return {
            "count": result.count,
            "page": result.page,
            "page_size": result.page_size,
            "num_pages": result.num_pages,
            "typo_tolerant": result.typo_tolerant,
            "items": result.items,
        }

    return _cached_json(request, build)


@router.get(
    "/procedures/{code}",
    auth=None,
    response={200: dict, **problems(404)},
    summary="Toàn bộ thông tin một thủ tục",
    description=(
        "Bản ghi của thủ tục theo lược đồ nhập dữ liệu (docs/catalog-import.md). Mỗi khoản trong "
        "`fee_items` có thêm `valid_from`, `valid_to` (ngày ISO 8601, tính cả hai ngày; `null` = "
        "không giới hạn phía đó) và `in_force` (khoản đang áp dụng hôm nay, giờ Việt Nam). Khoản có "
        "`in_force: false` vẫn được nguồn công bố nhưng không còn được thu. Mức thu giảm có thời hạn "
        "(ví dụ Thông tư 64/2025/TT-BTC): `rate_percent` (phần trăm `amount_vnd` được thu, 0–100), "
        "`rate_from`, `rate_to` (ngày ISO 8601, tính cả hai ngày; `null` = không giới hạn phía đó), "
        "`rate_basis` (văn bản quy định); `null`/rỗng khi không có. `amount_today` là số tiền thu cho hồ "
        "sơ nộp hôm nay (giờ Việt Nam): mức giảm trong thời hạn giảm (làm tròn xuống đồng), mức đầy "
        "đủ ngoài thời hạn; `null` khi khoản không áp dụng hôm nay hoặc nguồn không nêu số tiền."
    ),
)
def get_procedure(request, code: str):
    return _cached_json(request, lambda: _procedure_document(request, code))


def _procedure_document(request, code: str) -> dict[str, Any]:
    procedure = procedure_for_page(code)
    if procedure is None:
        raise Http404
    record = procedure_record(procedure)
    record["code"] = record.pop("national_code")
    record["level"] = procedure.level
    record["level_derived"] = procedure.level_source == procedure.LevelSource.DERIVED
    record["level_basis"] = procedure.level_basis
    record["online_class"] = procedure.online_class or None
    record["sector"] = {"code": procedure.sector.code, "name": procedure.sector.name}
    record["field"] = {"code": procedure.field.code, "name": procedure.field.name}
    record["agencies"] = [{"code": a.code, "name": a.name} for a in procedure.agencies.all()]
    record.pop("agency_codes")
    # The id a dossier's file names its component by (POST /api/v1/dossiers: files[].component); the
    # record lists the components in the same order.
    components = sorted(procedure.components.all(), key=lambda c: c.position)
    for item, component in zip(record["components"], components, strict=True):
        item["id"] = component.pk
    # Whether each fee item applies today (its valid_from/valid_to, both days included): an item past its
    # period is still published by the source but no longer charged.
    today = timezone.localdate()
    fee_items = sorted(procedure.fee_items.all(), key=lambda f: f.position)
    for item, fee in zip(record["fee_items"], fee_items, strict=True):
        item["in_force"] = in_force(fee, today)
        item["amount_today"] = amount_on(fee, today)
    record["forms"] = [
        {
            "name": f.name,
            "available": f.is_available,
            "url": request.build_absolute_uri(reverse("catalog:form", args=[procedure.code, f.pk]))
            if f.is_available
            else None,
        }
        for f in procedure.forms.all()
    ]
    version = procedure.current_version
    record["version"] = (
        {"number": version.number, "published_at": version.published_at.isoformat()}
        if version
        else None
    )
    return record


@router.get(
    "/catalog/facets",
    auth=None,
    response={200: Facets},
    summary="Giá trị bộ lọc và số thủ tục tương ứng",
)
def catalog_facets(request, params: Query[SearchParams]):
    return _cached_json(request, lambda: facets(q=params.q, filters=parse_filters(params.dict())))
