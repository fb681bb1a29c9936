"""The Content-Security-Policy header: the configured policy's text is kept per process and is what
django-csp builds; per-response policies, nonces, exemptions and excluded prefixes behave as
django-csp's own middleware."""

from __future__ import annotations

import pytest
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from opendvc.core.middleware import KeptPolicyCSPMiddleware

HEADER = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"


def _respond(response=None, *, path="/", nonce=False, middleware=KeptPolicyCSPMiddleware):
    request = RequestFactory().get(path)
    made = response if response is not None else HttpResponse("ok")
    mw = middleware(lambda request: made)
    mw.process_request(request)
    if nonce:
        str(request.csp_nonce)  # a page that printed the nonce
    return mw.process_response(request, made), request


@pytest.mark.django_db
def test_the_header_is_django_csps_policy_for_pages_and_the_api(client):
    for path in ("/", "/api/v1/ping"):
        response = client.get(path)
        assert response[HEADER] == build_policy()
        assert "default-src 'self'" in response[HEADER]
        assert REPORT_ONLY not in response


def test_a_changed_setting_changes_the_header():
    first, _ = _respond()
    assert first[HEADER] == build_policy()
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "https://anh.example"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy):
        changed, _ = _respond()
        assert "https://anh.example" in changed[HEADER]
        assert changed[REPORT_ONLY] == build_policy(report_only=True)
    again, _ = _respond()
    assert again[HEADER] == first[HEADER] and REPORT_ONLY not in again


@pytest.mark.parametrize(
    "attribute, value",
    [
        ("_csp_update", {"img-src": ["https://cap-nhat.example"]}),
        ("_csp_replace", {"img-src": ["https://cap-nhat.example"]}),
        ("_csp_config", {"default-src": ["'self'"], "img-src": ["https://cap-nhat.example"]}),
    ],
)
def test_a_views_own_policy_is_applied_as_django_csp_does(attribute, value):
    ours = HttpResponse("ok")
    setattr(ours, attribute, value)
    theirs = HttpResponse("ok")
    setattr(theirs, attribute, value)
    got, _ = _respond(ours)
    expected, _ = _respond(theirs, middleware=CSPMiddleware)
    assert "https://cap-nhat.example" in got[HEADER]
    assert got[HEADER] == expected[HEADER]


def test_a_nonce_used_by_the_page_is_in_the_header():
    from csp.constants import NONCE

    policy = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        response, request = _respond(nonce=True)
        assert f"'nonce-{request._csp_nonce}'" in response[HEADER]
        unused, _ = _respond()
        assert "nonce-" not in unused[HEADER] and unused[HEADER] == build_policy()


def test_a_nonce_asked_after_the_header_is_an_error():
    from csp.exceptions import CSPNonceError

    _response, request = _respond()
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_exempt_already_set_and_excluded_responses_keep_their_own():
    exempt = HttpResponse("ok")
    exempt._csp_exempt = True
    assert HEADER not in _respond(exempt)[0]
    own = HttpResponse("ok")
    own[HEADER] = "sandbox"
    assert _respond(own)[0][HEADER] == "sandbox"
    policy = {"EXCLUDE_URL_PREFIXES": ["/ngoai-le/"], "DIRECTIVES": {"default-src": ["'self'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert HEADER not in _respond(path="/ngoai-le/trang")[0]
        assert _respond(path="/thu-tuc/")[0][HEADER] == "default-src 'self'"


@override_settings(DEBUG=True)
def test_debug_404_pages_get_no_header_as_with_django_csp():
    response, _ = _respond(HttpResponse("not found", status=404))
    assert HEADER not in response
