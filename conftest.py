"""Suite-wide fixtures: engine detection, real-service gates, and no files left behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Playwright's sync API runs an event loop in the test thread; the ORM calls that browser tests and
# their fixtures make there are safe, so Django's async-safety guard is lifted for the test process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The property tests check rules, not speed: on two cores shared by the suite's workers, the browser
# and the servers the tests start, one example can take longer than Hypothesis's default 200 ms
# deadline, which failed a test at random. Examples have no deadline (a test may still set its own).
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")


def pytest_collection_modifyitems(config, items):
    """A test that asks for PostgreSQL is marked ``postgres``, so an SQLite run can leave it out; one
    that drives the browser is marked ``e2e``, so ``make e2e`` runs every browser test of the suite."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "postgres_db" in fixtures:
            item.add_marker(pytest.mark.postgres)
        if "browser" in fixtures or "new_page" in fixtures:
            item.add_marker(pytest.mark.e2e)


def require_service(name: str, reason: str) -> None:
    """Skip visibly on a developer machine; fail in CI, where every real service must be there."""
    message = f"{name} unavailable: {reason}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: production-path tests may not be skipped)")
    pytest.skip(message)


@pytest.fixture
def postgres_db(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "tests run on SQLite (set DATABASE_URL=postgres://… to run them)")
    return connection


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL the audit table refuses TRUNCATE unless the session allows it; test teardown
    empties tables with TRUNCATE, so the test databases (never a real one) allow it."""
    from django.db import connections

    with django_db_blocker.unblock():
        for conn in connections.all():
            if conn.vendor == "postgresql":
                name = conn.ops.quote_name(conn.settings_dict["NAME"])
                with conn.cursor() as cursor:
                    cursor.execute(f"ALTER DATABASE {name} SET opendvc.audit_truncate = 'allow'")
                    cursor.execute("SET opendvc.audit_truncate = 'allow'")
    yield


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        require_service("Redis", f"{url}: {exc}")
    return url


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test gets its own media folder and audit checkpoint folder, removed afterwards (a
    checkpoint signed in one test would not match the chain of the next)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _replayed_seeds():
    """The shipped agencies, catalog and e-forms are seeded by a hundred tests: each process runs the real seeds
    once and then replays their rows (``opendvc.core.testing``), whenever the database is in the same
    state as before the recorded run."""
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo as catalog_demo
    from opendvc.catalog.services import bump_revision
    from opendvc.core.testing import replayed
    from opendvc.eforms import demo as eforms_demo

    real = agencies_demo.seed, catalog_demo.seed, eforms_demo.seed
    # The agencies' seed too, though it is cheap: on PostgreSQL a rolled-back test does not give its
    # sequence values back, so the real seed would write the agencies under new keys in every test,
    # and the catalog's seed after it would never find the state it was recorded in.
    agencies_demo.seed = replayed(agencies_demo.seed)
    catalog_demo.seed = replayed(catalog_demo.seed, after=bump_revision)
    eforms_demo.seed = replayed(eforms_demo.seed)
    yield
    agencies_demo.seed, catalog_demo.seed, eforms_demo.seed = real


@pytest.fixture(autouse=True)
def _portal_language():
    """Each test starts in the portal's language (Vietnamese), whatever the test before it activated in
    the same worker (a request in English leaves English active in the thread)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_identifier_keys():
    """Form versions are rolled back between tests and their ids reused with other definitions: the
    cache of each version's identifier fields (immutable versions in production) starts empty."""
    from opendvc.eforms.sealing import identifier_keys

    identifier_keys.cache_clear()
    yield
    identifier_keys.cache_clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _live_server_work_done(request):
    """A live server runs in this process: the work it does after a response (documents' PDFs, mail)
    finishes before the test's data is removed."""
    yield
    if "live_server" in request.fixturenames:
        from opendvc.core.after_response import wait_idle

        wait_idle(60)


def pytest_sessionfinish(session, exitstatus):
    tmp = os.environ.get("OPENDVC_TEST_TMP")
    if tmp and Path(tmp).exists():
        shutil.rmtree(tmp, ignore_errors=True)


def _var_snapshot() -> set[str]:
    var = Path(__file__).resolve().parent / "var"
    if not var.exists():
        return set()
    skip = {var / "e2e"}  # screenshots of the browser tests are kept on purpose
    return {
        str(p.relative_to(var))
        for p in var.rglob("*")
        if p.is_file() and not any(s in p.parents for s in skip) and not p.name.startswith("opendvc.sqlite3")
    }


@pytest.fixture(scope="session", autouse=True)
def _no_files_left_behind():
    """Tests write only to temporary folders: nothing new may appear under var/ (media, mail…)."""
    before = _var_snapshot()
    yield
    new = sorted(_var_snapshot() - before)
    assert not new, f"tests left files behind under var/: {new[:10]}"


# --- Browser ----------------------------------------------------------------------------------
# Debian's Chromium, never a browser downloaded by a test tool.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_missing_reason() -> str:
    """Why no browser test can run here ("" when Chromium is installed)."""
    return "" if Path(CHROMIUM).exists() else f"Chromium not found at {CHROMIUM} (apt-get install chromium)"


def launch_chromium(playwright):
    """Launch headless Chromium from the system package; skip (or fail in CI) when it is missing."""
    reason = chromium_missing_reason()
    if reason:
        playwright.stop()
        require_service("Chromium", reason)
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture
def browser():
    """A headless Chromium for one test. Each test starts and stops its own Playwright: two live
    sync Playwright instances in one process refuse to run, so none may outlive its test."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = launch_chromium(playwright)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def new_page(browser):
    """``new_page(width)`` -> a fresh page in its own context at that viewport width."""
    contexts = []

    def make(width: int = 1280, height: int = 800, locale: str = "vi-VN"):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


# --- Browser tests written as one module of journeys ---------------------------------------------
WCAG_AA = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
}


def browser_module_marks() -> list:
    """``pytestmark`` of a module of browser journeys on a live server: marked ``e2e``, skipped
    before any database is set up when no Chromium is installed (failing instead in CI)."""
    reason = "" if IN_CI else chromium_missing_reason()
    return [
        pytest.mark.e2e,
        pytest.mark.skipif(bool(reason), reason=reason),
        pytest.mark.django_db(transaction=True),
    ]


def assert_page_accessible(page) -> None:
    """No WCAG 2.1 A/AA violation (axe), nothing wider than the viewport, one ``h1``."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url
    assert page.locator("h1").count() == 1, page.url
