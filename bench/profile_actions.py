"""CPU of the dossier actions that make documents, in-process, through the whole WSGI stack: the
officer's ``receive`` and the leader's ``approve`` through ``POST /api/v1/dossiers/<code>/actions``,
each split into the request (the action, its history, audit and notice) and the work after the
response (the documents: the receipt rendered and sealed; the result rendered, signed B-LT, filed, and
the online return with its notices and survey invitation; no hand-over record, as nothing changes hands).

The database and the trust services are those of ``bench/bench_signing.py`` (``DATABASE_URL``, else a
scratch SQLite file; the simulator in this process, its CPU counted: it is small, the TSA's token).
The system seal is the test CA's (``SIGNING_SEAL_PKCS12``), so the receipt is sealed as deployed.

Run: ``.venv/bin/python bench/profile_actions.py [--only receive,approve] [--count 30] [--profile]
[--top 40] [--sort cumulative] [--match text]``. CPU times depend on the machine's load (say it); call
counts do not.
"""

from __future__ import annotations

import os
import sys

_BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _BENCH] + [_BENCH]
# ruff: noqa: E402

import argparse
import cProfile
import io
import pstats
import shutil
import time

import bench_signing as bs

AFTER = "after the response: documents_render"
EMAILS = "after the response: emails sent (notification_deliver)"


def _by_kind(timer, documents) -> None:
    """CPU of each outermost ``documents_render`` by the kinds of the documents it rendered."""
    real = documents.documents_render
    depth = [0]

    def timed(*, document_ids):
        if depth[0]:
            return real(document_ids=document_ids)
        depth[0] += 1
        c0 = time.process_time()
        done = []
        try:
            done = real(document_ids=document_ids)
            return done
        finally:
            depth[0] -= 1
            label = "  documents_render of " + "+".join(sorted(d.kind for d in done))
            timer.cpu[label] = timer.cpu.get(label, 0.0) + time.process_time() - c0

    documents.documents_render = timed


class _Timer:
    """Process time spent inside some functions (outermost calls only)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self._depth: dict[str, int] = {}

    def wrap(self, module, name: str, label: str, inside: str = "") -> None:
        """Time ``module.name`` under ``label`` (only its calls made within ``inside``'s, if given)."""
        real = getattr(module, name)
        self.cpu.setdefault(label, 0.0)
        self._depth.setdefault(label, 0)
        cpu, depth = self.cpu, self._depth

        def timed(*args, **kwargs):
            if inside and not depth[inside]:
                return real(*args, **kwargs)
            depth[label] += 1
            c0 = time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                depth[label] -= 1
                if depth[label] == 0:
                    cpu[label] += time.process_time() - c0

        setattr(module, name, timed)

    def reset(self) -> None:
        for k in self.cpu:
            self.cpu[k] = 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="receive,approve")
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--match", default="")
    parser.add_argument("--dump", default="", help="write the profile to this file (pstats)")
    parser.add_argument("--show-sql", action="store_true")
    args = parser.parse_args()

    os.environ["ALLOWED_HOSTS"] = "*"
    bs._setup()
    from django.core.management import call_command

    from opendvc.signing import testca
    from opendvc.signing.simulators import TrustServices

    if bs.ENV["DATABASE_URL"].startswith("postgres"):
        from harness import ensure_database

        ensure_database(bs.ENV["DATABASE_URL"])
    call_command("migrate", verbosity=0)
    sim = TrustServices().start()
    try:
        ca = testca.build(
            sim.url,
            agencies={"agency": ("Nguyễn Văn An", "Sở Tư pháp"), "seal": ("Hệ thống", "Cổng DVC")},
            rsa=("agency", "seal"),
        )
        sim.use(ca)
        paths = ca.write(bs.SCRATCH / "ca")
        bs._configure(sim.url, paths)
        _run(args, paths)
    finally:
        sim.stop()
        shutil.rmtree(bs.SCRATCH, ignore_errors=True)


