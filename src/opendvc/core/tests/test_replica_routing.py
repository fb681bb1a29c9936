"""Reads of public pages and reports go to the replica, writes and what follows a write to the
primary. Two real PostgreSQL databases: the primary and a "replica" copied from it, then made to
differ, so a page shows which one it read. The portal runs under gunicorn with both URLs set."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from conftest import require_service
from django.db import connection

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

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db]

CODE = "1.009999"
SETUP = f"""
from opendvc.agencies import demo
from opendvc.dossiers.tests.conftest import make_procedure
demo.seed()
make_procedure(code="{CODE}")
"""


def _pg(url: str):
    return psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True)


@pytest.fixture(scope="module")
def portal(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql":
        require_service(
            "PostgreSQL", "tests run on SQLite (set DATABASE_URL=postgres://… to run them)"
        )
    tmp = tmp_path_factory.mktemp("replica")
    with django_db_blocker.unblock(), database_copy(tmp, suffix="primary") as primary:
        env = server_env(primary, tmp, CATALOG_CACHE_SECONDS="0")
        manage(env, "shell", "-c", SETUP)
        primary_name = primary.rsplit("/", 1)[1]
        with database_copy(tmp, suffix="replica", source=primary_name) as replica:
            # From here on the two differ: each page says which one it read.
            for url, name in (
                (primary, "Khai sinh (CSDL-CHINH)"),
                (replica, "Khai sinh (CSDL-SAO)"),
            ):
                with _pg(url) as db:
                    db.execute(
                        "UPDATE catalog_procedure SET name = %s WHERE code = %s", (name, CODE)
                    )
            port = free_port()
            proc = start_gunicorn({**env, "DATABASE_REPLICA_URL": replica}, port, workers=1)
            base = f"http://127.0.0.1:{port}"
            try:
                wait_ready(base, proc)
                yield {"base": base, "primary": primary, "replica": replica, "env": env}
            finally:
                stop(proc)


PRIMARY, REPLICA = "CSDL-CHINH", "CSDL-SAO"


def test_public_pages_read_from_the_replica(portal):
    b = Browser(portal["base"])
    page = b.request("GET", f"/thu-tuc/{CODE}/")
    assert page.status_code == 200 and REPLICA in page.text and PRIMARY not in page.text
    api = b.request("GET", f"/api/v1/procedures/{CODE}")
    assert api.status_code == 200 and REPLICA in api.text
    # Sessions, tokens and the rest never come from the replica: the health check's database is
    # the primary, and it answers.
    assert b.request("GET", "/healthz").status_code == 200


def test_a_write_pins_the_browser_to_the_primary(portal):
    b = Browser(portal["base"], ip="10.9.0.1")
    before = {k: _count(portal[k]) for k in ("primary", "replica")}
    item = {
        "kind": "question",
        "subject": "Hỏi về lệ phí",
        "content": "Lệ phí cấp bản sao bao nhiêu?",
        "sender_name": "Trịnh Văn K",
        "sender_phone": "0934567890",
    }
    r = b.request("POST", "/api/v1/feedback/public", json_body=item)
    assert r.status_code == 201, r.text
    # The write went to the primary only.
    assert _count(portal["primary"]) == before["primary"] + 1
    assert _count(portal["replica"]) == before["replica"]
    # The same browser, right after its write, reads the primary (read-after-write)…
    assert any(c.name == "opendvc_primary" for c in b.jar)
    page = b.request("GET", f"/thu-tuc/{CODE}/")
    assert PRIMARY in page.text and REPLICA not in page.text
    # …while another browser still reads the replica.
    assert (
        REPLICA in Browser(portal["base"], ip="10.9.0.2").request("GET", f"/thu-tuc/{CODE}/").text
    )


def test_signed_in_users_read_from_the_primary(portal):
    email = f"nhanvien-{uuid.uuid4().hex[:6]}@example.vn"
    # The account exists on the primary only: signing in works because accounts and sessions are
    # never read from the replica.
    manage(
        portal["env"],
        "shell",
        "-c",
        f"from opendvc.accounts.models import User; User.objects.create_user(email='{email}', password='Mat-khau-dai-2026')",
    )
    b = Browser(portal["base"], ip="10.9.0.3")
    b.request("GET", "/tai-khoan/login/")
    r = b.request(
        "POST", "/tai-khoan/login/", form={"login": email, "password": "Mat-khau-dai-2026"}
    )
    assert r.status_code == 302, r.text[:500]
    # Drop the pin of the sign-in itself: being signed in is enough to read the primary.
    for cookie in list(b.jar):
        if cookie.name == "opendvc_primary":
            b.jar.clear(cookie.domain, cookie.path, cookie.name)
    page = b.request("GET", f"/thu-tuc/{CODE}/")
    assert PRIMARY in page.text and REPLICA not in page.text


def test_public_pages_stay_up_on_the_primary_when_the_replica_is_down(portal):
    """A replica that refuses connections (stopped, failing over): its reads go to the primary, the
    pages answer, and the health check of the primary stays green."""
    port = free_port()
    down = "postgres://postgres@127.0.0.1:1/opendvc_replica_down"
    proc = start_gunicorn({**portal["env"], "DATABASE_REPLICA_URL": down}, port, workers=1)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        b = Browser(base, ip="10.9.0.4")
        for _ in range(2):  # the first finds the replica down, the second does not try it again
            page = b.request("GET", f"/thu-tuc/{CODE}/")
            assert page.status_code == 200 and PRIMARY in page.text
        api = b.request("GET", f"/api/v1/procedures/{CODE}")
        assert api.status_code == 200 and PRIMARY in api.text
    finally:
        stop(proc)


def _count(url: str) -> int:
    with _pg(url) as db:
        return db.execute("SELECT COUNT(*) FROM feedback_feedback").fetchone()[0]
