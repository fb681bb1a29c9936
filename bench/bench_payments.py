"""Benchmark of the gateway's IPN handler over HTTP (``/thanh-toan/vnpay/ipn/``).

Setup: PostgreSQL (``DATABASE_URL``; default postgres://postgres@127.0.0.1:5432/opendvc_bench_payments,
created when missing) and Redis as the Celery broker and cache (``REDIS_URL``; default
redis://127.0.0.1:6379/12); a synthetic level-4 procedure, ``ORDERS`` dossiers waiting for their fees
and one VNPay attempt each (made in this process with the documents' PDF engine stubbed: the set-up is
not measured). The portal runs under gunicorn (2 sync workers, ``bench/harness.serve``) with the
broker configured, as in production: the receipt's PDF is queued, not made in the request. A pool of
``CLIENTS`` keep-alive HTTP clients sends signed IPNs the way the gateway does; every response carries
``X-SQL-Count`` (``SQL_COUNT_HEADER``), the statements the request ran.

Phases (each IPN a real HTTP request answered with ``{RspCode, Message}``):

1. first confirmations: one success IPN per attempt, all at once, each about a different pending
   attempt (each moves its dossier: the ``pay`` action, the receipt's number, the notice, two audit
   entries);
2. repeats: ``REPEATS`` more success IPNs per attempt, shuffled (the gateway's retries, duplicates
   racing each other) — answered ``02`` without any change;
3. forged: IPNs with a wrong signature (``97``);
4. reference: the bare JSON view ``/api/v1/ping`` with the same clients.

Checked afterwards: every dossier has exactly one ``pay`` event (0 double transitions), one receipt
row, one e-mail; then the queued receipts are issued here (what a Celery worker does: PDF, dossier
document, the payer's store) and every dossier has exactly one receipt document. The broker's queue is
emptied at the end.

Run (one command, on a quiet machine): ``make bench-payments`` — the same as
``.venv/bin/python bench/bench_payments.py --write``, which rewrites the section "Payment gateway IPN"
of docs/performance.md. ``BENCH_PAYMENT_ORDERS`` (default 300), ``BENCH_PAYMENT_REPEATS`` (5),
``BENCH_CLIENTS`` (16) change the sizes.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The bench folder (put first when this file is run as a script) goes last: the libraries come first,
# and ``harness`` is still found.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.append(str(ROOT / "bench"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opendvc_bench_payments"
ORDERS = int(os.environ.get("BENCH_PAYMENT_ORDERS", "300"))
REPEATS = int(os.environ.get("BENCH_PAYMENT_REPEATS", "5"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
SECRET = "bench-vnpay-secret"
MEDIA = tempfile.mkdtemp(prefix="opendvc-bench-payments-")
SETTINGS = {
    "VNPAY_URL": "http://127.0.0.1:9",
    "VNPAY_TMN_CODE": "BENCH001",
    "VNPAY_HASH_SECRET": SECRET,
    "STORAGE_MEDIA_ROOT": MEDIA,
    "OPENDVC_VAR_DIR": MEDIA,
    "REDIS_URL": REDIS,
    "CACHE_KEY_PREFIX": "bench-payments",
    "CELERY_BROKER_URL": REDIS,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "SQL_COUNT_HEADER": "true",
    "LOG_LEVEL": "WARNING",
    "GUNICORN_TIMEOUT": "120",
    # Steady state: no worker recycled in the middle of a phase, and no background import of the PDF
    # engine (``core.warmup``) competing with the first phase — the IPN renders no PDF.
    "GUNICORN_MAX_REQUESTS": "1000000",
    "OPENDVC_WARM_UP": "false",
}
# First confirmations sent before the measured ones (their own dossiers), so that both workers have
# run the whole path once (imports, connections to PostgreSQL and the broker).
WARM = 2 * CLIENTS
SECTION = "## Payment gateway IPN (`bench/bench_payments.py`)"
TARGET = 200  # IPN/s, first confirmations and repeats (2 cores, PostgreSQL, Redis broker)


def _setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.update(SETTINGS)
    from harness import ensure_database, setup_django

    if os.environ["DATABASE_URL"].startswith("postgres"):
        ensure_database(os.environ["DATABASE_URL"])
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fixture() -> list:
    """``ORDERS`` dossiers waiting for their fees, one pending VNPay attempt each. The documents the
    set-up's actions issue get a stub PDF (the set-up is not what is measured)."""
    from bench_dossiers import _bench_fixture
    from django.contrib.auth import get_user_model

    from opendvc.agencies.models import StaffRole
    from opendvc.dossiers import documents, services
    from opendvc.payments.services import payment_start

    documents.render_pdf = lambda template, context: b"%PDF-1.4\n% bench set-up stub\n%%EOF\n"
    # The benchmarks' level-4 procedure of the justice department (bench_dossiers), fees online.
    p, agency, _users = _bench_fixture()
    User = get_user_model()
    officer = User.objects.get_or_create(
        email="bench-pay-officer@synthetic.opendvc.vn", defaults={"full_name": "Cán bộ đo"}
    )[0]
    StaffRole.objects.get_or_create(user=officer, agency=agency, role="receiving_officer")
    citizen = User.objects.get_or_create(
        email="bench-pay@synthetic.opendvc.vn", defaults={"full_name": "Người nộp đo"}
    )[0]
    attempts = []
    for i in range(ORDERS + WARM):
        d = services.dossier_create_draft(
            applicant=citizen, procedure=p, receiving_agency=agency, actor=citizen, channel="online"
        )
        d = services.dossier_act(dossier=d, action="submit", actor=citizen, declaration=True)
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        d = services.dossier_act(
            dossier=d,
            action="require_payment",
            actor=None,
            system=True,
            fees=[{"name": "Lệ phí đo", "amount_vnd": 10_000 + i, "quantity": 1}],
        )
        attempt, _url = payment_start(
            dossier=d, gateway="vnpay", actor=citizen, return_url="http://127.0.0.1/ve/"
        )
        attempts.append(attempt)
    return attempts


