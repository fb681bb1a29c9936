"""Benchmark of the catalog search API against the bare /api/v1/ping view.

Setup: a database with the 78 real procedures plus 6,000 synthetic ones (``generate_load_data``).
Without ``DATABASE_URL`` a fresh temporary SQLite file is used; with ``DATABASE_URL`` (PostgreSQL)
that database is migrated and filled once (synthetic rows are only added if fewer than 6,000 exist).

Server: Django's threaded WSGI server (``django.core.servers.basehttp.ThreadedWSGIServer``, the one
behind runserver, without autoreload and request logging) in a child process, DEBUG off.
Load generator: a pool of client threads in this process, one ``http.client`` request per
keep-alive connection per client (as browsers and reverse proxies do), the same generator for
both endpoints in the same run.

Figures:
* p95 latency of realistic search queries with one client (target ≤ 20 ms),
* throughput of the search API with ``CONCURRENCY`` clients as a share of the throughput of
  /api/v1/ping measured the same way, in alternating one-second rounds (median ratio; target ≥ 60 %).

Run: ``.venv/bin/python bench/bench_catalog.py``. ``run()`` returns (metric, measured, target) rows.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = 6000
CONCURRENCY = 4
SEQUENTIAL_REQUESTS = 400
THROUGHPUT_SECONDS = 6.0
ROUNDS = 6

QUERIES = [
    {"q": "dang ky khai sinh"}, {"q": "đăng ký kết hôn"}, {"q": "khai tu"}, {"q": "ly lich tu phap"},
    {"q": "chung thuc ban sao"}, {"q": "ho kinh doanh"}, {"q": "giay phep xay dung"}, {"q": "tam tru"},
    {"q": "can cuoc"}, {"q": "trich luc ho tich"}, {"q": "1.001193"}, {"q": "dat dai"},
    {"q": "thuong tru", "tier": "xa"}, {"q": "doanh nghiep", "method": "online"},
    {"q": "nuoi con nuoi"}, {"q": "giay phep lai xe"}, {"q": "", "field": "ho-tich"}, {"q": "dang ky", "level": "3"},
]


def _setup() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    os.environ["DEBUG"] = "false"
    if not os.environ.get("DATABASE_URL"):
        tmp = Path(tempfile.mkdtemp(prefix="opendvc-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.catalog.models import Procedure

    agencies_demo.seed()
    catalog_demo.seed()
    missing = SYNTHETIC - Procedure.objects.filter(is_synthetic=True).count()
    if missing > 0:
        with open(os.devnull, "w") as devnull:
            call_command("generate_load_data", count=missing, force=True, no_progress=True, stdout=devnull)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_procedure")
    engine = connection.vendor
    connection.close()
    return engine


def _serve(port_queue, cache_seconds: int | None) -> None:
    from django.conf import settings
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    if cache_seconds is not None:
        settings.CATALOG_CACHE_SECONDS = cache_seconds

    class QuietHandler(WSGIRequestHandler):
        disable_nagle_algorithm = True  # headers and body are separate writes; avoid 40 ms ACK stalls

        def log_message(self, *args) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
    server.set_app(get_wsgi_application())
    port_queue.put(server.server_address[1])
    server.serve_forever()


class Client:
    """One keep-alive HTTP/1.1 connection, reopened if the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[float, int]:
        t0 = time.perf_counter()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.connect()
                self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.conn.request("GET", path, headers={"Accept": "application/json"})
                response = self.conn.getresponse()
                response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return time.perf_counter() - t0, response.status


def _paths(kind: str) -> list[str]:
    if kind == "ping":
        return ["/api/v1/ping"]
    return [f"/api/v1/procedures?{urlencode(q)}" for q in QUERIES]


def _sequential(port: int, kind: str, n: int) -> list[float]:
    paths = _paths(kind)
    latencies = []
    client = Client(port)
    for i in range(n):
        elapsed, status = client.get(paths[i % len(paths)])
        if status != 200:
            raise RuntimeError(f"{paths[i % len(paths)]} answered {status}")
        latencies.append(elapsed)
    return latencies


