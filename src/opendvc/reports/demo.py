"""Demo data of the reports app: the default indicator set (QĐ 766/QĐ-TTg) and the facts of the demo
dossiers, so the figures pages and the six-monthly report of the demo agency have something to show.
Idempotent."""

from __future__ import annotations

from .facts import facts_refresh
from .indicators import ensure_default


def seed(stdout=None) -> None:
    ensure_default()
    facts_refresh()
    if stdout is not None:
        stdout.write("  bộ chỉ số QĐ 766, dữ kiện hồ sơ")
