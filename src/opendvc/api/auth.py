"""Two ways in: the browser's session (with CSRF) or a bearer token for machine clients."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from opendvc.core.problems import ProblemError

from .services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        found = api_token_authenticate(token)
        if found is None:
            return None
        request.user = found.owner
        request.api_token = found
        return found.owner


session_auth = SessionAuth()
bearer_auth = BearerToken()
# The bearer token is tried first: a token request carries no CSRF cookie, and the session check
# would refuse it before the token is looked at.
DEFAULT_AUTH = [bearer_auth, session_auth]


def require_scope(request, scope: str) -> None:
    """Session users act with their own rights; tokens only within their scopes."""
    token = getattr(request, "api_token", None)
    if token is not None and not token.has_scope(scope):
        raise ProblemError("permission_denied", f"Mã truy cập không có phạm vi '{scope}'.", extra={"scope": scope})
