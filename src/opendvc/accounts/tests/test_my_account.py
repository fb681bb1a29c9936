import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from opendvc.accounts import services
from opendvc.accounts.models import DeletionRequest, PersonProfile, User, UserSession
from opendvc.audit.models import AuditEntry

from .factories import PASSWORD, StaffRoleFactory


def _login(user) -> Client:
    c = Client()
    r = c.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert r.status_code == 302
    return c


@pytest.mark.django_db
def test_sessions_and_sign_out_elsewhere(citizen):
    a, b = _login(citizen), _login(citizen)
    assert UserSession.objects.filter(user=citizen).count() == 2
    r = a.get(reverse("accounts:sessions"))
    assert "Phiên hiện tại" in r.content.decode() and "Phiên khác" in r.content.decode()
    r = a.post(reverse("accounts:sessions"))
    assert r.status_code == 302
    assert UserSession.objects.filter(user=citizen).count() == 1
    assert b.get(reverse("accounts:profile")).status_code == 302  # signed out
    assert a.get(reverse("accounts:profile")).status_code == 200
    assert Session.objects.count() == 1
    assert AuditEntry.objects.filter(action="accounts.sessions_ended").exists()


@pytest.mark.django_db
def test_signing_out_elsewhere_tells_how_many_in_the_pages_language(citizen):
    """The message counted sessions without number agreement in English ("Signed out 1 other
    sessions.") and told of signing out 0 sessions when there was none."""
    a, _b = _login(citizen), _login(citizen)
    a.cookies["django_language"] = "en"
    page = a.post(reverse("accounts:sessions"), follow=True).content.decode()
    assert "Signed out 1 other session." in page
    page = a.post(reverse("accounts:sessions"), follow=True).content.decode()
    assert "There is no other session to sign out." in page and "Signed out 0" not in page
    a.cookies["django_language"] = "vi"
    page = a.post(reverse("accounts:sessions"), follow=True).content.decode()
    assert "Không có phiên đăng nhập nào khác để đăng xuất." in page


@pytest.mark.django_db
def test_logout_forgets_session(citizen):
    c = _login(citizen)
    c.post(reverse("account_logout"))
    assert not UserSession.objects.filter(user=citizen).exists()


@pytest.mark.django_db
def test_data_export(citizen_client, citizen):
    services.update_profile(
        user=citizen,
        actor=citizen,
        data={
            "full_name": "Võ Văn Em",
            "date_of_birth": "01/01/1990",
            "gender": "male",
            "cccd": "075090123456",
        },
    )
    r = citizen_client.get(reverse("accounts:data_export"))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    data = json.loads(r.content)
    assert data["profile"]["cccd"] == "075090123456" and data["account"]["email"] == citizen.email


@pytest.mark.django_db
def test_deletion_request_and_handling(citizen_client, citizen):
    r = citizen_client.post(reverse("accounts:deletion"), {"reason": "Không dùng nữa"})
    assert r.status_code == 422 and "Vui lòng xác nhận" in r.content.decode()
    assert "Không dùng nữa" in r.content.decode()
    assert not DeletionRequest.objects.exists()
    r = citizen_client.post(
        reverse("accounts:deletion"), {"reason": "Không dùng nữa", "confirm": "on"}
    )
    assert r.status_code == 302
    dr = DeletionRequest.objects.get()
    with pytest.raises(Exception):  # noqa: B017  one pending request at a time
        services.request_account_deletion(user=citizen)
    admin = StaffRoleFactory(role="administrator").user
    officer = StaffRoleFactory(role="receiving_officer").user
    with pytest.raises(Exception):  # noqa: B017
        services.handle_deletion_request(actor=officer, deletion_request=dr, approve=True)
    PersonProfile.objects.create(user=citizen)
    services.handle_deletion_request(
        actor=admin, deletion_request=dr, approve=True, note="Đã kiểm tra"
    )
    citizen = User.objects.get(pk=citizen.pk)
    assert not citizen.is_active and citizen.email.endswith("@deleted.invalid")
    assert not PersonProfile.objects.filter(user=citizen).exists()
    assert DeletionRequest.objects.get().status == "done"


@pytest.mark.django_db
def test_expired_sessions_hidden_and_pruned(citizen):
    from opendvc.accounts.jobs import prune_sessions
    from opendvc.accounts.selectors import sessions_of

    a, b = _login(citizen), _login(citizen)
    assert len(sessions_of(citizen)) == 2
    Session.objects.filter(
        session_key=b.session.session_key
    ).delete()  # expired / cleared elsewhere
    assert [s.session_key for s in sessions_of(citizen)] == [a.session.session_key]
    assert prune_sessions() == 1
    assert UserSession.objects.filter(user=citizen).count() == 1


@pytest.mark.django_db
def test_behind_the_reverse_proxy_the_session_and_the_audit_keep_the_clients_address(
    citizen, settings
):
    """Deployed behind nginx (one trusted proxy), ``REMOTE_ADDR`` is the proxy's own address: the
    sessions page and the audit trail keep the client's, as the request limits count it. A forwarding
    header sent without a trusted proxy is not believed."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    c = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert (
        c.post(reverse("account_login"), {"login": citizen.email, "password": PASSWORD}).status_code
        == 302
    )
    assert list(UserSession.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]
    c.post(reverse("accounts:sessions"))
    entry = AuditEntry.objects.filter(action="accounts.sessions_ended").get()
    assert entry.ip_address == "203.0.113.7"

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    _login(citizen)  # the test client's own address, 127.0.0.1
    c = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    c.post(reverse("account_login"), {"login": citizen.email, "password": PASSWORD})
    assert set(UserSession.objects.values_list("ip_address", flat=True)) == {
        "203.0.113.7",
        "127.0.0.1",
        "10.0.0.2",
    }
