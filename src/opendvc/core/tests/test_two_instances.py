"""Two instances of the portal (two gunicorn masters on two ports, one worker each, as on two
machines) against one database and one Redis, driven alternately: a session opened on one is
honoured by the other, request limits add up across both, a cache invalidation is seen by both,
and dossier codes allocated by both at once never collide. No process-local state that matters."""

from __future__ import annotations

import itertools
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from .served import (
    Browser,
    database_copy,
    free_port,
    manage,
    server_env,
    start_gunicorn,
    stop,
    wait_ready,
)

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.django_db]

CODE = "1.008888"
PASSWORD = "Mat-khau-dai-2026"
SETUP = f"""
from opendvc.accounts.models import User
from opendvc.agencies import demo
from opendvc.api.services import api_token_create
from opendvc.dossiers.tests.conftest import make_procedure
demo.seed()
make_procedure(code="{CODE}", components=(("Giấy tờ khác", False),))
u = User.objects.create_user(email="hai-may@example.vn", password="{PASSWORD}", full_name="Lê Thị Hai")
print(api_token_create(owner=u, name="t", scopes=["*"])[1])
"""
PUBLISH = """
from opendvc.dossiers.tests.conftest import make_procedure
make_procedure(code="1.008889")
"""


@pytest.fixture(scope="module")
def instances(django_db_setup, django_db_blocker, tmp_path_factory, redis_url):
    tmp = tmp_path_factory.mktemp("two-instances")
    prefix = uuid.uuid4().hex
    with django_db_blocker.unblock(), database_copy(tmp, suffix="two") as url:
        env = server_env(
            url,
            tmp,
            REDIS_URL=redis_url,
            CACHE_KEY_PREFIX=prefix,
            CELERY_TASK_ALWAYS_EAGER="true",
            TRUSTED_PROXY_COUNT="1",
            DOSSIER_LOOKUP_RATE_PER_MINUTE="4",
            DOSSIER_LOOKUP_RATE_WINDOW_SECONDS=str(365 * 24 * 3600),
            CATALOG_CACHE_SECONDS="600",
        )
        # The instances boot (import, warm-up) while the data is made: neither needs the other.
        ports = [free_port(), free_port()]
        procs = [start_gunicorn(env, port, workers=1) for port in ports]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            token = manage(env, "shell", "-c", SETUP).strip().splitlines()[-1]
            for base, proc in zip(bases, procs, strict=True):
                wait_ready(base, proc)
            yield {"bases": bases, "token": token, "env": env}
        finally:
            for proc in procs:
                stop(proc)
            import redis

            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(f"*{prefix}*"))
            if keys:
                client.delete(*keys)


def _on(browser: Browser, base: str) -> Browser:
    """The same browser (cookies and address) talking to another instance."""
    browser.base = base
    return browser


def test_a_session_opened_on_one_instance_continues_on_the_other(instances):
    a, b = instances["bases"]
    browser = Browser(a, "10.20.0.1")
    browser.request("GET", "/tai-khoan/login/")
    r = browser.request(
        "POST", "/tai-khoan/login/", form={"login": "hai-may@example.vn", "password": PASSWORD}
    )
    assert r.status_code == 302, r.text[:300]
    page = _on(browser, b).request("GET", "/ca-nhan/")
    assert page.status_code == 200 and "Lê Thị Hai" in page.text
    # A form whose CSRF token came from B is accepted by A, and signing out on A ends the session on B.
    _on(browser, b).request("GET", "/tai-khoan/logout/")
    assert _on(browser, a).request("POST", "/tai-khoan/logout/", form={}).status_code == 302
    assert _on(browser, b).request("GET", "/ca-nhan/").status_code == 302


def test_request_limits_add_up_across_instances(instances):
    bases = itertools.cycle(instances["bases"])
    codes = [
        Browser(next(bases), "10.20.0.2")
        .request("GET", "/tra-cuu/?ma=000.00.32.H19-260101-0001&khoa=SAI")
        .status_code
        for _ in range(8)
    ]
    # 4 per window for the address, wherever the requests land.
    assert codes.count(429) == 4 and codes[:4].count(429) == 0, codes


def test_a_cache_invalidation_is_seen_by_both_instances(instances):
    a, b = instances["bases"]
    path, link = "/thu-tuc/?q=1.008889", 'href="/thu-tuc/1.008889/"'
    for base in (a, b):
        page = Browser(base).request("GET", path)
        assert page.status_code == 200 and link not in page.text
    # Published elsewhere (a third process): the catalog revision changes in the shared cache, so
    # neither instance answers from its cached, stale result.
    manage(instances["env"], "shell", "-c", PUBLISH)
    for base in (a, b):
        assert link in Browser(base).request("GET", path).text


def test_dossier_codes_allocated_by_both_instances_are_unique(instances):
    bases = instances["bases"]
    headers = {"Authorization": f"Bearer {instances['token']}"}

    def file(i):
        return Browser(bases[i % 2], "10.20.0.3").request(
            "POST",
            "/api/v1/dossiers",
            json_body={"procedure": CODE, "submit": True, "declaration": True},
            headers=headers,
        )

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(file, range(12)))
    assert [r.status_code for r in results] == [201] * 12, [
        r.text[:200] for r in results if r.status_code != 201
    ]
    codes = [r.json()["code"] for r in results]
    assert all(codes) and len(set(codes)) == 12, codes
