"""Absolute links in mail, QR codes and invitations follow PORTAL_BASE_URL, or in development the
address being served."""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from opendvc.core.links import CurrentRequestMiddleware, absolute_url, portal_base_url


def _within_request(host: str, func, *, secure: bool = False):
    """Run ``func`` while the middleware serves a request for ``host``; return what it returned."""
    seen = {}

    def view(request):
        seen["value"] = func()
        from django.http import HttpResponse

        return HttpResponse()

    request = RequestFactory().get("/", HTTP_HOST=host, secure=secure)
    CurrentRequestMiddleware(view)(request)
    return seen["value"]


@pytest.mark.parametrize("base", ["https://dichvucong.dongnai.gov.vn", "https://dvc.example.vn/"])
def test_configured_base_url_wins_over_the_request(settings, base):
    settings.PORTAL_BASE_URL = base
    url = _within_request("127.0.0.1:8123", lambda: absolute_url("dossiers:lookup"))
    assert url == base.rstrip("/") + reverse("dossiers:lookup")


@pytest.mark.parametrize(
    ("host", "secure", "expected"),
    [
        ("127.0.0.1:8123", False, "http://127.0.0.1:8123"),
        ("localhost:9000", False, "http://localhost:9000"),
        ("127.0.0.1", True, "https://127.0.0.1"),
    ],
)
def test_unset_base_url_follows_the_served_address(settings, host, secure, expected):
    settings.PORTAL_BASE_URL = ""
    assert _within_request(host, portal_base_url, secure=secure) == expected


def test_unset_base_url_outside_a_request_is_the_runserver_default(settings):
    settings.PORTAL_BASE_URL = ""
    assert portal_base_url() == "http://127.0.0.1:8000"


def test_a_disallowed_host_is_never_used_for_links(settings):
    settings.PORTAL_BASE_URL = ""
    assert _within_request("attacker.example", portal_base_url) == "http://127.0.0.1:8000"


def test_names_paths_and_queries(settings):
    settings.PORTAL_BASE_URL = "https://dvc.example.vn/"
    public_id = "8e0c2f8e-5b7a-4a4e-9a51-0d6c1f2d1a10"
    assert absolute_url("dossiers:mine_detail", args=[public_id]) == (
        "https://dvc.example.vn" + reverse("dossiers:mine_detail", args=[public_id])
    )
    assert absolute_url("/to-khai/") == "https://dvc.example.vn/to-khai/"
    assert absolute_url("dossiers:inbox", query={"han": "qua-han", "co-quan": 7}) == (
        "https://dvc.example.vn" + reverse("dossiers:inbox") + "?han=qua-han&co-quan=7"
    )
    assert absolute_url("/tra-cuu/?a=1", query={"ma": "000.00.32.H19-261201-0001"}) == (
        "https://dvc.example.vn/tra-cuu/?a=1&ma=000.00.32.H19-261201-0001"
    )
    with pytest.raises(ValueError):
        absolute_url("/tra-cuu/", args=[1])


@pytest.mark.parametrize("host", ["127.0.0.1:8123", "localhost:8765"])
def test_receipt_qr_and_survey_links_follow_the_served_address(settings, host):
    from opendvc.dossiers.documents import lookup_url
    from opendvc.surveys.services import survey_link

    settings.PORTAL_BASE_URL = ""
    dossier = SimpleNamespace(code="000.00.32.H19-261201-0007")
    qr = _within_request(host, lambda: lookup_url(dossier, "k3y"))
    assert qr == f"http://{host}/tra-cuu/?ma=000.00.32.H19-261201-0007&khoa=k3y"
    invitation = SimpleNamespace(token="abc123")
    assert _within_request(host, lambda: survey_link(invitation)) == (
        f"http://{host}" + reverse("surveys:answer", args=["abc123"])
    )


# A real commit: the mail is queued on commit, inside the request, as when the portal serves it.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("host", ["127.0.0.1:8123", "localhost:8765"])
def test_acknowledgement_mail_links_to_the_address_the_form_was_sent_to(client, settings, host, eager_tasks):
    from opendvc.accounts.tests.factories import AgencyFactory, TierFactory

    settings.PORTAL_BASE_URL = ""
    AgencyFactory(code="000.00.00.H19", name="UBND tỉnh Đồng Nai", tier=TierFactory())
    data = {
        "kind": "complaint",
        "subject": "Chậm trả kết quả",
        "content": "Hồ sơ bị chậm 5 ngày.",
        "sender_name": "Đỗ Thị H",
        "sender_phone": "0901234567",
        "sender_email": "h@example.vn",
        "website": "",
    }
    response = client.post(reverse("feedback:submit"), data, HTTP_HOST=host)
    assert response.status_code == 302
    [message] = [m for m in mail.outbox if "h@example.vn" in m.to]
    assert f"http://{host}/phan-anh-kien-nghi/" in message.body
    assert "127.0.0.1:8000" not in message.body