def _ipn_query(attempt, *, forged: bool = False) -> str:
    from urllib.parse import urlencode

    from opendvc.payments import vnpay

    params = {
        "vnp_Amount": str(attempt.amount_vnd * 100),
        "vnp_BankCode": "NCB",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "bench",
        "vnp_PayDate": "20261202100000",
        "vnp_ResponseCode": "00",
        "vnp_TmnCode": "BENCH001",
        "vnp_TransactionNo": str(10_000_000 + attempt.pk),
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": attempt.reference,
    }
    return urlencode(vnpay.sign_params("forged" if forged else SECRET, params))


class Phase:
    """What one phase measured: IPN/s, the answers, latency percentiles, statements per request."""

    def __init__(self, n: int, elapsed: float, codes: Counter, latencies: list, sql: list) -> None:
        self.n, self.elapsed, self.codes = n, elapsed, codes
        self.rate = n / elapsed
        lat = sorted(latencies)
        self.p50 = lat[len(lat) // 2] * 1000
        self.p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))] * 1000
        self.sql = statistics.median(sql) if sql else None
        self.sql_max = max(sql) if sql else None

    def measured(self) -> str:
        sql = f", {self.sql:.0f} statements (max {self.sql_max})" if self.sql is not None else ""
        return (
            f"{self.rate:.0f} IPN/s, p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms{sql}, "
            f"answers {dict(self.codes)}"
        )


def _fire(base: str, paths: list[str], *, key: str = "RspCode") -> Phase:
    import httpx

    clients = [httpx.Client(base_url=base, timeout=300) for _ in range(CLIENTS)]

    def send(i_path):
        i, path = i_path
        started = time.perf_counter()
        r = clients[i % CLIENTS].get(path)
        took = time.perf_counter() - started
        code = r.json().get(key, r.status_code) if key else r.status_code
        return code, took, r.headers.get("X-SQL-Count")

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(send, enumerate(paths)))
    elapsed = time.perf_counter() - started
    for c in clients:
        c.close()
    return Phase(
        len(paths),
        elapsed,
        Counter(str(code) for code, _t, _s in results),
        [t for _c, t, _s in results],
        [int(s) for _c, _t, s in results if s is not None],
    )


def _ipn(query: str) -> str:
    return f"/thanh-toan/vnpay/ipn/?{query}"


