"""Issue, authenticate and revoke API tokens. The raw token is shown once and never stored."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.agencies.selectors import has_active_roles, known_without_roles, role_names
from opendvc.audit.services import audit_record
from opendvc.core.prepared import PreparedRead
from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import ratelimit_hit
from opendvc.core.uploads import _strip_invisible

from .models import TOKEN_PREFIX, ApiToken, hash_token

KNOWN_SCOPES = {
    "*": gettext_lazy("Toàn quyền của chủ sở hữu"),
    "read": gettext_lazy("Đọc dữ liệu"),
    "accounts:write": gettext_lazy("Cập nhật hồ sơ tài khoản"),
    "dossiers:write": gettext_lazy("Nộp và cập nhật hồ sơ"),
    "feedback:write": gettext_lazy("Gửi phản ánh, kiến nghị"),
    "integrations": gettext_lazy("Trao đổi với hệ thống một cửa và Cổng DVC quốc gia"),
}
# Scopes for the machine accounts of the agencies (the mail gateway, the one-stop software): only a
# person who holds a staff role, or an administrator of the system, puts them on a token. The
# endpoints behind them check the role too.
STAFF_SCOPES = frozenset({"integrations"})


def scopes_for(owner) -> dict[str, str]:
    """The scopes ``owner`` may put on a token, with their labels."""
    if owner.is_superuser or role_names(owner):
        return dict(KNOWN_SCOPES)
    return {scope: label for scope, label in KNOWN_SCOPES.items() if scope not in STAFF_SCOPES}


def api_token_create(
    *, owner, name: str, scopes: list[str], expires_at: datetime | None = None, actor=None
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw secret (to show once). Audited."""
    unknown = sorted(set(scopes) - set(KNOWN_SCOPES))
    if unknown:
        raise ValueError(f"Phạm vi không hợp lệ: {', '.join(unknown)}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            owner=owner,
            prefix=raw[:12],
            token_hash=hash_token(raw),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
        )
        audit_record(
            actor=actor or owner,
            action="api_token.create",
            target=token,
            changes={"name": name, "scopes": token.scopes},
        )
    return token, raw


# A token lives at most this long: a machine client renews its token, and a longer expiry (up to year
# 9999 in some zones, beyond what the database's readers can hold) is a typing slip.
MAX_TOKEN_YEARS = 5
MAX_TOKEN_LIFETIME = timedelta(days=365 * MAX_TOKEN_YEARS + 1)


def api_token_issue(
    *, owner, name: str, scopes: list[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A token a signed-in person asks for (the API and the account page): within the person's
    creation limit (``rate_limited``, 429), with known scopes the person may hold (``invalid_scope``,
    400, listing the allowed ones: ``scopes_for``; ``errors`` names ``scopes``) and an expiry the
    rules accept (``api_token_expiry_check``). Returns it with the raw secret, to show once."""
    if not ratelimit_hit(name="api_token_create", ident=f"user:{owner.pk}").allowed:
        raise ProblemError(
            "rate_limited",
            _("Bạn tạo quá nhiều mã truy cập trong thời gian ngắn; vui lòng thử lại sau."),
            status=429,
        )
    # Shown in the owner's list of tokens: without control and invisible formatting characters (a
    # right-to-left override showed the name, and what follows it, reversed).
    name = " ".join(_strip_invisible(" ".join((name or "").split())).split())
    if not name:
        message = _("Hãy đặt tên cho mã truy cập.")
        raise ProblemError("validation_error", message, extra={"errors": [{"path": "name", "message": message}]})
    allowed = scopes_for(owner)
    unknown = sorted(set(scopes) - set(KNOWN_SCOPES))
    refused = sorted(set(scopes) - set(allowed))
    if unknown or refused:
        message = (
            _("Phạm vi không hợp lệ: %(scopes)s.") % {"scopes": ", ".join(unknown)}
            if unknown
            else _("Phạm vi %(scopes)s chỉ dành cho tài khoản cán bộ của cơ quan (kết nối hệ thống).")
            % {"scopes": ", ".join(refused)}
        )
        raise ProblemError(
            "invalid_scope",
            message,
            status=400,
            extra={"allowed": sorted(allowed), "errors": [{"path": "scopes", "message": message}]},
        )
    api_token_expiry_check(expires_at)
    return api_token_create(
        owner=owner, name=name, scopes=scopes, expires_at=expires_at, actor=owner
    )


def api_token_expiry_check(expires_at: datetime | None, *, now: datetime | None = None) -> None:
    """Refuse an expiry that is not a time in the next ``MAX_TOKEN_YEARS`` years with its offset:
    ``invalid_expiry`` (400) for a past one, ``validation_error`` (422) for one without an offset or
    too far ahead; both name ``expires_at`` in ``errors``."""
    if expires_at is None:
        return
    if timezone.is_naive(expires_at):
        message = _("Thời điểm hết hạn phải kèm múi giờ, ví dụ 2030-01-01T00:00:00+07:00.")
    else:
        now = now or timezone.now()
        if expires_at <= now:
            message = _("Thời điểm hết hạn phải ở tương lai.")
            raise ProblemError(
                "invalid_expiry",
                message,
                status=400,
                extra={"errors": [{"path": "expires_at", "message": message}]},
            )
        if expires_at - now <= MAX_TOKEN_LIFETIME:
            return
        message = _("Thời điểm hết hạn không được quá %(n)s năm kể từ nay.") % {"n": MAX_TOKEN_YEARS}
    raise ProblemError(
        "validation_error",
        message,
        extra={"errors": [{"path": "expires_at", "message": message}]},
    )


LAST_USE_PRECISION = timedelta(minutes=1)

# Every API call reads its token: the statement is built once (``core.prepared``).
_USABLE_TOKEN = PreparedRead(
    lambda token_hash, now: (
        ApiToken.objects.usable(now=now)
        .select_related("owner")
        .annotate(owner_has_roles=has_active_roles(OuterRef("owner")))
        .filter(token_hash=token_hash)
        .order_by("pk")[:1]
    ),
    "token-hash",
    datetime(2000, 1, 1, tzinfo=UTC),
)


def api_token_authenticate(raw: str) -> ApiToken | None:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = _USABLE_TOKEN.first(hash_token(raw), now)
    if token is None or not token.owner.is_active:
        return None
    if not token.owner_has_roles:
        # Most tokens are citizens': their (staff) roles are known to be none without another query.
        known_without_roles(token.owner)
    # The last use is shown to the owner to the minute: writing it on every request would cost a
    # statement (and a row lock) per API call.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: ApiToken, actor) -> None:
    """Revoke a token once: a token already revoked (a repeated or concurrent request) is
    ``not_found`` (404) and is not audited again. The conditional UPDATE decides which request
    revokes it (the database serialises the two writes on the row)."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not revoked:
            raise ProblemError("not_found", _("Mã truy cập này đã bị thu hồi trước đó."), status=404)
        audit_record(actor=actor, action="api_token.revoke", target=token, changes={})
