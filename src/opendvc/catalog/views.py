"""Public catalog pages: list with search and filters, procedure page, agency page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from opendvc.agencies.models import Agency
from opendvc.backoffice.decorators import backoffice_required
from opendvc.core.files import stored_file_response
from opendvc.core.pagecache import anonymous_page
from opendvc.core.problems import ProblemError
from opendvc.core.quoting import vi_attribute
from opendvc.eforms.selectors import form_for_procedure

from .fees import expired, lapse_text, period_text, rate_text, rated_amount
from .models import FormFile, Procedure
from .search import max_query_length, parse_query
from .selectors import (
    FILTER_NAMES,
    Filters,
    MatchSet,
    ResultPage,
    agency_procedures,
    cache_seconds,
    facets,
    page_cache_key,
    parse_filters,
    procedure_for_page,
    procedure_offer,
    search_procedures,
)

PAGE_SIZE = 20
FILTER_LABELS = {
    "sector": gettext_lazy("Ngành"),
    "field": gettext_lazy("Lĩnh vực"),
    "tier": gettext_lazy("Cấp thực hiện"),
    "level": gettext_lazy("Mức độ"),
    "agency": gettext_lazy("Cơ quan thực hiện"),
    "method": gettext_lazy("Hình thức nộp"),
}


def _search_error(exc: ProblemError) -> str:
    """The page's words for a query or filter the search refused (the API's problem names the
    parameter by its key: "level")."""
    extra = exc.extra or {}
    if exc.code == "unknown_filter_value":
        value = str(extra.get("value", ""))
        return _(
            "Giá trị “%(value)s” của bộ lọc “%(filter)s” không hợp lệ. Hãy chọn một giá trị trong "
            "danh sách."
        ) % {
            "value": value if len(value) <= 40 else value[:40] + "…",
            "filter": FILTER_LABELS.get(extra.get("parameter"), extra.get("parameter")),
        }
    if exc.code == "query_too_long":
        return _("Từ khóa tìm kiếm dài quá %(limit)s ký tự.") % {"limit": extra.get("limit")}
    if exc.code == "too_many_terms":
        return _("Từ khóa tìm kiếm có quá %(limit)s từ.") % {"limit": extra.get("limit")}
    return exc.detail


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


def _query_string(params: dict[str, str], **changes) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return urlencode(merged)


@require_GET
def catalog_list(request):
    """The catalog page; for visitors who are not signed in, whole pages are cached per catalog
    revision, language and query string (only with the result cache on)."""
    timeout = cache_seconds()
    # The key (the catalog revision and a digest) only when pages are cached at all.
    key = (
        page_cache_key(
            "list", get_language(), request.get_full_path(), bool(request.headers.get("HX-Request"))
        )
        if timeout
        else ""
    )
    return anonymous_page(
        request,
        key=key,
        timeout=timeout,
        query=True,
        render=lambda extra: _catalog_list(request, extra),
    )


def _catalog_list(request, extra: dict):
    q = request.GET.get("q", "")
    error = page_note = ""
    status = 200
    try:
        filters = parse_filters(request.GET)
        # The search runs at most once: the page and the facet counts share its matching set.
        matches = MatchSet(parse_query(q))
        asked = _page_number(request.GET.get("page"))
        result = search_procedures(
            q=q, filters=filters, page=asked, page_size=PAGE_SIZE, matches=matches
        )
        if result.count and result.page > result.num_pages:
            # A page past the end (an old link, a page number typed): the last page, saying so.
            result = search_procedures(
                q=q, filters=filters, page=result.num_pages, page_size=PAGE_SIZE, matches=matches
            )
            page_note = _(
                "Không có trang %(asked)s: kết quả chỉ có %(last)s trang. Đây là trang cuối."
            ) % {"asked": asked, "last": result.num_pages}
        facet_values = facets(q=q, filters=filters, matches=matches)
    except ProblemError as exc:
        error, status = _search_error(exc), 400
        filters = Filters()
        q = q[: max_query_length()] if exc.code == "query_too_long" else ""
        # Nothing was searched: no count and no list (the catalog unfiltered is one link away).
        result = ResultPage(count=0, page=1, page_size=PAGE_SIZE, items=[])
        facet_values = facets(q="", filters=filters)
    params = {"q": q, **filters.values}
    pages = []
    if result.num_pages > 1:
        for n in range(max(1, result.page - 3), min(result.num_pages, result.page + 3) + 1):
            pages.append(
                {"number": n, "query": _query_string(params, page=n), "current": n == result.page}
            )
    # Names of procedures, fields and agencies stay Vietnamese on an English page (WCAG 3.1.2).
    vi_attr = vi_attribute()
    groups = [
        {
            "name": name,
            "label": FILTER_LABELS[name],
            "selected": filters.values.get(name, ""),
            "options": facet_values[name],
            "lang_attr": "" if name in ("level", "method") else vi_attr,
        }
        for name in FILTER_NAMES
    ]
    level_labels: dict[int, str] = {}
    context = {
        "q": q,
        "result": result,
        "rows": [_row(item, level_labels) for item in result.items],
        "vi_attr": vi_attr,
        "groups": groups,
        "error": error,
        "page_note": page_note,
        "pages": pages,
        "params": params,
        "max_length": max_query_length(),
        "prev_query": _query_string(params, page=result.page - 1) if result.page > 1 else "",
        "next_query": _query_string(params, page=result.page + 1)
        if result.page < result.num_pages
        else "",
        "clear_query": _query_string({"q": q}),
        "active_filters": [
            {
                "label": FILTER_LABELS[n],
                "value": _label_for(facet_values[n], v),
                "remove_query": _query_string(params, **{n: ""}),
            }
            for n, v in filters.values.items()
        ],
    }
    context.update(extra)
    if request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers; the error summary inside the results still says what is wrong.
        return render(request, "catalog/_results_swap.html", context)
    return render(request, "catalog/list.html", context, status=status)


def _row(item: dict, level_labels: dict[int, str]) -> dict:
    """What one result shows, worded once here rather than in the template's loop (``level_labels``:
    the page's labels of each level, worded once per page)."""
    agencies = item["agencies"]
    more = len(agencies) - 2
    level = item["level"]
    if level not in level_labels:
        level_labels[level] = _("Mức độ %(level)s") % {"level": level}
    return {
        **item,
        "level_label": level_labels[level],
        # Filed online on the portal now: the procedure page offers "Nộp hồ sơ trực tuyến".
        "online": item["files_online"],
        "agency_names": [a["name"] for a in agencies[:2]],
        "agencies_more": (
            " "
            + ngettext("và %(counter)s cơ quan khác", "và %(counter)s cơ quan khác", more)
            % {"counter": more}
            if more > 0
            else ""
        ),
    }


