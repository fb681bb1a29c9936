"""Demo data: the working calendar seeded from the ``holidays`` package for 2020–2035. Idempotent."""

from __future__ import annotations

from .services import seed_years

DEMO_YEARS = range(2020, 2036)


def seed(stdout=None) -> None:
    done = seed_years(years=DEMO_YEARS, actor="seed_demo")
    if stdout is not None:
        if done:
            stdout.write(f"Lịch làm việc: đã khởi tạo các năm {done[0]}–{done[-1]}.\n")
        else:
            stdout.write("Lịch làm việc: đã có sẵn, không thay đổi.\n")
