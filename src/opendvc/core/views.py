"""Health check and the error pages (Vietnamese HTML, problem+json under /api/)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from opendvc.celery import app

from .middleware import error_response as _error
from .middleware import payload_too_large, unreadable_body_detail, wants_problem_json
from .problems import problem_response

logger = logging.getLogger(__name__)


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, connection.vendor
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return False, type(exc).__name__


def _check_cache() -> tuple[bool, str]:
    try:
        cache.set("healthz", "1", 5)
        return cache.get("healthz") == "1", cache.__class__.__name__
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__


def _check_broker() -> tuple[bool, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "eager"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, conn.transport_cls if isinstance(conn.transport_cls, str) else "broker"
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__


@never_cache
def healthz(request):
    """Readiness: 200 when the database, the cache and the broker answer, else 503 with the one that
    does not. ``?probe=live`` is liveness: the process answers requests, whatever its dependencies do
    (a database outage must take the pods out of the load balancer, not restart all of them)."""
    if request.GET.get("probe") == "live":
        return JsonResponse({"status": "ok", "checks": {}})
    checks = {}
    ok = True
    for name, check in (
        ("database", _check_database),
        ("cache", _check_cache),
        ("broker", _check_broker),
    ):
        up, info = check()
        checks[name] = {"ok": up, "info": info}
        ok = ok and up
    return JsonResponse(
        {"status": "ok" if ok else "degraded", "checks": checks}, status=200 if ok else 503
    )


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return payload_too_large(request)
    return _error(
        request, 400, "bad_request", _("Yêu cầu không hợp lệ"), unreadable_body_detail(exception)
    )


def permission_denied(request, exception=None):
    return _error(
        request,
        403,
        "permission_denied",
        _("Không có quyền truy cập"),
        _(
            "Bạn không có quyền xem trang này. Nếu cho rằng đây là nhầm lẫn, vui lòng liên hệ đường dây nóng."
        ),
    )


def page_not_found(request, exception=None):
    return _error(
        request,
        404,
        "not_found",
        _("Không tìm thấy trang"),
        _(
            "Trang bạn tìm không tồn tại hoặc đã được chuyển đi. Hãy kiểm tra lại địa chỉ hoặc quay về trang chủ."
        ),
    )


def server_error(request):
    if wants_problem_json(request):
        return problem_response(
            "server_error", _("Đã có lỗi hệ thống; vui lòng thử lại sau."), instance=request.path
        )
    # Rendered without the request context: the failure may come from it.

    template = loader.get_template("errors/500.html")
    return HttpResponseServerError(
        template.render(
            {"PORTAL_NAME": settings.PORTAL_NAME, "PORTAL_HOTLINE": settings.PORTAL_HOTLINE}
        )
    )
