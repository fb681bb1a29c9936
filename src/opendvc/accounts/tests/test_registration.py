"""Registration → verification → login → profile completion, in Vietnamese, with no personal data in logs."""

import logging
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from opendvc.accounts.models import PersonProfile, User
from opendvc.notifications.models import Notification

CCCD = "075090123456"
PHONE = "0912345678"


def _link(body: str) -> str:
    return re.search(r"https?://[^\s]+", body).group(0)


@pytest.mark.django_db
def test_full_registration_keeps_personal_data_out_of_logs(client, caplog):
    from django.db import connection

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # log every SQL statement with its parameters
    r = client.get(reverse("account_signup"))
    assert r.status_code == 200
    assert "Đăng ký tài khoản" in r.content.decode()
    r = client.post(
        reverse("account_signup"),
        {
            "full_name": "Nguyễn Văn An",
            "email": "an@example.vn",
            "password1": "Dich-vu-cong-2025",
            "password2": "Dich-vu-cong-2025",
        },
    )
    assert r.status_code == 302
    user = User.objects.get(email="an@example.vn")
    assert user.full_name == "Nguyễn Văn An"
    # the verification email (Vietnamese) and the welcome message
    verify = [m for m in mail.outbox if "Xác minh" in m.subject]
    assert len(verify) == 1
    assert Notification.objects.filter(recipient=user, template="welcome").exists()
    r = client.get(_link(verify[0].body))
    assert r.status_code == 200 and "Xác nhận địa chỉ email" in r.content.decode()
    r = client.post(_link(verify[0].body))
    assert r.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    r = client.post(
        reverse("account_login"), {"login": "an@example.vn", "password": "Dich-vu-cong-2025"}
    )
    assert r.status_code == 302
    bad = client.post(
        reverse("accounts:profile"),
        {
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "05/09/1991",
            "gender": "male",
            "cccd": CCCD,
            "phone": PHONE,
        },
    )
    assert bad.status_code == 422 and "không khớp với ngày sinh" in bad.content.decode()
    r = client.post(
        reverse("accounts:profile"),
        {
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "05/09/1990",
            "gender": "male",
            "cccd": CCCD,
            "phone": "0912 345 678",
            "permanent_province_code": "75",
            "permanent_ward_code": "26068",
            "permanent_street": "12 Võ Thị Sáu",
            "current_province_code": "75",
            "current_ward_code": "26041",
            "current_street": "",
        },
    )
    assert r.status_code == 302, r.content.decode()
    profile = PersonProfile.objects.get(user=user)
    assert profile.cccd == CCCD and profile.is_complete
    r = client.get(reverse("portal:account_home"))
    assert r.status_code == 200
    connection.force_debug_cursor = False
    # the logs did capture the flow (SQL with parameters), so the absence checks mean something
    assert "an@example.vn" in caplog.text and "accounts_personprofile" in caplog.text
    assert CCCD not in caplog.text
    assert PHONE not in caplog.text and "0912 345 678" not in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"email": "khong-phai-email"}, "email", "Địa chỉ email không hợp lệ"),
        (
            {"password2": "khac-mat-khau-2025"},
            "password2",
            "Hai lần nhập mật khẩu không giống nhau",
        ),
        # Longer than an address can be (and than the accounts' email column): refused, not cut short.
        ({"email": "b" * 300 + "@example.vn"}, "email", "dài tối đa 254 ký tự"),
    ],
)
def test_signup_errors_in_vietnamese(client, data, field, message):
    User.objects.create_user(email="da-co@example.vn", password="x")
    payload = {
        "full_name": "Lê Thị Bé",
        "email": "be@example.vn",
        "password1": "Dich-vu-cong-2025",
        "password2": "Dich-vu-cong-2025",
        **data,
    }
    r = client.post(reverse("account_signup"), payload)
    assert r.status_code == 200
    assert message in " ".join(r.context["form"].errors[field])
    assert User.objects.filter(email="be@example.vn").count() == 0
    assert not User.objects.filter(email__startswith="bbb").exists()


@pytest.mark.django_db
def test_password_reset_does_not_tell_whether_an_address_has_an_account(client):
    """A known and an unknown address get the same answer; the unknown one is told by mail that it
    has no account (and where to sign up), the known one gets its reset link."""
    User.objects.create_user(email="co@example.vn", password="x")
    answers = []
    for email in ("co@example.vn", "khong-co@example.vn"):
        r = client.post(reverse("account_reset_password"), {"email": email}, follow=True)
        page = r.content.decode()
        answers.append(
            (r.redirect_chain, r.status_code, page.split("<h1>", 1)[1].split("</main>")[0])
        )
        assert "Đã gửi thư đặt lại mật khẩu" in page
        assert "không gắn với tài khoản nào" not in page
    assert answers[0] == answers[1]
    known, unknown = mail.outbox
    assert known.to == ["co@example.vn"] and "/password/reset/key/" in known.body
    assert unknown.to == ["khong-co@example.vn"]
    assert "chưa có tài khoản nào dùng email này" in unknown.body
    assert reverse("account_signup") in unknown.body and "/password/reset/key/" not in unknown.body


