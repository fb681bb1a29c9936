"""One-time page tokens: a form that creates something (the first save of a dossier, of an e-form
draft, a submission) carries a random token, and what it created is recorded with the token, so the
same form sent twice (a double click, a resent request, the page reopened with the Back button) finds
the first result instead of creating a second."""

from __future__ import annotations

import secrets
from typing import Any

PAGE_TOKEN_MAX = 64


def page_token_new() -> str:
    return secrets.token_urlsafe(16)


def page_token_clean(token: Any) -> str:
    """The token a form carried, or "" when there is none or it is not one the portal makes (too short
    or too long, other characters): such a POST is simply not protected against being sent twice."""
    if not isinstance(token, str) or not 16 <= len(token) <= PAGE_TOKEN_MAX:
        return ""
    return token if all(c.isascii() and (c.isalnum() or c in "-_") for c in token) else ""


def page_token_for(request) -> str:
    """The token a form page carries: the one it was sent with when it is shown again after a refused
    save, else a new one."""
    return page_token_clean(request.POST.get("token")) or page_token_new()
