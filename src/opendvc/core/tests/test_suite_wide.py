"""Suite-wide guarantees: login everywhere but the public allow-list, migrations, OpenAPI in sync."""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[4]

# Route names (namespace:name) or path prefixes anyone may open without an account.
PUBLIC_NAMES = {
    "healthz",
    "set_language",
    "portal:home",
    "portal:about",
    "catalog:list",
    "catalog:search",
    "catalog:detail",
    "catalog:agency",
    "catalog:agencies",
    "catalog:form_download",
    "catalog:submit_info",
    # Feedback (Regulation Ch. III): anyone may file and track an item and read the public Q&A;
    # a survey link carries its own token.
    "feedback:submit",
    "feedback:thanks",
    "feedback:track",
    "feedback:track_file",
    "feedback:qa_list",
    "feedback:qa_detail",
    "feedback:qa_procedure",
    "surveys:answer",
    # Public lookup of a dossier by code and key; published results (Art. 4.8), no personal data.
    "dossiers:lookup",
    "dossiers:public_results",
    # The service status page (Regulation Art. 10.7): current incidents and the last 90 days.
    "ops:status",
    # Transparency (Regulation Art. 4.8): rates per agency and their CSV, no personal data.
    "reports:transparency",
    "reports:transparency_csv",
    # Payment gateways call the portal server to server (signed); the browser comes back from the
    # gateway (display only); anyone holding a receipt checks it through its QR code.
    "payments:confirmation",
    "payments:return",
    "payments:verify",
    # Linked procedures are catalog pages (Regulation Art. 5).
    "linked:catalog",
    "linked:bundle",
    # Verification of a signed result by upload or its QR code (Regulation Art. 4.7), throttled; a
    # document shared by its owner through a link that expires (Art. 6.2).
    "signing:verify",
    "vault:shared",
}
PUBLIC_PREFIXES = (
    "/api/v1/",  # the API answers 401 problem+json itself where it needs a caller (tested below)
    "/tai-khoan/",  # sign-up, login, password reset pages of the account system
    "/admin/",  # Django admin has its own login page
    "/static/",
    "/media/",
)


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield prefix + str(entry.pattern), name


def _sample_path(pattern: str) -> str:
    path = re.sub(
        r"<(?:(\w+):)?(\w+)>",
        lambda m: {"int": "1", "uuid": "00000000-0000-0000-0000-000000000000"}.get(
            m.group(1) or "", "x"
        ),
        pattern,
    )
    path = path.lstrip("^").rstrip("$").replace("\\Z", "")
    return "/" + path.lstrip("/")


def test_every_url_requires_login_unless_allow_listed(db):
    client = Client()
    checked, offenders = 0, []
    for pattern, name in _walk(get_resolver()):
        path = _sample_path(pattern)
        if "(" in path or "[" in path or path.startswith(PUBLIC_PREFIXES) or name in PUBLIC_NAMES:
            continue
        response = client.get(path)
        checked += 1
        if response.status_code not in {302, 401, 403, 404, 405} or (
            response.status_code == 302 and "/tai-khoan/login" not in response["Location"]
        ):
            offenders.append(f"{path} ({name}) -> {response.status_code}")
    assert checked > 0
    assert offenders == [], "open to anonymous visitors but not allow-listed: " + "; ".join(
        offenders
    )


def test_api_operations_need_a_caller_unless_public(db):
    from opendvc.api.main import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    public = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            if not op.get("security"):
                public.append(f"{method.upper()} {path}")
    # Public writes are only these, each throttled and carrying no account: filing feedback,
    # acting on one's own item through its tracking token, answering a survey through its token,
    # sending an attachment ahead of public feedback (checked, throttled, kept a day at most).
    public_writes = {
        "POST /api/v1/feedback/public",
        "POST /api/v1/feedback/files",
        "POST /api/v1/feedback/track/{token}/actions",
        "POST /api/v1/surveys/{token}/answer",
        # Verifying a signed result: throttled, reads the upload, stores nothing.
        "POST /api/v1/public/verifications",
        # The one-stop software's webhook: no account, each request signed with HMAC-SHA256.
        "POST /api/v1/integrations/onestop/events",
    }
    unexpected = [
        item for item in public if not item.startswith("GET ") and item not in public_writes
    ]
    assert unexpected == [], unexpected


def test_no_missing_migrations(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_committed_openapi_matches_the_code():
    out = StringIO()
    call_command("export_openapi", stdout=out)
    generated = json.loads(out.getvalue())
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == generated, "docs/openapi.json is stale: run `make openapi` and commit it"


def test_openapi_and_docs_are_served(db):
    client = Client()
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "OpenDVC API"
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize("url", ["/", "/gioi-thieu/"])
def test_public_pages_are_vietnamese_and_accessible_skeleton(db, url):
    html = Client().get(url).content.decode()
    assert '<html lang="vi">' in html
    assert html.count("<h1") == 1
    assert 'class="skip-link" href="#main"' in html
    assert "<main" in html and "<nav" in html and "<header" in html and "<footer" in html
    assert "Đồng Nai" in html


def test_language_switch_to_english(db):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to main content" in html and "Administrative procedures" in html


def test_vietnamese_first_whatever_the_browser_asks(db):
    html = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html and "Bỏ qua, đến nội dung chính" in html


def test_security_headers(db):
    response = Client().get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
