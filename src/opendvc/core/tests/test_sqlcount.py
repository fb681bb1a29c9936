"""How many SQL statements the busiest requests run: a regression in the count fails here.

Counts, not timings: each budget is the number measured when it was set. ``bench/bench_http.py`` reports the
same counts over HTTP (``X-SQL-Count``, from ``opendvc.core.sqlcount``).
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opendvc.dossiers.tests.conftest import (
    JUSTICE,
    make_procedure,
    sign_in,
    staff,
    submitted_dossier,
)

# The catalog page with facets, result cache off: the matching set, the ranking and every facet count come
# from the process's search index (catalog/index.py); the database reads the page's rows.
CATALOG_PAGE = 1
# The same page with results cached: none.
CATALOG_PAGE_CACHED = 0
# The procedure page, cached per revision: nothing for a visitor; the session and user when signed in.
PROCEDURE_PAGE_UNCACHED = 10
PROCEDURE_PAGE_CACHED = 0
HOME = 0
# A submission without files: the token, the procedure with its e-form, its agency and components, the
# retry check, the code's counter, the dossier (inserted already submitted), its event, the audit entry
# (the chain head locked, then the entry and the head in one statement on PostgreSQL; SQLite one more),
# the notices and their log, the idempotency record. Over HTTP (``X-SQL-Count``) with Redis as the cache
# that is the whole count: no savepoint, BEGIN and COMMIT are not statements of a cursor. The in-process
# count below has one more: the bearer tokens' failure counter, in the database without Redis.
SUBMISSION = 14
SUBMISSION_OVER_HTTP = 13
# The officer inbox's first page: session, user, roles with TOTP, and the page with its capped count in
# one statement (the agency list comes from the roles). With Redis the session is read from the cache.
INBOX = 4
INBOX_CACHED_SESSION = 3
# The officer's dossier page (a dossier just filed, with its files): session, user, roles with TOTP, the
# dossier, the access log entry, the procedure version (the receive card's appointment), events,
# documents, files, the form's version, the registry fetches, the linked parts, the two payment checks
# and the postal orders. With Redis the session is read from the cache.
OFFICE_DOSSIER = 15
# The public lookup: the dossier, its steps (one statement however many). Without Redis the lookup's
# rate counter is one more (in the database), not counted here.
PUBLIC_LOOKUP = 2


# Transaction control differs between engines and with the test's own transaction (an outer block is
# a savepoint here, BEGIN/COMMIT in production): the budgets count the statements that do the work.
CONTROL = (
    "SAVEPOINT",
    "RELEASE SAVEPOINT",
    "ROLLBACK TO SAVEPOINT",
    "BEGIN",
    "COMMIT",
    "SET LOCAL",
)


def statements(client, method: str, path: str, **kwargs) -> tuple[int, object, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(path, **kwargs)
    sql = [
        q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith(CONTROL)
    ]
    return len(sql), response, sql


@pytest.fixture
def catalog(db):
    from opendvc.agencies import demo as agencies_demo
    from opendvc.catalog import demo

    agencies_demo.seed()
    demo.seed()


@pytest.mark.parametrize(
    "query",
    [
        {"q": "dang ky khai sinh"},
        {"q": "ho tich", "tier": "xa"},
        {"q": "dang ky", "level": "3", "method": "online"},
        {},
    ],
)
def test_catalog_page_with_facets(client, catalog, settings, query):
    settings.CATALOG_CACHE_SECONDS = 0  # every request searches (in the index)
    client.get("/thu-tuc/", data=query)  # filter codes, the revision and the index
    n, response, sql = statements(client, "get", "/thu-tuc/", data=query)
    assert response.status_code == 200
    assert n <= CATALOG_PAGE, sql
    searching = [
        s
        for s in sql
        if "search_prefixes" in s or "catalog_procedure_fts" in s or "search_doc" in s
    ]
    assert searching == [], searching


def test_catalog_page_cached(client, catalog):
    client.get("/thu-tuc/", data={"q": "ho tich", "tier": "xa"})
    n, response, sql = statements(client, "get", "/thu-tuc/", data={"q": "ho tich", "tier": "xa"})
    assert response.status_code == 200 and n <= CATALOG_PAGE_CACHED, sql


def test_procedure_page_and_home(client, catalog):
    n, response, sql = statements(client, "get", "/thu-tuc/1.001193/")
    assert response.status_code == 200 and n <= PROCEDURE_PAGE_UNCACHED, sql
    n, response, sql = statements(client, "get", "/thu-tuc/1.001193/")
    assert response.status_code == 200 and n <= PROCEDURE_PAGE_CACHED, sql
    client.get("/")
    n, response, sql = statements(client, "get", "/")
    assert response.status_code == 200 and n <= HOME, sql


def test_submission_over_the_api(client, db):
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies import demo as agencies_demo
    from opendvc.api.services import api_token_create

    agencies_demo.seed()
    procedure = make_procedure(components=(("Giấy tờ khác", False),))
    citizen = UserFactory()
    token = api_token_create(owner=citizen, name="t", scopes=["*"])[1]
    body = {
        "procedure": procedure.code,
        "agency": JUSTICE,
        "data": {},
        "files": [],
        "submit": True,
        "declaration": True,
    }
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.post(
        "/api/v1/dossiers",
        data=body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        **headers,
    )
    n, r, sql = statements(
        client,
        "post",
        "/api/v1/dossiers",
        data=body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        **headers,
    )
    assert r.status_code == 201, r.content
    # SQLite writes the audit entry and moves the chain head in two statements.
    assert n <= SUBMISSION + (connection.vendor != "postgresql"), "\n".join(s[:160] for s in sql)


@pytest.mark.django_db(transaction=True)
def test_submission_counted_as_over_http(client, settings):
    """``X-SQL-Count`` itself (``core.sqlcount``, the first middleware) in a real transaction, not the
    test's: savepoints count, BEGIN and COMMIT are not a cursor's statements, the mail queued after the
    response is not the request's. The test cache is not Redis: the bearer tokens' failure counter is
    read from the database here (one statement the deployed portal reads from Redis)."""
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies import demo as agencies_demo
    from opendvc.api.services import api_token_create
    from opendvc.core.sqlcount import HEADER

    settings.MIDDLEWARE = ["opendvc.core.sqlcount.SqlCountMiddleware", *settings.MIDDLEWARE]
    agencies_demo.seed()
    procedure = make_procedure(components=(("Giấy tờ khác", False),))
    token = api_token_create(owner=UserFactory(), name="t", scopes=["*"])[1]
    body = {"procedure": procedure.code, "agency": JUSTICE, "submit": True, "declaration": True}

    def post():
        return client.post("/api/v1/dossiers", data=body, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex, HTTP_AUTHORIZATION=f"Bearer {token}")

    post()
    with CaptureQueriesContext(connection) as ctx:
        r = post()
    assert r.status_code == 201, r.content
    # SQLite: the audit entry and its head in two statements, and BEGIN IMMEDIATE and COMMIT are sent
    # as statements.
    budget = SUBMISSION_OVER_HTTP + 1 + (0 if connection.vendor == "postgresql" else 3)
    assert int(r[HEADER]) <= budget, "\n".join(q["sql"][:160] for q in ctx.captured_queries)
    assert not any(q["sql"].startswith(("SAVEPOINT", "RELEASE")) for q in ctx.captured_queries)


@pytest.mark.parametrize(
    ("engine", "budget"),
    [
        ("django.contrib.sessions.backends.db", INBOX),
        ("django.contrib.sessions.backends.cached_db", INBOX_CACHED_SESSION),
    ],
)
def test_officer_inbox_first_page(client, db, settings, engine, budget):
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies import demo as agencies_demo

    settings.SESSION_ENGINE = engine
    agencies_demo.seed()
    procedure = make_procedure()
    citizen = UserFactory()
    for _ in range(26):  # a full page and a next one
        submitted_dossier(procedure, citizen)
    sign_in(client, staff("receiving_officer"))
    client.get("/mot-cua/ho-so/")
    n, r, sql = statements(client, "get", "/mot-cua/ho-so/")
    assert r.status_code == 200 and r.content.count(b"/mot-cua/ho-so/") >= 25
    assert n <= budget, sql


def test_officer_dossier_page(client, db, settings):
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies import demo as agencies_demo

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    agencies_demo.seed()
    dossier = submitted_dossier(make_procedure(), UserFactory())
    sign_in(client, staff("receiving_officer"))
    path = f"/mot-cua/ho-so/{dossier.code}/"
    client.get(path)
    n, r, sql = statements(client, "get", path)
    assert r.status_code == 200 and dossier.code.encode() in r.content
    assert n <= OFFICE_DOSSIER, "\n".join(s[:160] for s in sql)


def test_public_lookup_reads_the_steps_in_one_statement(client, db):
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies import demo as agencies_demo
    from opendvc.dossiers import services
    from opendvc.dossiers.documents import lookup_key_of

    agencies_demo.seed()
    dossier = submitted_dossier(make_procedure(), UserFactory())
    dossier = services.dossier_act(dossier=dossier, action="receive", actor=staff("receiving_officer"))
    path = f"/tra-cuu/?ma={dossier.code}&khoa={lookup_key_of(dossier)}"
    client.get(path)
    _n, r, sql = statements(client, "get", path)
    sql = [s for s in sql if "core_ratecounter" not in s]
    assert r.status_code == 200 and r.content.count(b"<li>") >= 2  # submitted, received
    assert len(sql) <= PUBLIC_LOOKUP, "\n".join(s[:160] for s in sql)


def test_submission_without_agency_reads_the_procedures_only_agency_in_one_statement(client, db):
    """Without ``agency`` in the request, the only active agency named on the procedure receives it:
    read with the submission's other reads, within the same budget as a request that names it."""
    from opendvc.accounts.tests.factories import UserFactory
    from opendvc.agencies import demo as agencies_demo
    from opendvc.api.services import api_token_create

    agencies_demo.seed()
    procedure = make_procedure(components=(("Giấy tờ khác", False),))
    token = api_token_create(owner=UserFactory(), name="t", scopes=["*"])[1]
    body = {"procedure": procedure.code, "submit": True, "declaration": True}

    def post():
        return statements(client, "post", "/api/v1/dossiers", data=body, content_type="application/json",
                          HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex, HTTP_AUTHORIZATION=f"Bearer {token}")

    post()
    n, r, sql = post()
    assert r.status_code == 201, r.content
    assert r.json()["agency"] == JUSTICE
    assert n <= SUBMISSION + (connection.vendor != "postgresql"), "\n".join(s[:160] for s in sql)
