"""Two ways in: the browser's session (with CSRF) or a bearer token for machine clients."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import client_ip, ratelimit_hit

from .services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        # Token guessing: past the limit of failures, every bearer request from that address is refused
        # until the window ends, whether its token is right or not.
        ip = client_ip(request)
        if not ratelimit_hit(name="api_token_failures", ident=ip, increment=False).allowed:
            raise ProblemError(
                "rate_limited",
                "Quá nhiều mã truy cập sai từ địa chỉ này; vui lòng thử lại sau.",
                status=429,
            )
        found = api_token_authenticate(token)
        if found is None:
            if not ratelimit_hit(name="api_token_failures", ident=ip).allowed:
                raise ProblemError(
                    "rate_limited",
                    "Quá nhiều mã truy cập sai từ địa chỉ này; vui lòng thử lại sau.",
                    status=429,
                )
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
        raise ProblemError(
            "permission_denied", f"Mã truy cập không có phạm vi '{scope}'.", extra={"scope": scope}
        )
