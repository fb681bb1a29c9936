"""Prometheus metrics at ``/metrics``: request latency per route, responses and errors, login
failures, and gauges computed at scrape time with cheap, indexed queries (notification backlog,
open and overdue dossiers, open incidents).

Several gunicorn workers: start them with ``PROMETHEUS_MULTIPROC_DIR`` pointing at an empty folder;
each worker then writes its counters there and a scrape adds them up (``deploy/gunicorn.conf.py``
marks dead workers). The endpoint wants ``Authorization: Bearer <METRICS_TOKEN>``; with no token
configured it refuses every request unless ``METRICS_AUTH_DISABLED`` is set."""

from __future__ import annotations

import hmac
import os
import time

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from opendvc.dossiers.lifecycle import OPEN_STATES
from opendvc.dossiers.models import Dossier
from opendvc.integrations.models import Delivery
from opendvc.notifications.models import Notification

from .models import Incident

# Multiprocess mode writes every counter to a file of PROMETHEUS_MULTIPROC_DIR from the moment it is
# created below, in every process that loads the portal (gunicorn's master before the fork, Celery,
# management commands). The image points it at a folder of /tmp, an empty volume in a pod: make it
# here, or no process can start ("No such file or directory: …/counter_1.db"). gunicorn empties it
# when its master starts (deploy/gunicorn.conf.py).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUEST_LATENCY = Histogram(
    "opendvc_request_duration_seconds",
    "Time to answer a request, by route name.",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RESPONSES = Counter(
    "opendvc_responses_total", "Responses by route and status class.", ["route", "status"]
)
ERRORS = Counter(
    "opendvc_request_errors_total", "Server errors (5xx or an exception) by route.", ["route"]
)
LOGIN_FAILURES = Counter("opendvc_login_failures_total", "Failed sign-in attempts.")


def route_name(request) -> str:
    """The URL pattern's name (``dossiers:detail``), never the raw path: bounded label values."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class MetricsMiddleware:
    """Times every request and counts its outcome under the route name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except Exception:
            ERRORS.labels(route_name(request)).inc()
            raise
        route = route_name(request)
        if route != "ops:metrics":
            REQUEST_LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
            RESPONSES.labels(route, f"{response.status_code // 100}xx").inc()
            if response.status_code >= 500:
                ERRORS.labels(route).inc()
        return response


def login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    """``user_login_failed`` receiver (no credential is read: only the count matters)."""
    LOGIN_FAILURES.inc()


class BacklogCollector:
    """Gauges computed when Prometheus scrapes (each a count on an indexed column)."""

    def collect(self):
        now = timezone.now()
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        backlog = GaugeMetricFamily(
            "opendvc_notification_backlog", "Emails not yet sent, by status.", labels=["status"]
        )
        for status in (Notification.Status.QUEUED, Notification.Status.FAILED):
            backlog.add_metric(
                [status], Notification.objects.filter(status=status, channel="email").count()
            )
        yield backlog
        outbox = GaugeMetricFamily(
            "opendvc_outbox_deliveries",
            "Messages to peers not yet delivered (pending, delivering, failed, dead), by destination.",
            labels=["destination", "status"],
        )
        for destination, status, n in (
            Delivery.objects.exclude(status=Delivery.Status.DELIVERED)
            .values_list("destination", "status")
            .annotate(n=Count("id"))
            .order_by()
        ):
            outbox.add_metric([destination, status], n)
        yield outbox
        open_states = sorted(OPEN_STATES)
        yield GaugeMetricFamily(
            "opendvc_dossiers_open",
            "Dossiers received and not yet returned.",
            value=Dossier.objects.filter(status__in=open_states).count(),
        )
        yield GaugeMetricFamily(
            "opendvc_dossiers_overdue",
            "Open dossiers past their due date.",
            value=Dossier.objects.filter(status__in=open_states, due_at__lt=now).count(),
        )
        yield GaugeMetricFamily(
            "opendvc_dossiers_received_today",
            "Dossiers received since midnight (Vietnam).",
            value=Dossier.objects.filter(received_at__gte=midnight).count(),
        )
        yield GaugeMetricFamily(
            "opendvc_incidents_open",
            "Incidents not yet resolved.",
            value=Incident.objects.filter(resolved_at__isnull=True).count(),
        )


def counters_registry() -> CollectorRegistry:
    """This process's counters, or every worker's added up in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _exposition() -> bytes:
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(BacklogCollector())
    return generate_latest(counters_registry()) + generate_latest(gauges)


def _authorised(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return bool(settings.METRICS_AUTH_DISABLED)
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@never_cache
def metrics_view(request):
    if not _authorised(request):
        response = HttpResponse(
            "Unauthorized\n", status=401, content_type="text/plain; charset=utf-8"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)
