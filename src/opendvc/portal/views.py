"""Public pages of the portal and the signed-in citizen's landing page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from opendvc.catalog.selectors import agency_count, catalog_counts, page_cache_key
from opendvc.core.pagecache import anonymous_page
from opendvc.notifications.selectors import INBOX_PAGE_SIZE, messages_for_user
from opendvc.notifications.services import notifications_mark_read


def _url(name: str, fallback: str = "") -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _home_stats() -> list[dict]:
    # Counts change only when the catalog is published; a minute of staleness keeps the home page cheap.
    lang = get_language()
    seconds = settings.HOME_CACHE_SECONDS
    cached = cache.get(f"home-stats:{lang}") if seconds > 0 else None
    if cached is not None:
        return cached
    stats = _compute_home_stats()
    if seconds > 0:
        cache.set(f"home-stats:{lang}", stats, seconds)
    return stats


def _compute_home_stats() -> list[dict]:
    counts = catalog_counts()
    return [
        {"value": counts.get("procedures", 0), "label": _("thủ tục hành chính")},
        {"value": counts.get("online", 0), "label": _("dịch vụ công trực tuyến")},
        {"value": agency_count(), "label": _("cơ quan, đơn vị")},
    ]


def home(request):
    search_url = _url("catalog:list", "/")
    links = [
        {
            "url": search_url,
            "title": _("Tra cứu thủ tục hành chính"),
            "text": _("Tìm theo tên, mã, lĩnh vực hoặc cơ quan, có dấu hoặc không dấu."),
        },
        {
            "url": _url("dossiers:mine", _url("portal:account_home")),
            "title": _("Hồ sơ của tôi"),
            "text": _("Theo dõi tình trạng, bổ sung hồ sơ và nhận kết quả."),
        },
        {
            "url": _url("dossiers:lookup"),
            "title": _("Tra cứu hồ sơ"),
            "text": _("Xem tình trạng hồ sơ bằng mã hồ sơ và mã tra cứu in trên giấy tiếp nhận."),
        },
        {
            "url": _url("feedback:submit"),
            "title": _("Gửi phản ánh, kiến nghị"),
            "text": _("Câu hỏi, khiếu nại, đề xuất: trả lời trong 8 giờ làm việc (tối đa 48 giờ)."),
        },
        {
            "url": _url("feedback:qa_list"),
            "title": _("Hỏi đáp"),
            "text": _("Các câu hỏi đã được cơ quan trả lời công khai."),
        },
        {
            "url": _url("portal:about"),
            "title": _("Hỗ trợ, liên hệ"),
            "text": _("Tổng đài, email và các cổng thông tin quốc gia."),
        },
    ]
    # Visitors who are not signed in get the whole page from the cache (per catalog revision and
    # language); the counts themselves are cached a minute.
    return anonymous_page(
        request,
        key=page_cache_key("home", get_language()),
        timeout=settings.HOME_CACHE_SECONDS,
        render=lambda extra: render(
            request,
            "portal/home.html",
            {"links": links, "stats": _home_stats(), "search_url": search_url, **extra},
        ),
    )


def about(request):
    return render(request, "portal/about.html")


@login_required
def account_home(request):
    return render(
        request, "portal/account_home.html", {"inbox": messages_for_user(user=request.user)[:5]}
    )


@login_required
def inbox(request):
    """The person's messages, the newest first, a page at a time (``?trang=``; a page number that is
    not one answers the first page, one past the end the last). Those not read before are
    marked as such on the page shown, and read once it is shown (the next visit shows them as read);
    messages on other pages stay unread."""
    paginator = Paginator(messages_for_user(user=request.user), INBOX_PAGE_SIZE)
    try:
        number = int(request.GET.get("trang") or 1)
    except ValueError:
        number = 1
    page = paginator.page(min(max(number, 1), paginator.num_pages))
    shown = list(page)
    response = render(
        request,
        "portal/inbox.html",
        {
            "inbox": shown,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        },
    )
    notifications_mark_read(user=request.user, ids=[m.pk for m in shown if m.read_at is None])
    return response
