"""Core operations of the API: a bare reference endpoint and the caller's identity."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema, Status

from .main import api


class PingOut(Schema):
    status: str
    time: str


class MeOut(Schema):
    id: str
    email: str | None
    full_name: str
    is_staff: bool
    scopes: list[str] | None


@api.get(
    "/ping",
    response=PingOut,
    auth=None,
    tags=["Hệ thống"],
    summary="Kiểm tra API (tham chiếu hiệu năng)",
)
def ping(request):
    return {"status": "ok", "time": timezone.localtime().isoformat()}


@api.get("/me", response=MeOut, tags=["Hệ thống"], summary="Tài khoản đang gọi API")
def me(request):
    user = request.user
    token = getattr(request, "api_token", None)
    return {
        "id": str(user.public_id),
        "email": user.email,
        "full_name": user.full_name,
        "is_staff": user.is_staff,
        "scopes": token.scopes if token else None,
    }


# --- API tokens for machine clients --------------------------------------------------------------
from datetime import datetime  # noqa: E402

from django.shortcuts import get_object_or_404  # noqa: E402
from ninja import Path  # noqa: E402
from pydantic import Field  # noqa: E402

from opendvc.core.problems import ProblemError  # noqa: E402

from .models import ApiToken  # noqa: E402
from .params import MAX_ID  # noqa: E402
from .schemas import problems  # noqa: E402
from .services import api_token_issue, api_token_revoke  # noqa: E402


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str


def _session_only(request) -> None:
    # A token cannot mint or revoke tokens: only a signed-in person can.
    if getattr(request, "api_token", None) is not None:
        raise ProblemError(
            "permission_denied", _("Chỉ người dùng đăng nhập mới quản lý được mã truy cập.")
        )


@api.get("/tokens", response=list[TokenOut], tags=["Mã truy cập API"], summary="Mã truy cập API của tôi")
def tokens_list(request):
    _session_only(request)
    return list(ApiToken.objects.filter(owner=request.user).order_by("-created_at"))


@api.post(
    "/tokens",
    response={201: TokenCreatedOut, **problems(400, 422)},
    tags=["Mã truy cập API"],
    summary="Tạo mã truy cập API",
)
def tokens_create(request, payload: TokenIn):
    _session_only(request)
    token, raw = api_token_issue(
        owner=request.user,
        name=payload.name,
        scopes=payload.scopes,
        expires_at=payload.expires_at,
    )
    out = TokenOut.from_orm(token).dict()
    return Status(201, {**out, "token": raw})


@api.delete(
    "/tokens/{token_id}",
    response={204: None, **problems(404)},
    tags=["Mã truy cập API"],
    summary="Thu hồi mã truy cập API",
)
def tokens_revoke(request, token_id: int = Path(..., ge=1, le=MAX_ID)):
    _session_only(request)
    token = get_object_or_404(ApiToken, pk=token_id, owner=request.user)
    api_token_revoke(token=token, actor=request.user)
    return Status(204, None)