def _label_for(options: list[dict], value: str) -> str:
    for option in options:
        if option["value"] == value:
            return option["label"]
    return value


def _eform_for(procedure: Procedure):
    """The interactive e-form of the procedure, when one is published (Art. 2.8)."""
    return form_for_procedure(procedure=procedure)


def _copies_text(component) -> str:
    """"2 bản chính, 1 bản sao": how many originals and copies of a component to bring."""
    parts = []
    if component.originals:
        n = component.originals
        parts.append(ngettext("%(counter)s bản chính", "%(counter)s bản chính", n) % {"counter": n})
    if component.copies:
        n = component.copies
        parts.append(ngettext("%(counter)s bản sao", "%(counter)s bản sao", n) % {"counter": n})
    return ", ".join(parts)


def _fee_methods_text(methods: list[str]) -> str:
    """The ways of filing a fee line applies to, in words ("trực tuyến, bưu chính")."""
    words = {"online": _("trực tuyến"), "direct": _("trực tiếp")}
    return ", ".join(str(words.get(m, _("bưu chính"))) for m in methods)


def _detail_context(request, procedure: Procedure, *, preview: bool = False) -> dict:
    # The rows' words are made here, once per row, rather than by translate tags in the template's
    # loops (the page's largest cost with caches off).
    components: list[dict] = []
    current_case = None
    for c in procedure.components.all():
        if c.case != current_case or not components:
            components.append({"case": c.case, "items": []})
            current_case = c.case
        c.copies_text = _copies_text(c)
        components[-1]["items"].append(c)
    # An item whose period has ended stays visible, since the source still publishes it, but apart and
    # marked as no longer charged.
    today = timezone.localdate()
    fees, lapsed_fees = [], []
    for f in procedure.fee_items.all():
        f.methods_text = _fee_methods_text(f.methods or [])
        f.period_text = period_text(f)
        f.lapse_text = lapse_text(f, today)
        # Inside a reduced-rate period the amount charged today is shown, the rate and the full amount
        # beside it; before the period, the full amount with the reduction to come.
        f.amount_today = rated_amount(f, today)
        f.rate_text = rate_text(f, today)
        (lapsed_fees if expired(f, today) else fees).append(f)
    forms_by_name = {f.name: f for f in procedure.forms.all()}
    # The agencies that receive its dossiers (``dossiers.selectors.receiving_agencies``: the active
    # agencies named on it); read from the prefetched list.
    receiving = [a for a in procedure.agencies.all() if a.is_active]
    return {
        # The methods' fee lines refer to the fee table when there is one.
        "has_fee_table": bool(fees or lapsed_fees),
        "fees": fees,
        "lapsed_fees": lapsed_fees,
        "procedure": procedure,
        "eform": _eform_for(procedure),
        "component_groups": components,
        "forms_by_name": forms_by_name,
        "unverified": set(procedure.unverified_fields or []),
        "preview": preview,
        "can_submit_online": procedure.level >= Procedure.Level.ONLINE
        and procedure.status == Procedure.Status.PUBLISHED
        and bool(receiving),
        # Online filing offered by the level, but no agency takes the dossier on the portal.
        "no_receiving_agency": procedure.level >= Procedure.Level.ONLINE and not receiving,
        "offer": procedure_offer(procedure=procedure),
    }


