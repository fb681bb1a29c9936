"""Browser check of processing: the one-stop officer starts processing and forwards the dossier, the
specialist claims it and requests a supplement, the applicant supplies it, the specialist forwards it,
the leader approves it, the result is issued online (returned) and downloaded; a late dossier gets its
apology and new date; the public results page lists the finished dossier with its class. Every page is
checked with axe (WCAG 2.1 A/AA) at 360 px."""

from __future__ import annotations

from datetime import timedelta

from conftest import browser_module_marks

from .conftest import small_pdf, submitted_dossier
from .test_e2e_dossier_flow import _check, _click, _page_as

pytestmark = browser_module_marks()


def test_officer_processes_a_dossier_to_the_result(browser, live_server, citizen, officer, processor,  # noqa: F811
                                                    leader, procedure):
    from opendvc.catalog.models import Procedure
    from opendvc.dossiers import services
    from opendvc.dossiers.models import Dossier

    Procedure.objects.filter(pk=procedure.pk).update(level=4)  # the result is downloaded: a level-4 service
    d = submitted_dossier(procedure, citizen)
    d = services.dossier_act(dossier=d, action="receive", actor=officer)

    office = _page_as(browser, live_server, officer, mfa=True)
    office.goto(f"{live_server.url}/mot-cua/ho-so/{d.code}/")
    with office.expect_navigation():
        office.get_by_role("link", name="Xử lý theo quy trình nội bộ (các bước, thao tác, phiếu kiểm soát)").click()
    _check(office)
    _click(office, "Chuyển xử lý")
    _check(office)
    office.fill("#note-forward", "Chuyển phòng chuyên môn thẩm định")
    _click(office, "Chuyển bước tiếp theo")

    spec = _page_as(browser, live_server, processor, mfa=True)
    spec.goto(f"{live_server.url}/can-bo/viec-can-xu-ly/?xem=queue")
    _check(spec)
    with spec.expect_navigation():
        spec.locator("main").get_by_role("button", name=f"Nhận xử lý {d.code}").click()
    spec.goto(f"{live_server.url}/can-bo/viec-can-xu-ly/")
    with spec.expect_navigation():
        spec.get_by_role("link", name=d.code).click()
    _check(spec)
    spec.fill("#items", "Bản sao trích lục khai sinh của mẹ")
    _click(spec, "Gửi yêu cầu bổ sung")
    assert Dossier.objects.get(pk=d.pk).status == "supplement_requested"

    me = _page_as(browser, live_server, citizen)
    me.goto(f"{live_server.url}/ho-so-cua-toi/{d.public_id}/")
    _check(me)
    with me.expect_navigation():
        me.locator("main").get_by_role("link", name="Nộp bổ sung").click()
    _check(me)
    me.set_input_files("#tep", files=[{"name": "trich-luc.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}])
    _click(me, "Gửi giấy tờ bổ sung")
    assert Dossier.objects.get(pk=d.pk).status == "processing"

    spec.goto(f"{live_server.url}/can-bo/xu-ly/{d.code}/")
    _click(spec, "Chuyển bước tiếp theo")

    boss = _page_as(browser, live_server, leader, mfa=True)
    boss.goto(f"{live_server.url}/can-bo/xu-ly/{d.code}/")
    _check(boss)
    # At 360 px every table of the page fits (the internal steps are one card per step).
    assert boss.evaluate(
        "[...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth + 1)"
    )
    boss.fill("#result", "Giấy khai sinh bản chính số 123/2026")
    _click(boss, "Phê duyệt")
    # Online return at issuance: once the approval commits, the result is in the applicant's store and
    # the dossier is returned, its class frozen (vault.services.result_issue).
    issued = Dossier.objects.get(pk=d.pk)
    assert issued.status == "returned" and issued.on_time_class in ("early", "on_time")
    boss.goto(f"{live_server.url}/can-bo/tong-quan-xu-ly/")
    _check(boss)

    me.goto(f"{live_server.url}/ho-so-cua-toi/{d.public_id}/")
    _check(me)
    result = me.locator("main").get_by_role("link", name="Kết quả giải quyết")
    href = result.get_attribute("href")
    response = me.request.get(f"{live_server.url}{href}")
    assert response.ok and response.body().startswith(b"%PDF")
    d.refresh_from_db()
    assert (d.status, d.finished_at, d.on_time_class) == ("returned", issued.finished_at, issued.on_time_class)

    public = _page_as(browser, live_server, citizen)
    public.goto(f"{live_server.url}/ket-qua-giai-quyet/")
    text = public.locator("main").inner_text()
    assert d.code in text and citizen.full_name not in text
    _check(public)


def test_late_dossier_gets_its_apology(browser, live_server, citizen, officer, leader, procedure):  # noqa: F811
    from django.utils import timezone

    from opendvc.dossiers import services
    from opendvc.dossiers.models import Dossier
    from opendvc.worktime import to_local

    d = submitted_dossier(procedure, citizen)
    d = services.dossier_act(dossier=d, action="receive", actor=officer)
    d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
    boss = _page_as(browser, live_server, leader, mfa=True)
    boss.goto(f"{live_server.url}/can-bo/xu-ly/{d.code}/")
    new = to_local(d.due_at + timedelta(days=7))
    boss.fill("#reason-apology", "Chờ kết quả xác minh của UBND xã")
    boss.fill("#new_due_at", new.strftime("%d/%m/%Y"))
    _click(boss, "Gửi phiếu xin lỗi")
    _check(boss)
    fresh = Dossier.objects.get(pk=d.pk)
    assert fresh.due_at == d.due_at and fresh.appointment_at > d.due_at

    me = _page_as(browser, live_server, citizen)
    me.goto(f"{live_server.url}/ho-so-cua-toi/{d.public_id}/")
    main = me.locator("main").inner_text()
    assert "Hẹn lại trả kết quả" in main and to_local(fresh.appointment_at).strftime("%d/%m/%Y") in main
    assert me.locator("main").get_by_role("link", name="Phiếu xin lỗi và hẹn lại ngày trả kết quả").is_visible()
    _check(me)
    assert timezone.now()
