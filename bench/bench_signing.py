"""Benchmark of signed results (PAdES with pyHanko, against the offline test CA).

* Signing throughput: results signed per second (B-LT: time-stamp from the TSA and revocation data
  embedded, QR stamp), with the revocation answers reused for the window the portal uses
  (``signing.services.REVOCATION_REUSE_SECONDS``); one process, then two processes (2 cores). Target
  ≥ 20 signatures/s.
* Verification of a signed 1 MB PDF (integrity, chain to the pinned root, time-stamp): median and p95
  of ``pdf_verify`` without the portal's hash lookup (one indexed query). Target ≤ 200 ms.

The TSA, OCSP and CRL are the trust-services simulator on a real local HTTP server, in this process.
Run: ``.venv/bin/python bench/bench_signing.py``. ``run()`` returns (metric, measured, target) rows.
"""

from __future__ import annotations

import base64
import io
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    import django

    django.setup()


def _result_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>QUYẾT ĐỊNH</h1><p>Về việc cấp giấy khai sinh.</p>" * 5).write_pdf()


def _big_pdf(size: int = 1024 * 1024) -> bytes:
    """About ``size`` bytes of PDF: a page with an image of random pixels (not compressible)."""
    from PIL import Image
    from weasyprint import HTML

    side = int((size / 3) ** 0.5)
    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return HTML(string=f'<h1>Kết quả</h1><img src="{uri}" style="width:15cm">').write_pdf()


def _configure(url: str, paths: dict) -> None:
    from django.conf import settings

    settings.SIGNING_TRUST_ROOTS = str(paths["root"])
    settings.SIGNING_TSA_URL = f"{url}/tsa"


def _sign_many(args) -> tuple[int, float]:
    url, paths, count = args
    _setup()
    _configure(url, paths)
    from opendvc.signing import services

    cred = services.credential_load(
        path=str(paths["signer"]),
        passphrase="opendvc-test",
        name="Nguyễn Văn An",
        title="Phó Giám đốc",
    )
    pdf = _result_pdf()
    services.pdf_sign(
        pdf=pdf, credential=cred, qr_url="https://dvc.example/xac-thuc-ket-qua/?ma=A&khoa=B"
    )  # warm
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(count):
        services.pdf_sign(
            pdf=pdf, credential=cred, qr_url=f"https://dvc.example/xac-thuc-ket-qua/?ma={i}&khoa=B"
        )
    return count, time.perf_counter() - t0, time.process_time() - c0


def run() -> list[tuple[str, str, str]]:
    _setup()
    from opendvc.signing import services, testca
    from opendvc.signing.simulators import TrustServices

    rows = []
    load_before = os.getloadavg()
    sim = TrustServices().start()
    try:
        ca = testca.build(sim.url)
        sim.use(ca)
        paths = ca.write(Path(tempfile.mkdtemp(prefix="bench-ca-")))
        _configure(sim.url, paths)
        count = 60
        n, seconds, cpu = _sign_many((sim.url, paths, count))
        rows.append(
            (
                "signing, 1 process (B-LT, QR stamp), wall clock",
                f"{n / seconds:.1f} signatures/s",
                "≥ 20/s",
            )
        )
        rows.append(
            (
                "signing, CPU time per signature (incl. the in-process TSA/OCSP)",
                f"{cpu / n * 1000:.0f} ms",
                "—",
            )
        )
        rows.append(
            (
                "signing capacity of 2 free cores (2 / CPU time)",
                f"{2 * n / cpu:.1f} signatures/s",
                "≥ 20/s",
            )
        )
        with ProcessPoolExecutor(max_workers=2) as pool:
            t0 = time.perf_counter()
            done = list(pool.map(_sign_many, [(sim.url, paths, count)] * 2))
            wall = time.perf_counter() - t0
        per_proc = sum(d[0] for d in done) / max(d[1] for d in done)
        rows.append(
            (
                "signing, 2 processes (B-LT, QR stamp)",
                f"{per_proc:.1f} signatures/s "
                f"(wall incl. start-up {sum(d[0] for d in done) / wall:.1f}/s)",
                "≥ 20/s",
            )
        )

        cred = services.credential_load(path=str(paths["signer"]), passphrase="opendvc-test")
        big = _big_pdf()
        signed, level = services.pdf_sign(pdf=big, credential=cred)
        times, cpus = [], []
        for _ in range(30):
            t0, c0 = time.perf_counter(), time.process_time()
            result = services.pdf_verify(data=signed, check_issued=False)
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        assert result.intact and result.trusted and result.timestamped, result.reasons
        times.sort()
        rows.append(
            (
                f"verify a {len(signed) / 1024 / 1024:.2f} MB signed PDF ({level}), median",
                f"{statistics.median(times) * 1000:.0f} ms",
                "≤ 200 ms",
            )
        )
        rows.append(
            ("verify, p95", f"{times[int(len(times) * 0.95) - 1] * 1000:.0f} ms", "≤ 200 ms")
        )
        rows.append(("verify, CPU time median", f"{statistics.median(cpus) * 1000:.0f} ms", "—"))
    finally:
        sim.stop()
    load_after = os.getloadavg()
    rows.append(
        (
            "machine load average (1 min) before / after",
            f"{load_before[0]:.2f} / {load_after[0]:.2f}",
            f"{os.cpu_count()} CPUs",
        )
    )
    return rows


if __name__ == "__main__":
    for metric, measured, target in run():
        print(f"{metric:60} {measured:40} {target}")
