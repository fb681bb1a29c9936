"""Whole public pages for visitors who are not signed in, cached and served without rendering.

Only the CSRF token differs between two anonymous visitors of a page: the page is rendered once with
a placeholder in its place, and each response gets the visitor's own token (``get_token``, which also
sets the CSRF cookie as rendering would). A visitor with pending messages, a query string or a signed-
in session always gets a freshly rendered page. The caller's key says what the page depends on (e.g.
the catalog revision and the language).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

CSRF_PLACEHOLDER = "opendvc-csrf-placeholder-7f3c9d"


def _anonymous_and_plain(request: HttpRequest, *, query: bool) -> bool:
    if request.method != "GET" or (request.GET and not query) or request.user.is_authenticated:
        return False
    if "messages" in request.COOKIES:
        return False
    session = getattr(request, "session", None)
    return session is None or not session.session_key or "_messages" not in session


def anonymous_page(
    request: HttpRequest, *, key: str, timeout: int, render: Callable[[dict], HttpResponse], query: bool = False
) -> HttpResponse:
    """The page from the cache for a plain anonymous visit, else ``render(extra_context)``.

    ``render`` must pass ``extra_context`` into the template context (it holds the placeholder token).
    Only complete 200 answers are kept. ``query``: the page depends on its query string, which the
    caller's key then includes (else a query string means no cache).
    """
    if timeout <= 0 or not _anonymous_and_plain(request, query=query):
        return render({})
    hit = cache.get(key)
    if hit is None:
        response = render({"csrf_token": CSRF_PLACEHOLDER})
        if response.status_code != 200 or response.streaming:
            return (
                render({})
                if CSRF_PLACEHOLDER.encode() in getattr(response, "content", b"")
                else response
            )
        hit = (response.content.decode(response.charset), response["Content-Type"])
        cache.set(key, hit, timeout)
    content, content_type = hit
    return HttpResponse(
        content.replace(CSRF_PLACEHOLDER, get_token(request)), content_type=content_type
    )
