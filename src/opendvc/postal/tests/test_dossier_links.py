"""The applicant's dossier page shows who signed the result and when, with the link to the public
verification page, and the dossier's postal orders; the office's page links to them; the applicant
cancels a pickup not yet collected; the applicant is told when the post delivered the result
(Regulation QĐ 31/2020/QĐ-UBND Art. 4.7, 15.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from opendvc.dossiers.tests.conftest import stranger  # noqa: F401
from opendvc.notifications.models import Notification
from opendvc.postal import services
from opendvc.postal.models import PostalEvent, Status
from opendvc.signing.tests.conftest import _trust_server, configure_agency, trust  # noqa: F401

from .conftest import address, proof_png, result_ready, tomorrow_at

pytestmark = pytest.mark.django_db


def _english(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_signature_status_postal_order_links_and_the_delivered_notice(
    request,
    procedure,
    citizen,
    officer,
    leader,
    postal,
    justice,
    django_capture_on_commit_callbacks,
):
    from opendvc.signing.models import SignedDocument

    paths = request.getfixturevalue("trust")[2]
    configure_agency(justice, paths)
    d = result_ready(procedure, citizen, officer, leader)
    signature = SignedDocument.objects.get(document__dossier=d, document__kind="result")
    order = services.return_open(dossier=d, actor=officer, address=address())
    services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_record(
            order=order,
            actor=postal,
            status=Status.DELIVERED,
            receiver_name="Nguyễn Thị Hoa",
            proof=proof_png(),
        )
    notices = Notification.objects.filter(recipient=citizen, template="postal_delivered")
    assert notices.filter(channel="in_app").count() == 1
    body = notices.first().body
    assert d.code in body and order.order_number in body and "Nguyễn Thị Hoa" in body
    assert f"/ho-so-cua-toi/{d.public_id}/" in body

    client = Client()
    client.force_login(citizen)
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    when = timezone.localtime(signature.signed_at).strftime("%H:%M %d/%m/%Y")
    assert f"Ký số bởi Nguyễn Văn Lãnh Đạo lúc {when}" in page and "Phó Giám đốc" in page
    assert f"/xac-thuc-ket-qua/?ma={d.code}&amp;khoa={signature.verify_key}" in page
    assert (
        "Bưu chính công ích" in page and f"/buu-chinh/don-cua-toi/#don-{order.order_number}" in page
    )
    assert "Đã phát thành công" in page
    en = _english(citizen).get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "Digitally signed by Nguyễn Văn Lãnh Đạo" in en and "Verify on the public page" in en
    assert "Public postal service" in en and "Ký số bởi" not in en

    staff = Client()
    staff.force_login(officer)
    office = staff.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
    assert f"/mot-cua/buu-chinh/#don-{order.order_number}" in office
    assert f"đơn {order.order_number}" in office
    order.proof_file.delete(save=False)


def _pickup(procedure, citizen, justice):
    start = tomorrow_at(9)
    return services.pickup_request(
        applicant=citizen,
        procedure=procedure,
        agency=justice,
        address=address(),
        window_start=start,
        window_end=start + timedelta(hours=2),
    )


def test_the_applicant_cancels_a_pickup_not_yet_collected(
    request, procedure, citizen, justice, postal
):
    other_user = request.getfixturevalue("stranger")
    waiting = _pickup(procedure, citizen, justice)
    collected = _pickup(procedure, citizen, justice)
    services.pickup_record(order=collected, actor=postal, status=Status.COLLECTED)

    client = Client()
    client.force_login(citizen)
    mine = client.get("/buu-chinh/don-cua-toi/").content.decode()
    assert f"/buu-chinh/don-cua-toi/{waiting.order_number}/huy/" in mine
    assert f"/buu-chinh/don-cua-toi/{collected.order_number}/huy/" not in mine
    assert "Hủy yêu cầu thu gom" in mine
    assert (
        "Cancel the pickup request"
        in _english(citizen).get("/buu-chinh/don-cua-toi/").content.decode()
    )

    other = Client()
    other.force_login(other_user)
    assert other.post(f"/buu-chinh/don-cua-toi/{waiting.order_number}/huy/").status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == Status.REQUESTED

    r = client.post(f"/buu-chinh/don-cua-toi/{waiting.order_number}/huy/", follow=True)
    waiting.refresh_from_db()
    assert waiting.status == Status.CANCELLED
    assert f"Đã hủy yêu cầu thu gom {waiting.order_number}." in r.content.decode()
    event = PostalEvent.objects.filter(order=waiting).latest("pk")
    assert event.status == Status.CANCELLED and event.actor == citizen

    r = client.post(f"/buu-chinh/don-cua-toi/{collected.order_number}/huy/", follow=True)
    collected.refresh_from_db()
    assert collected.status == Status.COLLECTED
    assert "không hủy được nữa" in r.content.decode()


def test_the_office_page_links_the_postal_page_only_for_whom_it_opens(
    procedure, citizen, officer, leader
):
    """The leader reads the dossier's page but not the one-stop office's postal page (receiving
    officers only): the order is named without a link that would answer 403."""
    d = result_ready(procedure, citizen, officer, leader)
    order = services.return_open(dossier=d, actor=officer, address=address())
    link = f'href="/mot-cua/buu-chinh/#don-{order.order_number}"'
    pages = {}
    for who in (officer, leader):
        client = Client()
        client.force_login(who)
        pages[who] = client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
        assert f"đơn {order.order_number}" in pages[who]
    assert link in pages[officer]
    assert link not in pages[leader]
    client = Client()
    client.force_login(leader)
    assert client.get("/mot-cua/buu-chinh/").status_code == 403
