"""Warm-up: the master resolves the URL configuration; the PDF engine is imported by each serving
process in the background, never before it answers."""

import os
import subprocess
import sys

from opendvc.core import warmup


def test_loading_the_application_leaves_the_pdf_engine_for_later():
    code = "import sys, opendvc.wsgi; print('weasyprint' in sys.modules)"
    env = {
        **os.environ,
        "OPENDVC_WARM_UP": "true",
        "DJANGO_SETTINGS_MODULE": "opendvc.settings.test",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_heavy_modules_are_imported_in_a_background_thread(settings):
    settings.WARM_UP_HOOKS = []
    thread = warmup.warm_up_heavy_in_background()
    assert thread.daemon
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert all(name in sys.modules for name in warmup.HEAVY_MODULES)


def test_the_warm_up_hooks_run_in_the_background_thread(settings):
    settings.WARM_UP_HOOKS = [
        "opendvc.core.tests.test_warmup.hook",
        "opendvc.core.tests.test_warmup.broken",
    ]
    HOOKED.clear()
    thread = warmup.warm_up_heavy_in_background()
    thread.join(timeout=120)
    assert HOOKED == ["ran"]


HOOKED: list[str] = []


def hook() -> None:
    HOOKED.append("ran")


def broken() -> None:
    raise RuntimeError("a failing hook is logged, never raised")
