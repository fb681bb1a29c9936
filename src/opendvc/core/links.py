"""Absolute links to the portal, for mail, QR codes and survey invitations.

``PORTAL_BASE_URL`` says where the portal is reached. Production requires it (the address citizens
use, behind any proxy). In development it may be left unset: links then follow the address of the
request being served, or, outside a request (a worker, a command), the runserver default.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"
_current_request: ContextVar[HttpRequest | None] = ContextVar(
    "opendvc_current_request", default=None
)


def portal_base_url() -> str:
    """The scheme and host links start with, without a trailing slash."""
    configured = (settings.PORTAL_BASE_URL or "").rstrip("/")
    if configured:
        return configured
    request = _current_request.get()
    if request is not None:
        try:
            return request.build_absolute_uri("/").rstrip("/")
        except DisallowedHost:
            pass
    return DEVELOPMENT_BASE_URL


def absolute_url(
    path_or_name: str,
    *,
    args: list[Any] | tuple[Any, ...] | None = None,
    kwargs: dict[str, Any] | None = None,
    query: dict[str, Any] | None = None,
) -> str:
    """``absolute_url("dossiers:lookup", query={"ma": code})`` or ``absolute_url("/to-khai/")``.

    A value starting with ``/`` is a path; anything else is a URL name given to ``reverse``.
    """
    if path_or_name.startswith("/"):
        if args or kwargs:
            raise ValueError("args/kwargs apply to URL names, not to paths")
        path = path_or_name
    else:
        path = reverse(path_or_name, args=args, kwargs=kwargs)
    url = portal_base_url() + path
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)
    return url


class CurrentRequestMiddleware:
    """Keeps the request being served where :func:`portal_base_url` can read it (development only
    matters: with ``PORTAL_BASE_URL`` set the request is never consulted)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
