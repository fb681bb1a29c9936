"""The language a person reads the portal in is the language of what it sends them: the page switch
keeps a signed-in person's choice (``User.language``), and their email and in-app messages follow it."""

from __future__ import annotations

import pytest

from opendvc.accounts.models import User
from opendvc.notifications.models import Notification
from opendvc.notifications.services import notify

pytestmark = pytest.mark.django_db


def _switch(client, language: str, next_url: str = "/ca-nhan/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


def test_the_page_switch_keeps_the_choice_of_a_signed_in_person(citizen_client, citizen):
    assert citizen.language == ""
    r = _switch(citizen_client, "en")
    assert r.status_code == 302 and r["Location"] == "/ca-nhan/"
    assert r.cookies["django_language"].value == "en"
    assert User.objects.get(pk=citizen.pk).language == "en"
    _switch(citizen_client, "vi")
    assert User.objects.get(pk=citizen.pk).language == "vi"


@pytest.mark.parametrize("language", ["fr", "", "en-x-<script>", "e" * 500])
def test_an_unknown_language_changes_nothing(citizen_client, citizen, language):
    User.objects.filter(pk=citizen.pk).update(language="en")
    r = _switch(citizen_client, language)
    assert r.status_code == 302
    assert User.objects.get(pk=citizen.pk).language == "en"


def test_a_visitor_switches_the_pages_only(client):
    r = _switch(client, "en", next_url="/")
    assert r.status_code == 302 and r.cookies["django_language"].value == "en"


def test_messages_follow_the_chosen_language(citizen_client, citizen):
    context = {"code": "000.00.00.H19-261204-0001", "procedure": "Cấp bản sao trích lục hộ tịch",
               "agency": "Sở Tư pháp", "url": "https://dvc.example/ho-so/1/"}
    [vi, _in_app] = notify(template="dossier_received", recipient=citizen, context=context)
    _switch(citizen_client, "en")
    citizen.refresh_from_db()
    [en, _in_app] = notify(template="dossier_received", recipient=citizen, context=context)
    assert (vi.language, en.language) == ("vi", "en")
    assert "Hồ sơ" in vi.subject and "Hồ sơ" not in en.subject and "dossier" in en.subject.lower()
    assert Notification.objects.filter(recipient=citizen, language="en", channel="in_app").count() == 1


def test_who_signs_up_in_english_is_welcomed_in_english(client):
    from django.urls import reverse

    client.cookies["django_language"] = "en"
    r = client.post(reverse("account_signup"), {
        "full_name": "Trần Thị Bình", "email": "binh@example.vn",
        "password1": "Dich-vu-cong-2025", "password2": "Dich-vu-cong-2025",
    })
    assert r.status_code == 302
    user = User.objects.get(email="binh@example.vn")
    assert user.language == "en"
    welcome = Notification.objects.get(recipient=user, template="welcome", channel="in_app")
    assert welcome.language == "en" and "Chào mừng" not in welcome.subject


@pytest.mark.parametrize(
    ("password", "vietnamese", "english"),
    [
        ("x", "Mật khẩu quá ngắn: cần ít nhất 8 ký tự.", "This password is too short: it must contain at least 8 characters."),
        ("12345678", "Mật khẩu này hoàn toàn là số.", "This password is entirely numeric."),
        ("password", "Mật khẩu này quá phổ biến.", "This password is too common."),
        ("binh.tran.thi", "Mật khẩu quá giống với email.", "The password is too similar to the email."),
    ],
)
def test_every_password_rule_speaks_the_pages_language(client, password, vietnamese, english):
    """Each password rule is told in the page's language on the sign-up form: Django's Vietnamese
    catalogue lacks its 5.2 wording of the minimum length, which was shown in English."""
    from django.urls import reverse

    form = {"full_name": "Trần Thị Bình", "email": "binh.tran.thi@example.vn",
            "password1": password, "password2": password}
    page = client.post(reverse("account_signup"), form).content.decode()
    assert vietnamese in page and "This password" not in page
    client.cookies["django_language"] = "en"
    page = client.post(reverse("account_signup"), form).content.decode()
    assert english in page


@pytest.mark.parametrize("password", ["Trần Thị Bình", "tranthibinh", "TRAN-THI-BINH"])
def test_a_password_close_to_the_persons_name_is_refused_at_sign_up(client, password):
    """The password's help promises it is not too close to the person's own data: their full name,
    typed with or without accents, is refused as their email is, in the page's language."""
    from django.urls import reverse

    form = {"full_name": "Trần Thị Bình", "email": "nguoi-dung@example.vn",
            "password1": password, "password2": password}
    page = client.post(reverse("account_signup"), form).content.decode()
    assert "Mật khẩu quá giống với họ và tên." in page
    client.cookies["django_language"] = "en"
    page = client.post(reverse("account_signup"), form).content.decode()
    assert "The password is too similar to the full name." in page
    assert not User.objects.filter(email="nguoi-dung@example.vn").exists()


def test_a_new_password_close_to_the_persons_phone_or_name_is_refused(client):
    from django.urls import reverse

    user = User.objects.create_user(email="so-dien-thoai@example.vn", password="Mat-khau-cu-2025",
                                    full_name="Lê Văn Cường", phone="0912345678")
    client.force_login(user)
    for new, datum in (("0912345678a", "số điện thoại"), ("levancuong", "họ và tên")):
        form = {"oldpassword": "Mat-khau-cu-2025", "password1": new, "password2": new}
        page = client.post(reverse("account_change_password"), form).content.decode()
        assert f"Mật khẩu quá giống với {datum}." in page
    client.cookies["django_language"] = "en"
    page = client.post(reverse("account_change_password"), form).content.decode()
    assert "The password is too similar to the full name." in page
    user.refresh_from_db()
    assert user.check_password("Mat-khau-cu-2025")


def test_a_wrong_current_password_is_told_as_wrong(client):
    """Changing the password with a wrong current one: the person did type one, so the page says it
    is not right (it said "please type your current password"), in the page's language."""
    from django.urls import reverse

    user = User.objects.create_user(email="doi-mat-khau@example.vn", password="Mat-khau-cu-2025")
    client.force_login(user)
    form = {"oldpassword": "Sai-mat-khau-2025", "password1": "Mat-khau-moi-2026", "password2": "Mat-khau-moi-2026"}
    page = client.post(reverse("account_change_password"), form).content.decode()
    assert "Mật khẩu hiện tại không đúng; vui lòng nhập lại." in page and "Vui lòng nhập mật khẩu" not in page
    client.cookies["django_language"] = "en"
    page = client.post(reverse("account_change_password"), form).content.decode()
    assert "The current password is not right; please type it again." in page
    user.refresh_from_db()
    assert user.check_password("Mat-khau-cu-2025")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_password_reset_mails_speak_the_pages_language(client, mailoutbox, language):
    """The account mails (reset link, unknown address) were written in Vietnamese only: a person on
    the English pages got them in Vietnamese. They follow the page's language; the Vietnamese text
    is unchanged and the links are in both."""
    from django.urls import reverse

    User.objects.create_user(email="co@example.vn", password="Dich-vu-cong-2025")
    client.cookies["django_language"] = language
    for email in ("co@example.vn", "khong-co@example.vn"):
        r = client.post(reverse("account_reset_password"), {"email": email})
        assert r.status_code == 302
    known, unknown = mailoutbox
    assert "/password/reset/key/" in known.body and reverse("account_signup") in unknown.body
    if language == "vi":
        assert known.subject.endswith("Đặt lại mật khẩu") and known.body.startswith("Xin chào,")
        assert "Để đặt mật khẩu mới, hãy mở liên kết sau (có hiệu lực trong 1 giờ)." in known.body
        assert "chưa có tài khoản nào dùng email này" in unknown.body
        assert unknown.subject.endswith("Chưa có tài khoản nào dùng email này")
        assert known.subject.startswith("[Cổng Dịch vụ công tỉnh Đồng Nai] ")
    else:
        assert known.subject.endswith("Reset your password") and known.body.startswith("Hello,")
        assert "To set a new password, open the following link (valid for 1 hour)." in known.body
        assert "Kind regards," in known.body and "Trân trọng" not in known.body
        assert "no account uses this email" in unknown.body and "khong-co@example.vn" in unknown.body
        assert unknown.subject.endswith("No account uses this email")
        assert "Cổng" not in known.subject and "Dong Nai" in known.subject
        assert "Xin chào" not in unknown.body + known.body