def _wait(base: str, seconds: float = 180) -> None:
    """gunicorn may take longer than the harness waits to start on a loaded machine."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(f"{base}/api/v1/ping", timeout=5).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _checks(attempts) -> dict[str, int]:
    """Exactly-once, counted in the database: dossiers with ≠ 1 ``pay`` event, orders with ≠ 1
    receipt, applicants… with ≠ 1 e-mail per payment, attempts flagged for refund."""
    from opendvc.dossiers.models import DossierEvent
    from opendvc.notifications.models import Notification
    from opendvc.payments.models import PaymentAttempt, Receipt

    dossiers = [a.order.dossier_id for a in attempts]
    pays = Counter(
        DossierEvent.objects.filter(dossier_id__in=dossiers, action="pay").values_list(
            "dossier_id", flat=True
        )
    )
    receipts = Counter(
        Receipt.objects.filter(order__dossier_id__in=dossiers).values_list(
            "order__dossier_id", flat=True
        )
    )
    codes = {a.reference: a.order.dossier_id for a in attempts}
    emails = Counter(
        codes.get(ref)
        for ref in Notification.objects.filter(
            template="payment_confirmed", channel="email", context__reference__in=list(codes)
        ).values_list("context__reference", flat=True)
    )
    return {
        "double": sum(1 for d in dossiers if pays[d] != 1),
        "receipts": sum(1 for d in dossiers if receipts[d] != 1),
        "emails": sum(1 for d in dossiers if emails[d] != 1),
        "refunds": PaymentAttempt.objects.filter(
            pk__in=[a.pk for a in attempts], needs_refund=True
        ).count(),
    }


def _issue_receipts(attempts) -> tuple[float, int, int]:
    """What the Celery worker does with the queued receipts, here in one process: seconds taken, the
    dossiers with ≠ 1 receipt document, those whose receipt is not in the payer's store."""
    from opendvc.dossiers.models import DossierDocument
    from opendvc.payments.models import Receipt
    from opendvc.payments.tasks import render_receipt
    from opendvc.vault.models import StoredDocument

    dossiers = [a.order.dossier_id for a in attempts]
    queued = Receipt.objects.filter(order__dossier_id__in=dossiers, file="").values_list(
        "pk", flat=True
    )
    started = time.perf_counter()
    for pk in list(queued):
        render_receipt.apply(args=(pk,))  # the queued task, run here
    elapsed = time.perf_counter() - started
    docs = DossierDocument.objects.filter(dossier_id__in=dossiers, kind="payment_receipt")
    per = Counter(docs.values_list("dossier_id", flat=True))
    stored = StoredDocument.objects.filter(dossier_document__in=docs).count()
    return elapsed, sum(1 for d in dossiers if per[d] != 1), len(dossiers) - stored


def _purge_queue() -> None:
    from opendvc.celery import app

    app.control.purge()


def _services_missing() -> str:
    """Why the bench cannot run here (no PostgreSQL, no Redis), or ""."""
    import redis

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        return "DATABASE_URL is not PostgreSQL (the row locks are the point)"
    try:
        from harness import ensure_database

        ensure_database(url)
    except Exception as exc:  # noqa: BLE001 - reported as the reason to skip
        return f"PostgreSQL unreachable ({type(exc).__name__})"
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis unreachable at {REDIS} ({type(exc).__name__})"
    return ""


def run() -> list[tuple[str, str, str]]:
    missing = _services_missing()
    if missing:
        return [("payment gateway IPN over HTTP", f"skipped: {missing}", f"≥ {TARGET} IPN/s")]
    _setup()
    from django.db import connection
    from harness import serve

    engine = connection.vendor
    _purge_queue()
    attempts = _fixture()
    load_before = os.getloadavg()
    try:
        with serve(env={**SETTINGS, "DATABASE_URL": os.environ["DATABASE_URL"]}) as base:
            _wait(base)
            # Both workers past their first request (imports, connections) before anything counts.
            _fire(base, ["/api/v1/ping"] * 4 * CLIENTS, key="")
            warm, attempts = attempts[:WARM], attempts[WARM:]
            _fire(base, [_ipn(_ipn_query(a)) for a in warm])
            first = _fire(base, [_ipn(_ipn_query(a)) for a in attempts])
            repeats = [_ipn(_ipn_query(a)) for a in attempts for _ in range(REPEATS)]
            random.Random(7).shuffle(repeats)
            rep = _fire(base, repeats)
            forged = _fire(base, [_ipn(_ipn_query(a, forged=True)) for a in attempts])
            ping = _fire(base, ["/api/v1/ping"] * len(repeats), key="")
        load_after = os.getloadavg()
        checks = _checks(warm + attempts)
        issue_s, docs_off, store_off = _issue_receipts(warm + attempts)
    finally:
        _purge_queue()
        shutil.rmtree(MEDIA, ignore_errors=True)
    note = "" if engine == "postgresql" else f" [{engine}, not PostgreSQL]"
    target = f"≥ {TARGET} IPN/s"
    return [
        (
            f"IPN first confirmations ({first.n}, each moves its dossier){note}",
            first.measured(),
            target,
        ),
        (f"IPN repeats ({rep.n}, shuffled){note}", rep.measured(), target),
        (f"IPN forged signatures ({forged.n}){note}", forged.measured(), "—"),
        (
            f"reference: bare JSON view /api/v1/ping, same clients ({ping.n})",
            f"{ping.rate:.0f} req/s, p50 {ping.p50:.0f} ms, p95 {ping.p95:.0f} ms",
            "—",
        ),
        ("double transitions (dossiers with ≠ 1 pay event)", str(checks["double"]), "0"),
        (
            "dossiers with ≠ 1 receipt row / ≠ 1 e-mail",
            f"{checks['receipts']} / {checks['emails']}",
            "0 / 0",
        ),
        ("attempts flagged for refund", str(checks["refunds"]), "0"),
        (
            f"receipts issued after commit, one process ({WARM + len(attempts)}: PDF, document, store)",
            f"{(WARM + len(attempts)) / issue_s:.1f} receipts/s",
            "—",
        ),
        (
            "dossiers with ≠ 1 receipt document / receipt missing from the payer's store",
            f"{docs_off} / {store_off}",
            "0 / 0",
        ),
        ("load average before / after (1 min)", f"{load_before[0]:.1f} / {load_after[0]:.1f}", "—"),
    ]


