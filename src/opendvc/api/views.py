"""Core operations of the API: a bare reference endpoint and the caller's identity."""

from __future__ import annotations

from django.utils import timezone
from ninja import Schema

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


@api.get("/ping", response=PingOut, auth=None, tags=["core"], summary="Kiểm tra API (tham chiếu hiệu năng)")
def ping(request):
    return {"status": "ok", "time": timezone.localtime().isoformat()}


@api.get("/me", response=MeOut, tags=["core"], summary="Tài khoản đang gọi API")
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
