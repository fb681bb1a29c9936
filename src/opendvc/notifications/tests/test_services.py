"""Messages are queued on commit, delivered with retries through a real SMTP server, and logged."""

import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from opendvc.accounts.models import User
from opendvc.notifications.jobs import retry_failed
from opendvc.notifications.models import DeliveryLog, Notification
from opendvc.notifications.selectors import messages_for_user
from opendvc.notifications.services import notify


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def citizen(db):
    return User.objects.create_user(
        email="nguyen.van.a@example.vn", password="x", full_name="Nguyễn Văn Ánh"
    )


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_email_goes_through_real_smtp_with_diacritics(
    smtp_server, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(template="welcome", context={"name": citizen.full_name}, recipient=citizen)
    assert _wait_for(lambda: smtp_server.messages)
    message = smtp_server.messages[0]
    assert message["Subject"].strip() == "Chào mừng bạn đến với Cổng Dịch vụ công tỉnh Đồng Nai"
    assert "Xin chào Nguyễn Văn Ánh" in message.get_content()
    assert message["To"] == "nguyen.van.a@example.vn"
    sent = Notification.objects.get(channel="email")
    assert sent.status == "sent" and sent.sent_at is not None
    assert list(sent.deliveries.values_list("event", flat=True)) == ["queued", "sent"]


def test_nothing_is_sent_when_the_transaction_rolls_back(
    smtp_server, citizen, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(template="welcome", context={"name": "A"}, recipient=citizen)
        raise RuntimeError
    assert not Notification.objects.exists()
    assert smtp_server.messages == []


def test_english_template_when_asked(smtp_server, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            template="welcome",
            context={"name": "Ánh"},
            recipient=citizen,
            language="en",
            channels=("email",),
        )
    assert _wait_for(lambda: smtp_server.messages)
    assert smtp_server.messages[0]["Subject"].strip().startswith("Welcome to")


def test_in_app_messages_are_listed_for_their_owner_only(citizen, client):
    other = User.objects.create_user(email="khac@example.vn", password="x")
    notify(template="welcome", context={"name": "Ánh"}, recipient=citizen, channels=("in_app",))
    assert messages_for_user(user=citizen).count() == 1
    assert messages_for_user(user=other).count() == 0
    client.force_login(citizen)
    assert "Chào mừng bạn" in client.get("/ca-nhan/thong-bao/").content.decode()
    client.force_login(other)
    assert "Chào mừng bạn" not in client.get("/ca-nhan/thong-bao/").content.decode()


def test_the_inbox_marks_new_messages_and_reads_them_once_shown(citizen, client):
    """A message not read yet is marked as such on the inbox page (in bold, and in words for a screen
    reader); once the page has shown it, it is read: the next visit shows it as read. Another person's
    opening of their own inbox reads nothing of this one's."""
    other = User.objects.create_user(email="khac@example.vn", password="x")
    notify(template="welcome", context={"name": "Ánh"}, recipient=citizen, channels=("in_app",))
    message = messages_for_user(user=citizen).get()
    client.force_login(other)
    client.get("/ca-nhan/thong-bao/")
    message.refresh_from_db()
    assert message.read_at is None
    client.force_login(citizen)
    first = client.get("/ca-nhan/thong-bao/").content.decode()
    assert 'class="inbox-item unread"' in first and "Chưa đọc:" in first
    message.refresh_from_db()
    assert message.read_at is not None
    again = client.get("/ca-nhan/thong-bao/").content.decode()
    assert "Chào mừng bạn" in again
    assert 'class="inbox-item unread"' not in again and "Chưa đọc:" not in again


def test_failed_delivery_is_logged_and_retried(
    settings, citizen, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nobody listens here
    settings.EMAIL_TIMEOUT = 2
    with django_capture_on_commit_callbacks(execute=True):
        notify(template="welcome", context={"name": "Ánh"}, recipient=citizen, channels=("email",))
    failed = Notification.objects.get()
    assert failed.status == "failed" and failed.attempts == 1
    log = DeliveryLog.objects.filter(notification=failed, event="failed").get()
    assert "Connection" in log.error or "refused" in log.error.lower()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert retry_failed() == 1
    failed.refresh_from_db()
    assert failed.status == "sent" and failed.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_an_email_held_by_another_worker_is_not_sent_twice(postgres_db, settings):
    """Two workers with the same notification (the retry job re-queued it while another worker still
    had it): the one that finds the row locked leaves it; after the send, everyone sees it sent."""
    import psycopg
    from django.core import mail

    from opendvc.notifications.services import notification_deliver

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = User.objects.create_user(email="hai.worker@example.vn", password="x")
    n = Notification.objects.create(
        recipient=user,
        channel="email",
        status="queued",
        to_address=user.email,
        template="welcome",
        subject="Hồ sơ đã tiếp nhận",
        body="…",
    )
    p = postgres_db.settings_dict
    other = psycopg.connect(
        host=p["HOST"] or "127.0.0.1",
        port=p["PORT"] or 5432,
        user=p["USER"],
        password=p["PASSWORD"] or None,
        dbname=p["NAME"],
    )
    try:
        other.execute("SELECT id FROM notifications_notification WHERE id = %s FOR UPDATE", (n.pk,))
        assert notification_deliver(notification_id=n.pk).status == "queued"
        assert mail.outbox == []
    finally:
        other.rollback()
        other.close()
    assert notification_deliver(notification_id=n.pk).status == "sent"
    assert notification_deliver(notification_id=n.pk).status == "sent"
    assert len(mail.outbox) == 1


def _messages(person, n):
    """``n`` in-app messages for ``person``, numbered 1 (oldest) to n, in one statement."""
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() - timedelta(hours=n)
    Notification.objects.bulk_create(
        Notification(
            recipient=person,
            channel=Notification.Channel.IN_APP,
            template="test",
            subject=f"Thông báo số {i}.",
            body="Nội dung",
            status=Notification.Status.SENT,
        )
        for i in range(1, n + 1)
    )
    for i, pk in enumerate(
        Notification.objects.filter(recipient=person).order_by("id").values_list("pk", flat=True), 1
    ):
        Notification.objects.filter(pk=pk).update(created_at=start + timedelta(hours=i))


def test_the_inbox_shows_every_message_a_page_at_a_time(citizen, client):
    """More messages than fit on a page: the newest page first, a pager to the others (the page in
    the address), and only the messages shown are read; the inbox used to stop at 100 messages."""
    from opendvc.notifications.selectors import INBOX_PAGE_SIZE

    total = 5 * INBOX_PAGE_SIZE + 3
    _messages(citizen, total)
    client.force_login(citizen)
    first = client.get("/ca-nhan/thong-bao/")
    page = first.content.decode()
    assert first.status_code == 200
    assert (
        f"Thông báo số {total}." in page and f"Thông báo số {total - INBOX_PAGE_SIZE}." not in page
    )
    assert 'aria-label="Phân trang thông báo"' in page and 'href="?trang=2" rel="next"' in page
    assert f"Trang 1/6, {total} thông báo" in page
    assert Notification.objects.filter(recipient=citizen, read_at__isnull=True).count() == (
        total - INBOX_PAGE_SIZE
    )
    last = client.get("/ca-nhan/thong-bao/?trang=6").content.decode()
    assert "Thông báo số 1." in last and "Thông báo số 4." not in last  # 3 on the last page
    assert 'aria-current="page"><span class="visually-hidden">Trang </span>6<' in last
    assert 'rel="next"' not in last and 'href="?trang=5" rel="prev"' in last
    unread = Notification.objects.filter(recipient=citizen, read_at__isnull=True)
    assert unread.count() == total - INBOX_PAGE_SIZE - 3
    assert not unread.filter(subject__in=["Thông báo số 1.", "Thông báo số 3."]).exists()


@pytest.mark.parametrize(
    "number,shown", [("abc", 1), ("0", 1), ("-3", 1), ("2.5", 1), ("99", 2), ("9" * 5000, 1)]
)
def test_a_page_number_that_is_not_one_answers_a_page(citizen, client, number, shown):
    from opendvc.notifications.selectors import INBOX_PAGE_SIZE

    _messages(citizen, INBOX_PAGE_SIZE + 1)
    client.force_login(citizen)
    r = client.get("/ca-nhan/thong-bao/", {"trang": number})
    assert r.status_code == 200
    assert f"Trang {shown}/2," in r.content.decode()