@pytest.mark.django_db
def test_signup_with_a_taken_address_does_not_say_it_is_taken(client):
    """Signing up with an address that already has an account looks like any signup; no second
    account is made and the address's owner is mailed that the account exists."""
    owner = User.objects.create_user(email="da-co@example.vn", password="x")
    r = client.post(
        reverse("account_signup"),
        {
            "full_name": "Lê Thị Bé",
            "email": "Da-Co@example.vn",
            "password1": "Dich-vu-cong-2025",
            "password2": "Dich-vu-cong-2025",
        },
        follow=True,
    )
    page = r.content.decode()
    assert r.status_code == 200 and "Chúng tôi đã gửi thư xác minh tới email của bạn" in page
    assert "đã được dùng" not in page
    assert list(User.objects.all()) == [owner]
    (notice,) = mail.outbox
    assert notice.to == ["da-co@example.vn"] and "Email này đã có tài khoản" in notice.subject
    assert "/password/reset/" in notice.body


@pytest.mark.django_db
def test_expired_verification_link(client, settings):
    r = client.get(reverse("account_confirm_email", args=["khoa-khong-ton-tai"]))
    assert r.status_code == 200
    assert "đã hết hạn hoặc không hợp lệ" in r.content.decode()


@pytest.mark.django_db
def test_login_by_phone(client):
    from .factories import PASSWORD, UserFactory

    user = UserFactory()
    user.phone = PHONE
    user.save()
    r = client.post(reverse("account_login"), {"login": "+84 912 345 678", "password": PASSWORD})
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_lockout_message_and_unlock_by_password_reset(client):
    from .factories import UserFactory

    user = UserFactory(email="khoa@example.vn")
    for _ in range(5):
        r = client.post(
            reverse("account_login"), {"login": "khoa@example.vn", "password": "sai-mat-khau"}
        )
        assert "không đúng" in r.content.decode()
    r = client.post(
        reverse("account_login"), {"login": "khoa@example.vn", "password": "sai-mat-khau"}
    )
    body = r.content.decode()
    assert "tạm bị khóa" in body and "Quên mật khẩu" in body
    # the right password is refused while locked
    from .factories import PASSWORD

    r = client.post(reverse("account_login"), {"login": "khoa@example.vn", "password": PASSWORD})
    assert r.status_code == 200 and "tạm bị khóa" in r.content.decode()
    # unlock path: password reset
    mail.outbox.clear()
    r = client.post(reverse("account_reset_password"), {"email": "khoa@example.vn"})
    assert r.status_code == 302
    link = _link(mail.outbox[0].body)
    r = client.get(link, follow=True)
    form_url = r.redirect_chain[-1][0] if r.redirect_chain else link
    r = client.post(form_url, {"password1": "Mat-khau-moi-2025", "password2": "Mat-khau-moi-2025"})
    assert r.status_code == 302
    r = client.post(
        reverse("account_login"), {"login": "khoa@example.vn", "password": "Mat-khau-moi-2025"}
    )
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_expired_password_reset_link(client):
    import time

    import time_machine

    from .factories import UserFactory

    UserFactory(email="quen@example.vn")
    client.post(reverse("account_reset_password"), {"email": "quen@example.vn"})
    link = _link(mail.outbox[-1].body)
    with time_machine.travel(time.time() + 2 * 3600):  # links are valid for one hour
        r = client.get(link, follow=True)
    assert "không hợp lệ, có thể đã được dùng hoặc đã hết hạn" in r.content.decode()


@pytest.mark.django_db
def test_verification_link_expires_after_three_days(client):
    import time

    import time_machine

    client.post(
        reverse("account_signup"),
        {
            "full_name": "Đỗ Văn Muộn",
            "email": "muon@example.vn",
            "password1": "Dich-vu-cong-2025",
            "password2": "Dich-vu-cong-2025",
        },
    )
    link = _link(next(m for m in mail.outbox if "Xác minh" in m.subject).body)
    with time_machine.travel(time.time() + 4 * 86400):
        r = client.get(link)
        assert "đã hết hạn hoặc không hợp lệ" in r.content.decode()
        client.post(link)
    assert not EmailAddress.objects.get(email="muon@example.vn").verified


@pytest.mark.django_db
def test_a_verification_link_opened_again_says_the_address_is_verified(client):
    """The link in the mail opened a second time, or its button pressed twice, once the address is
    verified: the page said the link had expired and asked to log in and request another mail (the
    second press answered 404). It now says the address is verified, in the page's language, and
    leads to signing in; a link for an address still waiting keeps its page."""
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Phạm Thu Hà",
            "email": "ha@example.vn",
            "password1": "Dich-vu-cong-2025",
            "password2": "Dich-vu-cong-2025",
        },
    )
    link = _link(next(m for m in mail.outbox if "Xác minh" in m.subject).body)
    assert "Xác nhận <strong>ha@example.vn</strong>" in client.get(link).content.decode()
    client.post(link)
    assert EmailAddress.objects.get(email="ha@example.vn").verified
    for again in (client.get(link), client.post(link)):
        page = again.content.decode()
        assert again.status_code == 200
        assert "Địa chỉ email này đã được xác minh; bạn có thể đăng nhập." in page
        assert "đã hết hạn" not in page and reverse("account_login") in page
    client.cookies["django_language"] = "en"
    assert "This email address is verified already" in client.get(link).content.decode()