def _detail_page(request, procedure: Procedure, *, preview: bool = False) -> dict:
    """What ``catalog/detail.html`` shows: the rendered body and the names for the page's head."""
    content = render_to_string(
        "catalog/_detail_content.html",
        _detail_context(request, procedure, preview=preview),
        request=request,
    )
    return {"content": mark_safe(content), "page_name": procedure.name, "page_code": procedure.code}  # noqa: S308


@require_GET
def procedure_detail(request, code: str):
    """The public page of a procedure. Its body is the same for every visitor of one language, except
    the online-filing link (signed in or not): it is cached per catalog revision (a publish makes the
    old entries unreachable), language, date (procedures enter and leave effect by date) and
    signed-in state. For a signed-in person the header (name, CSRF token) is rendered each time; for
    a visitor the whole page is cached (``core.pagecache``), with the visitor's own CSRF token."""
    key = page_cache_key(
        "procedure",
        code,
        get_language(),
        request.user.is_authenticated,
        timezone.localdate().isoformat(),
    )

    def body() -> dict:
        page = cache.get(key) if cache_seconds() else None
        if page is None:
            procedure = procedure_for_page(code)
            if procedure is None:
                raise Http404(_("Không tìm thấy thủ tục này trong danh mục đang áp dụng."))
            page = _detail_page(request, procedure)
            page["content"] = str(page["content"])
            if cache_seconds():
                cache.set(key, page, cache_seconds())
        return page

    def render_page(extra: dict):
        page = body()
        content = mark_safe(page["content"])  # noqa: S308 - rendered by our own template
        return render(request, "catalog/detail.html", {**page, "content": content, **extra})

    # Not signed in: the whole page, header included, from the cache (only the CSRF token differs).
    return anonymous_page(request, key=f"{key}:whole", timeout=cache_seconds(), render=render_page)


@backoffice_required()
@require_GET
def preview(request, code: str):
    """The public page of a procedure as it would look now, whatever its status (back office)."""
    procedure = procedure_for_page(code, public_only=False)
    if procedure is None:
        raise Http404(_("Không tìm thấy thủ tục."))
    return render(request, "catalog/detail.html", _detail_page(request, procedure, preview=True))


@login_required
@require_GET
def submit_online(request, code: str):
    """Where online filing starts: the dossier filing page of the procedure."""
    procedure = procedure_for_page(code)
    if procedure is None:
        raise Http404(_("Không tìm thấy thủ tục này trong danh mục đang áp dụng."))
    # The filing page itself says what a procedure below level 3 offers instead.
    return redirect("dossiers:start", code=procedure.code)


@require_GET
def form_download(request, code: str, form_id: int):
    form = get_object_or_404(
        FormFile.objects.select_related("procedure"),
        pk=form_id,
        procedure__code=code,
        procedure__status=Procedure.Status.PUBLISHED,
    )
    if not form.file:
        return render(
            request,
            "catalog/form_missing.html",
            {"form": form, "procedure": form.procedure},
            status=404,
        )
    return stored_file_response(request, form.file, filename=form.file.name.rsplit("/", 1)[-1])


@require_GET
def agency_detail(request, code: str):
    agency = get_object_or_404(
        Agency.objects.select_related("tier", "parent"), code=code, is_active=True
    )
    procedures = list(agency_procedures(agency))
    return render(request, "catalog/agency.html", {"agency": agency, "procedures": procedures})
