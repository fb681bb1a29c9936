"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium), with axe for accessibility."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import browser, new_page  # noqa: F401 - re-exported for test modules that import them

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "var" / "e2e"


def pytest_collection_modifyitems(items):
    here = Path(__file__).resolve().parent
    for item in items:
        # This folder, not any path with "e2e" in it (a checkout may itself live under one).
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page) -> list[dict]:
    """axe-core run on the page; returns the serious and critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]
