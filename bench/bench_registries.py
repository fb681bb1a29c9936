"""Benchmark of the national-registry adapters against their simulators (real HTTP on localhost).

* Latency of one population lookup by CCCD through ``PopulationRegistry.lookup`` (httpx, a new
  connection per call as the adapter makes it): p50 and p95 over 300 calls (target p95 ≤ 100 ms, so a
  prefill adds no noticeable wait to the form).
* Time until the applicant is told to enter the data by hand when the registry hangs (``slow`` switch
  above the timeout): the timeout setting bounds it (target ≤ timeout + 0.2 s).

Run: ``.venv/bin/python bench/bench_registries.py``. ``run()`` returns (metric, measured, target) rows.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    import django

    django.setup()


def run() -> list[tuple[str, str, str]]:
    _setup()
    from opendvc.registries.client import PopulationRegistry, RegistryUnavailable
    from opendvc.registries.simulators import PopulationSimulator

    with PopulationSimulator() as sim:
        cccds = list(sim.records)
        client = PopulationRegistry(base_url=sim.url, timeout=2.0)
        times = []
        for i in range(300):
            t0 = time.perf_counter()
            client.lookup(cccds[i % len(cccds)], purpose="bench")
            times.append(time.perf_counter() - t0)
        times.sort()
        p50 = statistics.median(times) * 1000
        p95 = times[int(len(times) * 0.95) - 1] * 1000
        timeout = 0.5
        sim.switches.update({"slow": 3.0})
        slow_client = PopulationRegistry(base_url=sim.url, timeout=timeout)
        t0 = time.perf_counter()
        with contextlib.suppress(RegistryUnavailable):
            slow_client.lookup(cccds[0], purpose="bench")
        fallback = time.perf_counter() - t0
    return [
        ("population lookup p50 (ms)", f"{p50:.1f}", "-"),
        ("population lookup p95 (ms)", f"{p95:.1f}", "≤ 100"),
        (
            f"manual-entry fallback with the registry hanging, timeout {timeout} s (s)",
            f"{fallback:.2f}",
            f"≤ {timeout + 0.2:.1f}",
        ),
    ]


if __name__ == "__main__":
    for metric, measured, target in run():
        print(f"{metric:<75} {measured:>8}   target {target}")
