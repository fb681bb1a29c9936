"""Benchmark of the gateway's IPN handler over HTTP (``/thanh-toan/vnpay/ipn/``).

Setup: ``DATABASE_URL`` (PostgreSQL expected: the handler's row locks are the point), migrated; a
synthetic level-4 procedure, ``ORDERS`` dossiers waiting for their fees and one VNPay attempt each.
The portal runs under gunicorn (2 sync workers, ``bench/harness.serve``); a pool of ``CLIENTS``
keep-alive HTTP clients sends signed IPNs the way the gateway does.

Phases (each IPN a real HTTP request answered with ``{RspCode, Message}``):

1. first confirmations: one success IPN per attempt, all at once (each moves its dossier: the
   ``pay`` action, its PDF, the receipt row, the notice);
2. repeats: ``REPEATS`` more success IPNs per attempt, shuffled (the gateway's retries, duplicates
   racing each other) — answered ``02`` without any change;
3. forged: IPNs with a wrong signature (``97``).

Checked afterwards: every dossier has exactly one ``pay`` event (0 double transitions).

Run: ``DATABASE_URL=postgres://… .venv/bin/python bench/bench_payments.py``.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

ORDERS = int(os.environ.get("BENCH_PAYMENT_ORDERS", "60"))
REPEATS = int(os.environ.get("BENCH_PAYMENT_REPEATS", "20"))
CLIENTS = 16
SECRET = "bench-vnpay-secret"
MEDIA = tempfile.mkdtemp(prefix="opendvc-bench-payments-")
SETTINGS = {
    "VNPAY_URL": "http://127.0.0.1:9",
    "VNPAY_TMN_CODE": "BENCH001",
    "VNPAY_HASH_SECRET": SECRET,
    "STORAGE_MEDIA_ROOT": MEDIA,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "CELERY_BROKER_URL": "memory://",
    "LOG_LEVEL": "WARNING",
    "GUNICORN_TIMEOUT": "120",
}


def _setup() -> None:
    os.environ.update(SETTINGS)
    from harness import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fixture() -> list:
    from django.contrib.auth import get_user_model

    from opendvc.agencies import demo as agencies_demo
    from opendvc.agencies.models import Agency
    from opendvc.catalog.models import Component, Field, Procedure, ProcedureMethod, Sector
    from opendvc.catalog.services import publish_procedure
    from opendvc.dossiers import services
    from opendvc.payments.services import payment_start

    agencies_demo.seed()
    agency = Agency.objects.get(code="000.00.32.H19")
    p = Procedure.objects.filter(code="SYN-BENCH-PAYMENT").first()
    if p is None:
        sector, _ = Sector.objects.get_or_create(code="bench", defaults={"name": "Đo hiệu năng"})
        field, _ = Field.objects.get_or_create(
            code="bench", defaults={"name": "Đo hiệu năng", "sector": sector}
        )
        p = Procedure.objects.create(
            code="SYN-BENCH-PAYMENT",
            name="Thủ tục đo thanh toán (dữ liệu giả lập)",
            sector=sector,
            field=field,
            level=4,
            is_synthetic=True,
            has_online=True,
            level_source=Procedure.LevelSource.SOURCE,
            methods_available=["online"],
        )
        Component.objects.create(procedure=p, name="Giấy tờ kèm theo", required=False)
        ProcedureMethod.objects.create(
            procedure=p, method="online", time_amount=5, time_unit="working_days"
        )
        p.agencies.set([agency])
        publish_procedure(procedure=p, actor=None)
        p.refresh_from_db()
    User = get_user_model()
    officer = User.objects.get_or_create(
        email="bench-pay-officer@synthetic.opendvc.vn", defaults={"full_name": "Cán bộ đo"}
    )[0]
    from opendvc.agencies.models import StaffRole

    StaffRole.objects.get_or_create(user=officer, agency=agency, role="receiving_officer")
    citizen = User.objects.get_or_create(
        email="bench-pay@synthetic.opendvc.vn", defaults={"full_name": "Người nộp đo"}
    )[0]
    attempts = []
    for i in range(ORDERS):
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


def _fire(base: str, queries: list[str]) -> tuple[float, Counter]:
    import httpx

    clients = [httpx.Client(base_url=base, timeout=300) for _ in range(CLIENTS)]

    def send(i_q):
        i, q = i_q
        return clients[i % CLIENTS].get(f"/thanh-toan/vnpay/ipn/?{q}").json()["RspCode"]

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        codes = Counter(pool.map(send, enumerate(queries)))
    elapsed = time.perf_counter() - started
    for c in clients:
        c.close()
    return elapsed, codes


def _ping(base: str, n: int) -> float:
    """The bare JSON view with the same clients, in the same run: the machine's reference."""
    import httpx

    clients = [httpx.Client(base_url=base, timeout=300) for _ in range(CLIENTS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(lambda i: clients[i % CLIENTS].get("/api/v1/ping").status_code, range(n)))
    elapsed = time.perf_counter() - started
    for c in clients:
        c.close()
    return elapsed


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


def run() -> list[tuple[str, str, str]]:
    _setup()
    from django.db import connection
    from harness import serve

    from opendvc.dossiers.models import DossierEvent

    engine = connection.vendor
    attempts = _fixture()
    load_before = os.getloadavg()
    try:
        with serve(env={**SETTINGS, "DATABASE_URL": os.environ.get("DATABASE_URL", "")}) as base:
            _wait(base)
            first_s, first = _fire(base, [_ipn_query(a) for a in attempts])
            repeats = [_ipn_query(a) for a in attempts for _ in range(REPEATS)]
            random.Random(7).shuffle(repeats)
            rep_s, rep = _fire(base, repeats)
            forged_s, forged = _fire(
                base, [_ipn_query(a, forged=True) for a in attempts for _ in range(5)]
            )
            ping_s = _ping(base, len(repeats))
    finally:
        shutil.rmtree(MEDIA, ignore_errors=True)
    load_after = os.getloadavg()
    dossiers = [a.order.dossier_id for a in attempts]
    pays = Counter(
        DossierEvent.objects.filter(dossier_id__in=dossiers, action="pay").values_list(
            "dossier_id", flat=True
        )
    )
    doubles = sum(1 for d in dossiers if pays[d] != 1)
    note = "" if engine == "postgresql" else f" [{engine}, not PostgreSQL]"
    total = len(attempts) + len(repeats) + len(attempts) * 5
    all_s = first_s + rep_s + forged_s
    return [
        (
            f"IPN first confirmations ({len(attempts)}, each moves a dossier){note}",
            f"{len(attempts) / first_s:.0f} IPN/s {dict(first)}",
            "—",
        ),
        (
            f"IPN repeats ({len(repeats)}, shuffled){note}",
            f"{len(repeats) / rep_s:.0f} IPN/s {dict(rep)}",
            "≥ 200 IPN/s",
        ),
        (
            f"IPN forged signatures ({len(attempts) * 5}){note}",
            f"{len(attempts) * 5 / forged_s:.0f} IPN/s {dict(forged)}",
            "—",
        ),
        (f"IPN all phases ({total}){note}", f"{total / all_s:.0f} IPN/s", "≥ 200 IPN/s"),
        (
            f"reference: bare JSON view /api/v1/ping, same clients ({len(repeats)})",
            f"{len(repeats) / ping_s:.0f} req/s",
            "—",
        ),
        ("double transitions (dossiers with ≠ 1 pay event)", str(doubles), "0"),
        ("load average before / after (1 min)", f"{load_before[0]:.1f} / {load_after[0]:.1f}", "—"),
    ]


if __name__ == "__main__":
    for metric, value, target in run():
        print(f"{metric}: {value} (target {target})")