def section(rows: list[tuple[str, str, str]]) -> str:
    """The section of docs/performance.md for ``rows``."""
    table = "\n".join(f"| {m} | {v} | {t} |" for m, v, t in rows)
    rates = {m.split(" (")[0]: float(v.split(" IPN/s")[0]) for m, v, _t in rows if "IPN/s" in v}
    met = [k for k in ("IPN first confirmations", "IPN repeats") if rates.get(k, 0) >= TARGET]
    verdict = (
        f"Target ≥ {TARGET} IPN/s: met by {' and '.join(met)} in this run."
        if met
        else f"Target ≥ {TARGET} IPN/s: **not shown in this run** (see the load average)."
    )
    return f"""{SECTION}

Server: gunicorn, 2 sync workers, PostgreSQL and Redis (Celery broker and cache) on the same machine,
DEBUG off; load: {CLIENTS} keep-alive httpx clients in threads, every IPN a real HTTP request signed
like the VNPay-compatible gateway (`GET /thanh-toan/vnpay/ipn/`), answered `{{RspCode, Message}}`.
{ORDERS} level-4 dossiers waiting for their fees, one attempt each. Statements per request from
`X-SQL-Count` (median, max). Measured on {date.today():%d/%m/%Y} by
`make bench-payments` (`bench/bench_payments.py --write`); the load average of the machine is in the
table — compare the IPN figures with the bare JSON view's, measured with the same clients in the same
run.

| metric | measured | target |
| --- | --- | --- |
{table}

{verdict}

A first confirmation locks the order and the attempt, runs the dossier's `pay` action (the fee
request paid, the step clock resumed, the history line, the audit entry), numbers the receipt, queues
the notice, writes the payment's audit entry and keeps the message, in one transaction whose commit
waits for the WAL flush (the gateway stops retrying on `00`): 24 statements on the server (27 pinned
in `payments/tests/test_ipn_statements.py` on PostgreSQL, which counts the test's savepoint; 43 before). Nothing is rendered in it: the electronic
receipt — the one receipt of the payment; a gateway's `pay` action issues no PDF of its own — is made
after commit by a Celery worker (or after the response when no broker is configured), then sealed
and filed in the dossier and the payer's store; a receipt still without its PDF is issued by the
reconciliation job. A repeat about an attempt already final is answered from one unlocked read and
the message is kept in a transaction that does not wait for the WAL flush (`SET LOCAL
synchronous_commit TO OFF`: a log row, no state) — 3 statements; forged signatures likewise. Before
this, the `pay` action rendered its receipt PDF inside the transaction and first confirmations ran at
about 1 IPN/s. What remains per first confirmation is the ORM's Python time and the round trips of
26 statements, with the audit chain's head row locked from the first audit entry to the commit.
"""


def write_section(rows: list[tuple[str, str, str]]) -> None:
    path = ROOT / "docs" / "performance.md"
    text = path.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    end = len(text) if end < 0 else end + 1
    path.write_text(text[:start] + section(rows) + text[end:])


if __name__ == "__main__":
    results = run()
    for metric, value, target in results:
        print(f"{metric}: {value} (target {target})")
    if len(results) == 1:  # skipped: nothing measured, nothing written
        raise SystemExit(2)
    if "--write" in sys.argv[1:]:
        write_section(results)
        print("docs/performance.md: section rewritten", file=sys.stderr)
    bad = [r for r in results if re.match(r"(double|dossiers with|attempts flagged)", r[0])]
    raise SystemExit(0 if all(set(v.replace(" / ", "")) <= {"0"} for _m, v, _t in bad) else 1)
