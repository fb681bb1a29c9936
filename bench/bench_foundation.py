"""Reference figures: home page weight and the bare JSON view under load (the baseline for later endpoints)."""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import PYTHON, ROOT, load, serve  # noqa: E402


def _weight(base: str) -> tuple[int, int]:
    """Bytes of the home page and every static asset it references, as sent with gzip, and uncompressed."""
    import re

    def fetch(url: str) -> tuple[int, int]:
        req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as r:
            raw = r.read()
            body = gzip.decompress(raw) if r.headers.get("Content-Encoding") == "gzip" else raw
            wire = len(raw)
            if r.headers.get("Content-Encoding") != "gzip":
                # WhiteNoise serves precompressed files only after collectstatic; count what gzip would send.
                wire = len(gzip.compress(raw, 6))
            return wire, len(body)

    wire, plain = fetch(base + "/")
    html = urllib.request.urlopen(base + "/").read().decode()
    for asset in sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))):
        w, p = fetch(base + asset)
        wire += w
        plain += p
    return wire, plain


def run() -> list[tuple[str, str, str]]:
    tmp = tempfile.mkdtemp(prefix="opendvc-bench-")
    env = {"DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3"), "OPENDVC_VAR_DIR": tmp}
    import subprocess

    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env={**os.environ, **env}, check=True)
    subprocess.run([PYTHON, "manage.py", "seed_demo"], cwd=ROOT, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    rows = []
    with serve(env) as base:
        wire, plain = _weight(base)
        rows.append(("home page weight, compressed (HTML + CSS + JS)", f"{wire / 1024:.1f} KiB", "≤ 100 KiB"))
        rows.append(("home page weight, uncompressed", f"{plain / 1024:.1f} KiB", "—"))
        result = load(base + "/api/v1/ping", seconds=5)
        rows.append((f"bare JSON view /api/v1/ping ({result.generator}, 8 conn, gunicorn 2 workers)", f"{result.rps:,.0f} req/s", "reference"))
        rows.append(("bare JSON view latency p50 / p95", f"{result.p50_ms:.2f} / {result.p95_ms:.2f} ms", "reference"))
        home = load(base + "/", seconds=5)
        rows.append(("home page", f"{home.rps:,.0f} req/s, p95 {home.p95_ms:.1f} ms", "—"))
    return rows


if __name__ == "__main__":
    for metric, value, target in run():
        print(f"{metric:<70} {value:>24}  {target}")
