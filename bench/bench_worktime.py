"""Benchmark of the working-time engine.

* Due-date computations per second for mixed 1–30 working-day spans from random instants of
  2024–2029 (target ≥ 100,000/s), through the public ``add_working_time``.
* The same 30-working-day additions by the indexed engine and by a naive day-by-day loop over the
  same calendar, measured side by side in one run on the same inputs (target ≥ 20×). The naive loop
  asks ``is_working_day`` for each day in turn, as a straightforward implementation would; its
  results are checked equal to the engine's.

Run: ``.venv/bin/python bench/bench_worktime.py``. ``run()`` returns (metric, measured, target) rows.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opendvc.settings.development")
    import django

    django.setup()


def _best_rate(fn, items, repeats: int) -> float:
    """Best of ``repeats`` passes, in seconds per item (the least disturbed pass)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(items)
        best = min(best, time.perf_counter() - t0)
    return best / len(items)


def naive_add_working_days(start: datetime, days: int, *, calendar) -> datetime:
    """N working days (working-hours rule) by walking one day at a time and asking the public
    ``is_working_day`` of each day; office hours walked period by period."""
    from opendvc.worktime import is_working_day
    from opendvc.worktime.calendar import VN_TZ

    periods = [
        (
            datetime.combine(datetime.min, a) - datetime.min,
            datetime.combine(datetime.min, b) - datetime.min,
        )
        for a, b in calendar.periods
    ]
    day_length = sum((b - a for a, b in periods), timedelta())
    remaining = day_length * days
    day = start.date()
    clock = start - datetime(day.year, day.month, day.day, tzinfo=VN_TZ)
    while True:
        if is_working_day(day, calendar=calendar):
            for opening, closing in periods:
                begin = max(opening, clock)
                if begin >= closing:
                    continue
                available = closing - begin
                if remaining <= available:
                    return datetime(day.year, day.month, day.day, tzinfo=VN_TZ) + begin + remaining
                remaining -= available
        day += timedelta(days=1)
        clock = timedelta()


def run() -> list[tuple[str, str, str]]:
    from opendvc.worktime import WorkCalendar, add_working_time
    from opendvc.worktime.calendar import VN_TZ

    calendar = WorkCalendar.from_rules(years=range(2020, 2036))
    rng = random.Random(20270215)
    epoch = datetime(2024, 1, 1, tzinfo=VN_TZ)
    starts = [
        epoch + timedelta(minutes=rng.randrange(0, 6 * 365 * 24 * 60)) for _ in range(100_000)
    ]
    mixed = [(s, rng.randint(1, 30)) for s in starts]

    def engine_mixed(items):
        for s, n in items:
            add_working_time(s, n, "working_days", calendar=calendar)

    engine_mixed(mixed[:5000])  # warm-up
    per_call = _best_rate(engine_mixed, mixed, repeats=5)
    rate = 1 / per_call

    # Side by side on 30-working-day spans, same inputs, interleaved passes.
    sample = starts[:3000]
    for s in sample[:300]:
        assert add_working_time(s, 30, "working_days", calendar=calendar) == naive_add_working_days(
            s, 30, calendar=calendar
        ), s

    def engine_30(items):
        for s in items:
            add_working_time(s, 30, "working_days", calendar=calendar)

    def naive_30(items):
        for s in items:
            naive_add_working_days(s, 30, calendar=calendar)

    engine_best = naive_best = float("inf")
    for _ in range(5):
        engine_best = min(engine_best, _best_rate(engine_30, sample, repeats=1))
        naive_best = min(naive_best, _best_rate(naive_30, sample, repeats=1))
    speedup = naive_best / engine_best

    return [
        (
            "worktime: due dates per second, mixed 1–30 working days",
            f"{rate:,.0f}/s",
            "≥ 100,000/s",
        ),
        ("worktime: 30 working days, indexed engine", f"{engine_best * 1e6:.2f} µs/call", "—"),
        (
            "worktime: 30 working days, naive day-by-day loop",
            f"{naive_best * 1e6:.2f} µs/call",
            "—",
        ),
        (
            "worktime: speed-up of the index over the naive loop (30 working days)",
            f"{speedup:.1f}×",
            "≥ 20×",
        ),
    ]


if __name__ == "__main__":
    _setup()
    rows = run()
    width = max(len(r[0]) for r in rows)
    for metric, value, target in rows:
        print(f"{metric:<{width}}  {value:>18}  target {target}")