def _submitted(count: int):
    """``count`` dossiers filed online, waiting for the officer (receipts not made: stub)."""
    from bench_dossiers import _bench_fixture
    from django.contrib.auth import get_user_model

    from opendvc.agencies.models import StaffRole
    from opendvc.dossiers import services

    procedure, agency, users = _bench_fixture()
    officer = get_user_model().objects.get_or_create(
        email="bench-sign-officer@synthetic.opendvc.vn", defaults={"full_name": "Cán bộ đo"}
    )[0]
    StaffRole.objects.get_or_create(user=officer, agency=agency, role="receiving_officer")
    codes = []
    for _ in range(count):
        d, _created = services.dossier_submit_new(
            applicant=users[0],
            procedure=procedure,
            receiving_agency=agency,
            actor=users[0],
            data={},
            uploads=[],
            declaration=True,
        )
        codes.append(d.code)
    return officer, codes


def _run(args, paths) -> None:
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client

    from opendvc.api.services import api_token_create
    from opendvc.dossiers import documents
    from opendvc.dossiers.services import transitions
    from opendvc.notifications import services as notifications
    from opendvc.signing import services as signing
    from opendvc.surveys import signals as survey_signals
    from opendvc.vault import services as vault

    timer = _Timer()
    timer.wrap(documents, "documents_render", AFTER)
    timer.wrap(documents, "render_pdf", "  render_pdf (WeasyPrint)")
    timer.wrap(signing, "pdf_sign", "  pdf_sign (signature, seal)")
    timer.wrap(vault, "result_issue", "  result_issue (store, online return, notice)")
    timer.wrap(transitions.MACHINE, "act", "    dossier_act (the online return)", inside=AFTER)
    timer.wrap(survey_signals, "survey_invite", "    survey_invite (with its email)")
    timer.wrap(notifications, "notification_deliver", EMAILS)
    _by_kind(timer, documents)
    with open("/proc/loadavg") as f:
        print(
            "load average", f.read().split()[:3], "database", bs.ENV["DATABASE_URL"].split("/")[-1]
        )
    n = args.count
    for name in [w.strip() for w in args.only.split(",") if w.strip()]:
        if name == "receive":
            actor, codes = _submitted(n + 2)
            body = {"action": "receive"}
        else:
            agency, actor, codes = bs._dossiers_in_processing(n + 2)
            bs._agency_certificate(agency, paths)
            body = {"action": "approve", "result": "Giấy khai sinh số 123/2026"}
        token = api_token_create(owner=actor, name="bench", scopes=["*"])[1]
        # Sealed from here on (the set-up's receipts are stubs, not measured).
        settings.SIGNING_SEAL_PKCS12 = str(paths["seal"])
        settings.SIGNING_SEAL_PASSPHRASE = "opendvc-test"
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

        def post(code, client=client, body=body, name=name):
            r = client.post(
                f"/api/v1/dossiers/{code}/actions", body, content_type="application/json"
            )
            if r.status_code != 200:
                raise SystemExit(f"{name}: {r.status_code} {r.content[:400]!r}")

        for code in codes[:2]:
            post(code)
        timer.reset()
        prof = cProfile.Profile(time.process_time) if args.profile else None
        statements: list[str] = []

        def record(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        reset_queries()
        c0 = time.process_time()
        with connection.execute_wrapper(record):
            if prof:
                prof.enable()
            for code in codes[2:]:
                post(code)
            if prof:
                prof.disable()
        cpu = time.process_time() - c0
        settings.SIGNING_SEAL_PKCS12 = ""
        print(
            f"\n{name}: {n} actions over the WSGI stack, {cpu / n * 1000:.1f} ms CPU each "
            f"(with the work after the response), {len(statements) / n:.1f} SQL statements each"
        )
        after = timer.cpu[AFTER] + timer.cpu[EMAILS]
        print(f"  the request (before the response): {(cpu - after) / n * 1000:.1f} ms")
        for label, value in timer.cpu.items():
            print(f"  {label}: {value / n * 1000:.1f} ms")
        if args.show_sql:
            for sql in statements[: len(statements) // n + 1]:
                print("   ", sql[:200])
        if prof and args.dump:
            prof.dump_stats(args.dump)
        if prof:
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats(args.sort).print_stats(
                *([args.match] if args.match else []), args.top
            )
            print(out.getvalue())


if __name__ == "__main__":
    main()