def _throughput(port: int, kind: str, seconds: float, clients: int) -> tuple[float, list[float]]:
    paths = _paths(kind)
    stop = time.perf_counter() + seconds
    counts = [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []

    def worker(idx: int) -> None:
        i = idx
        client = Client(port)
        while time.perf_counter() < stop:
            elapsed, status = client.get(paths[i % len(paths)])
            if status != 200:
                errors.append(f"{paths[i % len(paths)]}: {status}")
                return
            counts[idx] += 1
            latencies[idx].append(elapsed)
            i += clients

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(errors[0])
    return sum(counts) / (time.perf_counter() - t0), [x for lat in latencies for x in lat]


def _p(values: list[float], pct: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1] * 1000


def _measure(cache_seconds: int | None) -> dict[str, float]:
    ctx = multiprocessing.get_context("fork")
    ports = ctx.Queue()
    server = ctx.Process(target=_serve, args=(ports, cache_seconds), daemon=True)
    server.start()
    try:
        port = ports.get(timeout=30)
        for kind in ("ping", "search"):
            _sequential(port, kind, 60)  # warm-up
        search_lat = _sequential(port, "search", SEQUENTIAL_REQUESTS)
        ping_lat = _sequential(port, "ping", SEQUENTIAL_REQUESTS)
        # Alternate short windows of each so that load from elsewhere on the machine hits both alike.
        ping_runs, search_runs, search_loaded = [], [], []
        for _ in range(ROUNDS):
            ping_runs.append(_throughput(port, "ping", THROUGHPUT_SECONDS / ROUNDS, CONCURRENCY)[0])
            rps, latencies = _throughput(port, "search", THROUGHPUT_SECONDS / ROUNDS, CONCURRENCY)
            search_runs.append(rps)
            search_loaded += latencies
        ratios = sorted(s / p for s, p in zip(search_runs, ping_runs, strict=True))
        ping_rps, search_rps = statistics.median(ping_runs), statistics.median(search_runs)
    finally:
        server.terminate()
        server.join(5)
    return {
        "p50": _p(search_lat, 50), "p95": _p(search_lat, 95), "ping_p95": _p(ping_lat, 95),
        "p95_loaded": _p(search_loaded, 95), "ping_rps": ping_rps, "search_rps": search_rps,
        "ratio": statistics.median(ratios) * 100,
    }


def run() -> list[tuple[str, str, str]]:
    engine = _setup()
    rows = []
    # Production behaviour: results cached per catalog revision (18 distinct realistic queries).
    # Then the same run with the result cache off, so every request runs the search in the database.
    for mode, cache_seconds in (("cached", None), ("uncached", 0)):
        m = _measure(cache_seconds)
        label = (f"[{engine}, {SYNTHETIC + 78} procedures, {mode}, threaded WSGI server, "
                 f"keep-alive http.client load generator]")
        rows += [
            (f"search API p50 latency, 1 client {label}", f"{m['p50']:.1f} ms", "—"),
            (f"search API p95 latency, 1 client {label}", f"{m['p95']:.1f} ms", "≤ 20 ms"),
            (f"ping p95 latency, 1 client {label}", f"{m['ping_p95']:.1f} ms", "—"),
            (f"search API p95 latency, {CONCURRENCY} clients {label}", f"{m['p95_loaded']:.1f} ms", "—"),
            (f"ping throughput, {CONCURRENCY} clients {label}", f"{m['ping_rps']:.0f} req/s", "—"),
            (f"search API throughput, {CONCURRENCY} clients {label}", f"{m['search_rps']:.0f} req/s", "—"),
            (f"search / ping throughput (median of {ROUNDS} alternating rounds) {label}", f"{m['ratio']:.0f} %",
             "≥ 60 %"),
        ]
    return rows


if __name__ == "__main__":
    for metric, value, target in run():
        print(f"{metric}: {value} (target {target})")
