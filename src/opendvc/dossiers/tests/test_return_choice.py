"""The applicant chooses how to receive the result (Regulation QĐ 31/2020/QĐ-UBND Art. 6.4; QĐ
45/2016/QĐ-TTg): online where the level offers it (level 4), at the one-stop office or by post to an
address — on the filing page and through the API, and again on the dossier's page until the result is
returned or handed to the post. A postal choice opens the postal return at the approval with the 24-hour
clock; a level-4 result chosen at the counter or by post is filed in the citizen's store but not returned
online."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from opendvc.audit.models import AuditEntry
from opendvc.core.problems import ProblemError
from opendvc.dossiers import returns, services
from opendvc.dossiers.history import event_describe
from opendvc.dossiers.models import Dossier, DossierEvent
from opendvc.worktime import VN_TZ

from .conftest import make_procedure, sign_in, small_pdf, submitted_dossier

pytestmark = pytest.mark.django_db

FRIDAY_15 = datetime(2026, 3, 13, 15, 0, tzinfo=VN_TZ)  # a working Friday
MONDAY_15 = datetime(2026, 3, 16, 15, 0, tzinfo=VN_TZ)
HOME = {
    "contact_name": "Nguyễn Thị Hoa",
    "contact_phone": "0912 345 678",
    "address": "12 Võ Thị Sáu, phường Trấn Biên",
    "province": "Đồng Nai",
}
PAGE_HOME = {
    "nhan-ket-qua-hoi": "1",
    "nkq-ho-ten": HOME["contact_name"],
    "nkq-dien-thoai": HOME["contact_phone"],
    "nkq-dia-chi": HOME["address"],
    "nkq-tinh": HOME["province"],
}


@pytest.fixture
def level4(agencies):
    """A level-4 procedure with a fee (online return offered; the fee is paid before the result)."""
    from opendvc.catalog.models import FeeItem

    p = make_procedure(code="2.000001", level=4)
    FeeItem.objects.create(procedure=p, position=0, name="Lệ phí cấp bản sao", amount_vnd=8000)
    return p


def _errors(response) -> dict[str, str]:
    body = response.json()
    return {e["path"]: e["message"] for e in body.get("errors", [])}


def _upload_all(client, procedure) -> list[dict]:
    files = []
    for c in procedure.components.filter(required=True):
        r = client.post("/api/v1/files", {"file": SimpleUploadedFile("giay.pdf", small_pdf())})
        files.append({"component": c.pk, "file": r.json()["id"]})
    return files


def _approved(d, officer, processor, leader, *, at=FRIDAY_15, fee=None, capture=None):
    """Receive, process (pay the fee when there is one) and approve ``d`` at ``at``; the approval's
    listeners run (postal return, issuance into the store)."""
    with time_machine.travel(at.replace(hour=9), tick=False):
        d = services.dossier_act(dossier=d, action="receive", actor=officer)
        d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        if fee is not None:
            services.dossier_act(action="forward", dossier=d, actor=officer)
            d = services.dossier_act(dossier=d, action="require_payment", actor=processor,
                                     fees=[{"fee_item": fee.pk, "quantity": 1}])
            d = services.dossier_act(dossier=d, action="pay", actor=officer, receipt_number="BL-0007")
    with time_machine.travel(at, tick=False), capture(execute=True):
        services.dossier_act(dossier=d, action="approve", actor=leader, result="Giấy khai sinh")
    return Dossier.objects.get(pk=d.pk)


# -- Filing page --------------------------------------------------------------------------------------


def test_filing_page_offers_the_post_with_its_fee_and_keeps_the_choice(client, citizen, procedure, justice):
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{procedure.code}/").content.decode()
    assert "<legend>Hình thức nhận kết quả</legend>" in page
    # Level 3: no online return (Regulation Art. 2.13); the counter is checked as the result would go.
    assert 'name="nhan-ket-qua" value="online"' not in page
    assert re.search(r'<input type="radio" id="nhan-ket-qua-counter" name="nhan-ket-qua" value="counter" checked>', page)
    assert '<label class="inline-label" for="nhan-ket-qua-postal">' in page
    assert "Cước phí 22.000 đồng" in page and "24 giờ" in page
    for key in ("nkq-ho-ten", "nkq-dien-thoai", "nkq-dia-chi", "nkq-tinh"):
        assert f'<label for="{key}">' in page and f'id="{key}" name="{key}"' in page

    files = {f"tp-{c.pk}": SimpleUploadedFile("giay.pdf", small_pdf(), content_type="application/pdf")
             for c in procedure.components.filter(required=True)}
    r = client.post(f"/nop-ho-so/{procedure.code}/", {"co-quan": justice.pk, "action": "xem-lai",
                                                      "nhan-ket-qua": "postal", **PAGE_HOME, **files})
    assert r.status_code == 302, r.content.decode()[:2000]
    d = Dossier.objects.get(applicant=citizen)
    assert (d.return_method, d.return_address, d.return_province) == ("postal", HOME["address"], "Đồng Nai")
    assert returns.chosen_address(d).contact_phone == "0912345678"
    assert "0912345678" not in (d.return_phone_ciphertext or "")  # encrypted as every phone number
    review = client.get(f"/ho-so-cua-toi/{d.public_id}/xem-lai/").content.decode()
    assert "Nhận qua dịch vụ bưu chính công ích" in review and HOME["address"] in review

    client.post(f"/ho-so-cua-toi/{d.public_id}/xem-lai/", {"cam-doan": "1", "token": "t1"})
    d.refresh_from_db()
    assert d.status == "submitted"
    submit = d.events.get(action="submit")
    assert submit.data["return_method"] == "postal"
    assert "Người nộp chọn nhận kết quả: qua dịch vụ bưu chính" in event_describe(event=submit).sentence


def test_level_4_filing_page_offers_online_first(client, citizen, level4):
    client.force_login(citizen)
    page = client.get(f"/nop-ho-so/{level4.code}/").content.decode()
    assert re.search(r'id="nhan-ket-qua-online" name="nhan-ket-qua" value="online" checked>', page)
    assert "Nhận trực tuyến: bản điện tử có chữ ký số" in page


@pytest.mark.parametrize(
    ("typed", "errors"),
    [
        # By post without an address: each missing part at its field.
        ({"nhan-ket-qua": "postal", "nkq-ho-ten": "", "nkq-dien-thoai": "", "nkq-dia-chi": "", "nkq-tinh": ""},
         {"nkq-ho-ten": "Nhập họ tên người liên hệ.", "nkq-dien-thoai": "Nhập số điện thoại di động hợp lệ.",
          "nkq-dia-chi": "Nhập địa chỉ đầy đủ: số nhà, đường, phường/xã.", "nkq-tinh": "Nhập tỉnh, thành phố."}),
        # Markup is refused, not kept (it would reach the postal operator and the delivery record).
        ({"nhan-ket-qua": "postal", "nkq-dia-chi": "<script>alert(1)</script> 12 Lê Lợi"},
         {"nkq-dia-chi": "Không dùng các ký tự “<” và “>”."}),
        # Online on a level-3 procedure, and a method that does not exist (a tampered page).
        ({"nhan-ket-qua": "online"},
         {"nhan-ket-qua": "Thủ tục này không trả kết quả trực tuyến: chọn nhận tại bộ phận một cửa hoặc qua bưu chính."}),
        # The ways offered are said in words, with the keys the API takes: a level-3 procedure has
        # no online return.
        ({"nhan-ket-qua": "drone"},
         {"nhan-ket-qua": "Chọn một hình thức nhận kết quả của thủ tục này: tại bộ phận một cửa (counter), "
                          "qua bưu chính (postal)."}),
        ({}, {"nhan-ket-qua": "Hãy chọn hình thức nhận kết quả."}),
    ],
)
def test_filing_page_shows_a_bad_choice_at_its_fields(client, citizen, procedure, justice, typed, errors):
    client.force_login(citizen)
    files = {f"tp-{c.pk}": SimpleUploadedFile("giay.pdf", small_pdf(), content_type="application/pdf")
             for c in procedure.components.filter(required=True)}
    r = client.post(f"/nop-ho-so/{procedure.code}/", {"co-quan": justice.pk, "action": "xem-lai",
                                                      **{**PAGE_HOME, **typed}, **files})
    assert r.status_code == 422
    page = r.content.decode()
    for target, message in errors.items():
        message = escape(message)
        # In the summary, linked to the field; at the field, tied to it.
        assert f'<a href="#{target}">{message}</a>' in page
        assert f'id="{target}-error"><span class="visually-hidden">Lỗi: </span>{message}</p>' in page
        if target != "nhan-ket-qua":
            assert re.search(rf'id="{target}" name="{target}" value="[^"]*" maxlength="\d+" '
                             rf'autocomplete="[^"]+" aria-invalid="true" aria-describedby="{target}-error"', page)
    assert "<script>alert(1)</script>" not in page
    if "nkq-dia-chi" in errors and typed.get("nkq-dia-chi"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt; 12 Lê Lợi" in page  # kept as typed, escaped
    # The draft the files made is kept without the choice that was refused.
    d = Dossier.objects.get(applicant=citizen)
    assert d.return_method is None


# -- The API ------------------------------------------------------------------------------------------


def test_api_files_with_the_choice_and_keeps_it_on_a_draft(client, citizen, procedure, level4, justice):
    client.force_login(citizen)
    body = {"procedure": procedure.code, "agency": justice.code, "files": _upload_all(client, procedure),
            "declaration": True, "return_method": "postal", "return_address": HOME}
    r = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["return_method"] == out["return_method_chosen"] == "postal"
    assert out["return_address"] == {**HOME, "contact_phone": "0912345678"}
    assert out["return_method_changeable"] is True
    d = Dossier.objects.get(public_id=out["id"])
    assert d.events.get(action="submit").data["return_method"] == "postal"

    draft = client.post("/api/v1/dossiers", {"procedure": level4.code, "agency": justice.code, "submit": False,
                                             "return_method": "counter"}, content_type="application/json")
    assert draft.status_code == 201 and draft.json()["return_method"] == "counter"
    # Without a choice the result goes back the way the dossier is filed, as the level allows.
    plain = client.post("/api/v1/dossiers", {"procedure": level4.code, "agency": justice.code, "submit": False},
                        content_type="application/json").json()
    assert (plain["return_method"], plain["return_method_chosen"], plain["return_address"]) == ("online", None, None)
    changed = client.put(f"/api/v1/dossiers/{draft.json()['id']}/return-method",
                         {"return_method": "online"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["return_method_chosen"] == "online"
    assert AuditEntry.objects.filter(action="dossier.update_draft", changes__return_method=["counter", "online"]).exists()


@pytest.mark.parametrize(
    ("choice", "code", "paths"),
    [
        ({"return_method": "drone"}, "validation_error", {"return_method"}),
        ({"return_method": "online"}, "not_offered_at_level", {"return_method"}),
        ({"return_method": "postal"}, "validation_error",
         {"return_address.contact_name", "return_address.contact_phone", "return_address.address",
          "return_address.province"}),
        ({"return_method": "postal", "return_address": {**HOME, "contact_name": "H" * 201, "address": "A" * 301}},
         "validation_error", {"return_address.contact_name", "return_address.address"}),
        ({"return_method": "postal", "return_address": {**HOME, "contact_name": "<b>Hoa</b>"}},
         "validation_error", {"return_address.contact_name"}),
        ({"return_method": "postal", "return_address": {**HOME, "contact_phone": "12345"}},
         "validation_error", {"return_address.contact_phone"}),
    ],
)
def test_api_refuses_a_bad_choice_with_a_problem(client, citizen, procedure, justice, choice, code, paths):
    client.force_login(citizen)
    body = {"procedure": procedure.code, "agency": justice.code, "files": _upload_all(client, procedure),
            "declaration": True, **choice}
    r = client.post("/api/v1/dossiers", body, content_type="application/json")
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == code
    assert set(_errors(r)) == paths
    if "H" * 201 in str(choice):
        assert _errors(r)["return_address.contact_name"] == "Tối đa 200 ký tự (đang có 201)."
        assert _errors(r)["return_address.address"] == "Tối đa 300 ký tự (đang có 301)."
    assert not Dossier.objects.filter(applicant=citizen).exists()
    # A draft is checked the same way.
    r = client.post("/api/v1/dossiers", {**body, "submit": False}, content_type="application/json")
    assert r.status_code == 422 and set(_errors(r)) == paths


# -- Changing the choice on the dossier's page and through the API -------------------------------------


def test_the_applicant_changes_the_choice_on_the_dossier_page(client, citizen, officer, procedure):
    d = submitted_dossier(procedure, citizen)
    client.force_login(citizen)
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "Thay đổi hình thức nhận kết quả" in page
    assert f'action="/ho-so-cua-toi/{d.public_id}/nhan-ket-qua/"' in page
    assert "Nhận trực tiếp tại bộ phận một cửa" in page  # level 3 filed online: the counter

    bad = client.post(f"/ho-so-cua-toi/{d.public_id}/nhan-ket-qua/",
                      {**PAGE_HOME, "nhan-ket-qua": "postal", "nkq-dien-thoai": "0123"})
    assert bad.status_code == 422
    assert 'id="nkq-dien-thoai-error"' in bad.content.decode()
    assert 'aria-invalid="true" aria-describedby="nkq-dien-thoai-error"' in bad.content.decode()
    assert '<a href="#nkq-dien-thoai">Nhập số điện thoại di động hợp lệ.</a>' in bad.content.decode()
    assert 'value="0123"' in bad.content.decode()  # what was typed comes back
    assert not d.events.filter(action="choose_return").exists()

    r = client.post(f"/ho-so-cua-toi/{d.public_id}/nhan-ket-qua/", {**PAGE_HOME, "nhan-ket-qua": "postal"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert returns.chosen_address(d) == returns.Address("Nguyễn Thị Hoa", "0912345678", HOME["address"], "Đồng Nai")
    event = d.events.get(action="choose_return")
    assert (event.actor, event.from_state, event.to_state) == (citizen, "submitted", "submitted")
    text = event_describe(event=event)
    assert text.title == "Chọn hình thức nhận kết quả"
    assert text.sentence == ("Người nộp chọn nhận kết quả: qua dịch vụ bưu chính. "
                             "Địa chỉ nhận: 12 Võ Thị Sáu, phường Trấn Biên, Đồng Nai.")
    entry = AuditEntry.objects.get(action="dossier.choose_return")
    assert entry.changes["return_method"] == ["", "postal"]
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "Đã lưu hình thức nhận kết quả." in page and "Người nộp chọn nhận kết quả" in page
    assert "0912345678" in page  # the applicant sees their own phone

    # The one-stop office sees the choice, the phone masked like the page's other identifiers.
    sign_in(client, officer)
    office = client.get(f"/mot-cua/ho-so/{d.code}/").content.decode()
    assert "Qua dịch vụ bưu chính (người nộp chọn)" in office
    assert HOME["address"] in office and "091****678" in office and "0912345678" not in office


def test_no_change_once_the_result_is_returned(client, citizen, officer, processor, leader, procedure,
                                               django_capture_on_commit_callbacks):
    d = submitted_dossier(procedure, citizen)
    d = _approved(d, officer, processor, leader, capture=django_capture_on_commit_callbacks)
    assert d.status == "result_ready"
    d = services.dossier_act(dossier=d, action="return_result", actor=officer, method="counter")
    client.force_login(citizen)
    page = client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    assert "Thay đổi hình thức nhận kết quả" not in page and 'name="nhan-ket-qua"' not in page
    r = client.post(f"/ho-so-cua-toi/{d.public_id}/nhan-ket-qua/", {**PAGE_HOME, "nhan-ket-qua": "postal"},
                    follow=True)
    assert "Kết quả của hồ sơ đã được trả; không thay đổi được hình thức nhận kết quả." in r.content.decode()
    api = client.put(f"/api/v1/dossiers/{d.code}/return-method", {"return_method": "postal", "return_address": HOME},
                     content_type="application/json")
    assert api.status_code == 409 and api.json()["code"] == "conflict"
    assert not DossierEvent.objects.filter(dossier=d, action="choose_return").exists()
    assert Dossier.objects.get(pk=d.pk).return_method is None


def test_only_the_applicant_changes_the_choice(client, citizen, stranger, officer, procedure):
    d = submitted_dossier(procedure, citizen)
    client.force_login(stranger)
    r = client.put(f"/api/v1/dossiers/{d.code}/return-method", {"return_method": "counter"},
                   content_type="application/json")
    assert r.status_code == 404
    sign_in(client, officer)
    r = client.put(f"/api/v1/dossiers/{d.code}/return-method", {"return_method": "counter"},
                   content_type="application/json")
    assert r.status_code == 403


# -- At the approval ----------------------------------------------------------------------------------


def test_approval_opens_the_postal_return_at_the_chosen_address_with_the_24_hour_clock(
    client, citizen, officer, processor, leader, procedure, django_capture_on_commit_callbacks
):
    from opendvc.postal import clock
    from opendvc.postal.models import PostalOrder

    d = submitted_dossier(procedure, citizen)
    services.dossier_return_choose(dossier=d, actor=citizen, return_method="postal", return_address=HOME)
    far = submitted_dossier(procedure, citizen)
    services.dossier_return_choose(dossier=far, actor=citizen, return_method="postal",
                                   return_address={**HOME, "province": "Thành phố Hồ Chí Minh"})
    d = _approved(d, officer, processor, leader, capture=django_capture_on_commit_callbacks)
    far = _approved(far, officer, processor, leader, capture=django_capture_on_commit_callbacks)

    order = PostalOrder.objects.get(dossier=d, leg="return")
    assert (order.contact_name, order.contact_phone, order.address, order.province) == (
        "Nguyễn Thị Hoa", "0912345678", HOME["address"], "Đồng Nai")
    assert order.inside_province and order.ready_at == FRIDAY_15
    assert order.due_at == MONDAY_15  # 24 hours of working days: Friday 15:00 → Monday 15:00
    assert order.fee_vnd == order.cod_vnd == 22000
    other = PostalOrder.objects.get(dossier=far, leg="return")
    assert not other.inside_province
    assert other.due_at == clock.return_due(ready_at=FRIDAY_15, inside_province=False) > MONDAY_15

    # On its way by post: the choice is settled (page and API).
    client.force_login(citizen)
    assert 'name="nhan-ket-qua"' not in client.get(f"/ho-so-cua-toi/{d.public_id}/").content.decode()
    r = client.put(f"/api/v1/dossiers/{d.code}/return-method", {"return_method": "counter"},
                   content_type="application/json")
    assert r.status_code == 409 and order.order_number in r.json()["detail"]
    # The one-stop office's postal list does not offer it again.
    sign_in(client, officer)
    assert d.code not in client.get("/mot-cua/buu-chinh/").content.decode()


def test_level_4_by_post_is_filed_in_the_store_not_returned_and_completes_on_delivery(
    citizen, officer, processor, leader, postal, level4, django_capture_on_commit_callbacks
):
    from opendvc.catalog.models import FeeItem
    from opendvc.postal import services as postal_services
    from opendvc.postal.models import PostalOrder, Status
    from opendvc.vault.models import StoredDocument

    from .conftest import png_bytes

    d = submitted_dossier(level4, citizen)
    d = services.dossier_return_choose(dossier=d, actor=citizen, return_method="postal", return_address=HOME)
    d = _approved(d, officer, processor, leader, fee=FeeItem.objects.get(procedure=level4),
                  capture=django_capture_on_commit_callbacks)
    # The signed e-result has legal value (Art. 4.7): it is in the citizen's store ...
    assert StoredDocument.objects.filter(owner=citizen, source="result", dossier_document__dossier=d).exists()
    # ... but the dossier is not returned online at the approval: the post returns it.
    assert d.status == "result_ready" and not d.events.filter(action="return_result").exists()
    order = PostalOrder.objects.get(dossier=d, leg="return")
    assert order.ready_at == FRIDAY_15 and order.due_at == MONDAY_15

    from opendvc.dossiers.uploads import check_file

    with time_machine.travel(datetime(2026, 3, 16, 10, 0, tzinfo=VN_TZ), tick=False):
        postal_services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST)
        postal_services.return_record(order=order, actor=postal, status=Status.DELIVERED,
                                      receiver_name="Nguyễn Thị Hoa",
                                      proof=check_file(name="chu-ky.png", content=png_bytes()))
    d.refresh_from_db()
    order.refresh_from_db()
    assert d.status == "returned" and order.on_time_class in ("early", "on_time")
    ret = d.events.get(action="return_result")
    assert ret.data["method"] == "postal" and ret.data["order_number"] == order.order_number
    order.proof_file.delete(save=False)


def test_level_4_at_the_counter_waits_for_the_office_and_online_is_returned_at_issuance(
    client, citizen, officer, processor, leader, level4, django_capture_on_commit_callbacks
):
    from opendvc.vault.models import StoredDocument

    counter = submitted_dossier(level4, citizen)
    services.dossier_return_choose(dossier=counter, actor=citizen, return_method="counter")
    online = submitted_dossier(level4, citizen)
    services.dossier_return_choose(dossier=online, actor=citizen, return_method="online")
    counter = _approved(counter, officer, processor, leader, capture=django_capture_on_commit_callbacks)
    online = _approved(online, officer, processor, leader, capture=django_capture_on_commit_callbacks)

    assert counter.status == "result_ready"
    assert StoredDocument.objects.filter(dossier_document__dossier=counter, source="result").exists()
    assert returns.return_method_default(dossier=counter) == "counter"
    sign_in(client, officer)
    page = client.get(f"/can-bo/xu-ly/{counter.code}/").content.decode()
    assert re.search(r'<option value="counter" selected>', page)
    # Online: returned when issued, the class frozen then (docs/adr/0006).
    assert online.status == "returned" and online.finished_at == FRIDAY_15
    assert online.events.get(action="return_result").data["method"] == "online"

    # The applicant waiting at the counter chooses online after all: issued at once.
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_return_choose(dossier=counter, actor=citizen, return_method="online")
    counter.refresh_from_db()
    assert counter.status == "returned"
    assert counter.events.get(action="return_result").data["method"] == "online"


def test_the_applicant_is_told_once_how_the_result_reaches_them(
    citizen, officer, processor, leader, level4, django_capture_on_commit_callbacks
):
    """One email per approved dossier, saying how the result comes: at the counter (the office and
    what to bring), by post, or — online — issued into the store with its verification link and the
    satisfaction survey in the same message (not three: ready, in the store, the survey)."""
    from opendvc.notifications.models import Notification
    from opendvc.surveys.models import SurveyInvitation

    chosen = {}
    for how, extra in (("counter", {}), ("postal", {"return_address": HOME}), ("online", {})):
        d = submitted_dossier(level4, citizen)
        services.dossier_return_choose(dossier=d, actor=citizen, return_method=how, **extra)
        chosen[how] = _approved(d, officer, processor, leader, capture=django_capture_on_commit_callbacks)

    def emails(d):
        sent = Notification.objects.filter(recipient=citizen, channel="email", context__code=d.code)
        return list(sent.exclude(template__in=("dossier_submitted", "dossier_received")).order_by("pk"))

    counter = emails(chosen["counter"])
    assert [m.template for m in counter] == ["dossier_result_ready"]
    assert "bộ phận một cửa" in counter[0].body and "giấy tờ tùy thân" in counter[0].body
    postal = emails(chosen["postal"])
    assert [m.template for m in postal] == ["dossier_result_ready"]
    assert "bưu chính" in postal[0].body and "bộ phận một cửa" not in postal[0].body

    online = chosen["online"]
    assert online.status == "returned"
    [message] = emails(online)
    invitation = SurveyInvitation.objects.get(dossier_code=online.code)
    assert message.template == "result_issued"
    assert invitation.token in message.body
    assert "Kho quản lý dữ liệu điện tử" in message.body
    # The in-app message is the same one; the survey sends nothing of its own.
    assert not Notification.objects.filter(template="survey_invitation", context__code=online.code).exists()
    assert Notification.objects.filter(recipient=citizen, channel="in_app", template="result_issued",
                                       context__code=online.code).count() == 1


def test_a_delivery_recorded_after_the_due_date_counts_when_it_was_made(
    citizen, officer, processor, leader, postal, level4, django_capture_on_commit_callbacks
):
    """The post delivered on time; the worker recorded it days later, past the due date. The dossier is
    returned when the result reached the applicant: on time, finished at the delivery."""
    from datetime import timedelta

    from opendvc.catalog.models import FeeItem
    from opendvc.dossiers.uploads import check_file
    from opendvc.postal import services as postal_services
    from opendvc.postal.models import PostalOrder, Status

    from .conftest import png_bytes

    d = submitted_dossier(level4, citizen)
    d = services.dossier_return_choose(dossier=d, actor=citizen, return_method="postal", return_address=HOME)
    d = _approved(d, officer, processor, leader, fee=FeeItem.objects.get(procedure=level4),
                  capture=django_capture_on_commit_callbacks)
    order = PostalOrder.objects.get(dossier=d, leg="return")
    handed, delivered = FRIDAY_15 + timedelta(minutes=30), FRIDAY_15 + timedelta(minutes=90)
    assert delivered < d.due_at
    with time_machine.travel(d.due_at + timedelta(days=3), tick=False):
        postal_services.return_record(order=order, actor=postal, status=Status.HANDED_TO_POST, at=handed)
        postal_services.return_record(order=order, actor=postal, status=Status.DELIVERED, at=delivered,
                                      receiver_name="Nguyễn Thị Hoa",
                                      proof=check_file(name="chu-ky.png", content=png_bytes()))
    d.refresh_from_db()
    order.refresh_from_db()
    assert d.status == "returned" and d.finished_at == delivered
    assert d.on_time_class in ("early", "on_time") and order.on_time_class in ("early", "on_time")
    assert d.events.get(action="return_result").data["on_time_class"] == d.on_time_class
    order.proof_file.delete(save=False)


def test_an_unknown_way_is_answered_with_the_ways_the_procedure_offers(level4, procedure):
    """A way that does not exist (a tampered page, an app's typo) is answered with the procedure's
    own ways in words, each with the key the API takes; online only where the level offers it."""
    for proc, ways in (
        (level4, "trực tuyến (online), tại bộ phận một cửa (counter), qua bưu chính (postal)"),
        (procedure, "tại bộ phận một cửa (counter), qua bưu chính (postal)"),
    ):
        with pytest.raises(ProblemError) as refused:
            returns.choice_clean(procedure=proc, method="drone")
        assert refused.value.extra["errors"] == [
            {"path": "return_method", "message": f"Chọn một hình thức nhận kết quả của thủ tục này: {ways}."}
        ]
