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

import datetime as dt
import hashlib
import json
from typing import Any, Literal

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

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

router = Router(tags=["Thủ tục hành chính"])

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
    files_online: bool = Field(
        description="Nộp hồ sơ trực tuyến được trên Cổng ngay bây giờ: thủ tục mức độ 3 hoặc 4 "
        "có ít nhất một cơ quan tiếp nhận đang hoạt động (như nút “Nộp hồ sơ trực tuyến” "
        "trên trang thủ tục)."
    )
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


class _Closed(Schema):
    # The document says every key it carries: a key the answer adds must be described here first.
    model_config = ConfigDict(extra="forbid")


class ProcedureMethod(_Closed):
    method: Literal["online", "direct", "postal"] = Field(
        description="Cách thức nộp: trực tuyến, trực tiếp, qua dịch vụ bưu chính"
    )
    time_amount: float | None = Field(
        description="Thời hạn giải quyết (số); null khi nguồn không nêu"
    )
    time_unit: Literal["working_days", "working_hours", "calendar_days"] | None = Field(
        description="Đơn vị thời hạn: ngày làm việc, giờ làm việc, ngày theo lịch; null khi chưa xác định"
    )
    time_text: str = Field(description="Thời hạn nguyên văn theo nguồn công bố")
    time_basis: str = Field(description="Căn cứ của thời hạn")
    cutoff: str | None = Field(
        description="Giờ chốt nhận trong ngày (HH:MM); hồ sơ nộp sau giờ này tính từ ngày làm việc tiếp theo"
    )
    fee_text: str = Field(description="Phí, lệ phí nguyên văn của cách thức này")
    description: str


class ProcedureFeeItem(_Closed):
    name: str
    amount_vnd: int | None = Field(
        description="Mức thu đầy đủ (đồng); null khi nguồn không nêu số tiền"
    )
    amount_text: str = Field(description="Mức thu nguyên văn")
    per: str = Field(description="Đơn vị tính (ví dụ: thẻ, hồ sơ)")
    methods: list[str] = Field(
        description="Cách thức nộp mà khoản này áp dụng; rỗng = mọi cách thức"
    )
    condition: str
    note: str
    valid_from: dt.date | None = Field(
        description="Áp dụng từ ngày (tính cả ngày này); null = không giới hạn"
    )
    valid_to: dt.date | None = Field(description="Áp dụng đến hết ngày; null = không giới hạn")
    rate_percent: float | None = Field(
        description="Phần trăm mức thu được thu trong thời hạn giảm (0–100)"
    )
    rate_from: dt.date | None = Field(description="Mức giảm áp dụng từ ngày (tính cả ngày này)")
    rate_to: dt.date | None = Field(description="Mức giảm áp dụng đến hết ngày")
    rate_basis: str = Field(description="Văn bản quy định mức giảm")
    in_force: bool = Field(description="Khoản đang áp dụng hôm nay (giờ Việt Nam)")
    amount_today: int | None = Field(
        description="Số tiền thu cho hồ sơ nộp hôm nay (đồng, làm tròn xuống); null khi khoản không áp dụng hôm nay hoặc nguồn không nêu số tiền"
    )


class ProcedureComponent(_Closed):
    id: int = Field(description="Mã thành phần, dùng trong files[].component khi nộp hồ sơ")
    name: str
    originals: int = Field(description="Số bản chính")
    copies: int = Field(description="Số bản sao")
    required: bool
    kind: Literal["submit", "present"] = Field(description="Nộp hay chỉ xuất trình")
    case: str = Field(description="Trường hợp phải có giấy tờ này; rỗng = mọi trường hợp")
    form_file: str = Field(description="Tên mẫu đơn, tờ khai kèm theo")
    accepts_electronic_copy: bool | None = Field(
        description="Nhận bản điện tử; null khi nguồn không nêu"
    )


class LegalBasis(_Closed):
    number: str = Field(description="Số, ký hiệu văn bản")
    date: dt.date | None = Field(description="Ngày ban hành")
    issuer: str
    title: str


class ProcedureForm(_Closed):
    name: str
    available: bool = Field(description="Cổng có tệp mẫu để tải về")
    url: str | None = Field(description="Địa chỉ tải mẫu; null khi chưa có tệp")


class ProcedureVersion(_Closed):
    number: int
    published_at: dt.datetime


class ProcedureDetail(_Closed):
    """Toàn bộ thông tin một thủ tục: bản ghi theo lược đồ nhập dữ liệu (docs/catalog-import.md) và phần
    Cổng tính thêm (mức độ, cơ quan, mã thành phần, mẫu đơn, khoản thu hôm nay, phiên bản)."""

    code: str = Field(description="Mã thủ tục trên Cổng Dịch vụ công quốc gia")
    local_code: str
    name: str
    sector: Named
    field: Named
    tiers: list[str] = Field(description="Cấp thực hiện (mã), từ cấp tỉnh xuống")
    levels_raw: str = Field(description="Cấp thực hiện nguyên văn")
    implementing_agency: str = Field(description="Cơ quan thực hiện nguyên văn")
    agencies: list[Named] = Field(description="Cơ quan tiếp nhận trên Cổng")
    competent_authority: str | None
    coordinating_agency: str | None
    level: Literal[1, 2, 3, 4] = Field(description="Mức độ dịch vụ công trực tuyến (1–4)")
    level_derived: bool = Field(
        description="Mức độ do Cổng xác định từ cách thức và mẫu đơn đã công bố (nguồn không nêu)"
    )
    level_basis: str
    online_class: Literal["toan_trinh", "mot_phan"] | None = Field(
        description="Phân loại dịch vụ công trực tuyến toàn trình / một phần"
    )
    status: Literal["published"]
    effective_from: dt.date | None
    effective_to: dt.date | None
    methods: list[ProcedureMethod]
    fee_items: list[ProcedureFeeItem]
    components: list[ProcedureComponent]
    steps: list[str]
    applicants: list[Literal["individual", "organisation"]]
    applicants_raw: str
    conditions: str | None = Field(
        description="Yêu cầu, điều kiện; null khi nguồn không có thông tin"
    )
    result: str
    result_kind: str
    legal_basis: list[LegalBasis]
    announcing_decision: str
    procedure_type: str
    source_url: str
    source_copy: str
    source_list_copy: str
    notes: list[str]
    unverified_fields: list[str] = Field(description="Trường nguồn công bố chưa xác minh được")
    forms: list[ProcedureForm]
    version: ProcedureVersion | None


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
            [
                request.get_host(),
                request.path,
                get_language(),
                params,
                timezone.localdate().isoformat(),
            ]
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
    response={200: ProcedureDetail, **problems(404)},
    summary="Toàn bộ thông tin một thủ tục",
    description=(
        "Bản ghi của thủ tục theo lược đồ nhập dữ liệu (docs/catalog-import.md), thêm phần Cổng tính: "
        "mức độ, cơ quan tiếp nhận, mã thành phần hồ sơ, mẫu đơn, phiên bản. Ngày theo ISO 8601, tiền "
        "bằng đồng. Khoản thu có `in_force: false` vẫn được nguồn công bố nhưng không còn được thu; "
        "mức thu giảm có thời hạn (ví dụ Thông tư 64/2025/TT-BTC) ở `rate_percent`, `rate_from`, "
        "`rate_to`, `rate_basis`, và `amount_today` là số tiền thu cho hồ sơ nộp hôm nay (giờ Việt Nam)."
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
