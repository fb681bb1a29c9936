"""Two ways in: the browser's session (with CSRF) or a bearer token for machine clients."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

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
                _("Quá nhiều mã truy cập sai từ địa chỉ này; vui lòng thử lại sau."),
                status=429,
            )
        found = api_token_authenticate(token)
        if found is None:
            if not ratelimit_hit(name="api_token_failures", ident=ip).allowed:
                raise ProblemError(
                    "rate_limited",
                    _("Quá nhiều mã truy cập sai từ địa chỉ này; vui lòng thử lại sau."),
                    status=429,
                )
            return None
        request.user = found.owner
        request.api_token = found
        return found.owner


CSRF_DETAIL = gettext_noop(
    "Thiếu hoặc sai mã chống giả mạo yêu cầu (CSRF) của phiên đăng nhập; "
    "hãy tải lại trang rồi thử lại, hoặc dùng mã truy cập API (Authorization: Bearer)."
)


class SessionAuth(NinjaSessionAuth):
    """The browser's session, whose writes must carry the CSRF token.

    Ninja's own session check tests CSRF before it looks for a session, so a write without a session
    (no cookie, or a wrong, expired or revoked bearer token) was refused as "CSRF check Failed" (403)
    instead of unauthenticated (401). Here the session is looked at first: no signed-in user, no
    session auth (401 once every way in has failed); a signed-in user whose write lacks the CSRF
    token gets 403 in Vietnamese. CSRF is checked as Django's CsrfViewMiddleware does it. (The class
    keeps Ninja's name, which names the security scheme in the OpenAPI document.)"""

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise ProblemError("permission_denied", _(CSRF_DETAIL), extra={"reason": "csrf"})
        return request.user


session_auth = SessionAuth()
bearer_auth = BearerToken()
# The bearer token is tried first: a token request carries no CSRF cookie and is not checked for one.
DEFAULT_AUTH = [bearer_auth, session_auth]


def require_scope(request, scope: str) -> None:
    """Session users act with their own rights; tokens only within their scopes."""
    token = getattr(request, "api_token", None)
    if token is not None and not token.has_scope(scope):
        raise ProblemError(
            "permission_denied",
            _("Mã truy cập không có phạm vi '%(scope)s'.") % {"scope": scope},
            extra={"scope": scope},
        )
