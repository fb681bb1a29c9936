"""Demo postal work: the demo postal worker also serves the justice department, and a dossier of the demo
citizen goes through the postal queue — collected at home, handed to the one-stop office, received there
with the channel "postal", approved, and its result taken by the post with the 24-hour clock running
(Regulation QĐ 31/2020/QĐ-UBND Art. 15.2). Idempotent: nothing is added once the citizen has a postal
order."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

JUSTICE = "000.00.32.H19"
CITIZEN = "citizen1@demo.opendvc.vn"
OFFICER = "receiving-officer@demo.opendvc.vn"
LEADER = "leader@demo.opendvc.vn"
POSTAL = "postal-operator@demo.opendvc.vn"


def seed(stdout=None) -> None:
    from opendvc.accounts.models import User
    from opendvc.agencies.models import Agency, StaffRole
    from opendvc.dossiers import services as dossier_services
    from opendvc.dossiers.appointments import appointment_default
    from opendvc.dossiers.demo import _procedure

    from . import services
    from .models import PostalOrder, Status

    people = {e: User.objects.filter(email=e).first() for e in (CITIZEN, OFFICER, LEADER, POSTAL)}
    agency = Agency.objects.filter(code=JUSTICE).first()
    if agency is None or not all(people.values()):
        if stdout:
            stdout.write("  bỏ qua: thiếu tài khoản mẫu hoặc cơ quan mẫu")
        return
    citizen, officer, leader, postal = (people[e] for e in (CITIZEN, OFFICER, LEADER, POSTAL))
    StaffRole.objects.get_or_create(user=postal, agency=agency, role=StaffRole.Role.POSTAL_OPERATOR)
    if PostalOrder.objects.filter(applicant=citizen).exists():
        if stdout:
            stdout.write("  đơn bưu chính mẫu đã có")
        return
    procedure, _data = _procedure(agency)
    if procedure is None:
        if stdout:
            stdout.write("  bỏ qua: không có thủ tục mẫu")
        return
    address = services.Address(
        "Nguyễn Văn An", "0912000001", "12 Võ Thị Sáu, phường Trấn Biên", "Đồng Nai"
    )
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
        days=1
    )
    # One pickup still to collect (the worker's "Thu gom hồ sơ" list).
    services.pickup_request(
        applicant=citizen,
        procedure=procedure,
        agency=agency,
        address=address,
        window_start=start,
        window_end=start + timedelta(hours=2),
        note="Gọi trước 15 phút.",
    )
    # One pickup taken all the way to a result the post is delivering.
    order = services.pickup_request(
        applicant=citizen,
        procedure=procedure,
        agency=agency,
        address=address,
        window_start=start,
        window_end=start + timedelta(hours=3),
    )
    services.pickup_record(order=order, actor=postal, status=Status.COLLECTED)
    services.pickup_record(order=order, actor=postal, status=Status.HANDED_TO_OFFICE)
    # The appointment the officer sets when the procedure states no time: in working time whatever
    # the hour and day the demo is seeded (the statutory one otherwise).
    dossier = services.pickup_intake(
        order=order, actor=officer, due_at=appointment_default(agency=agency, at=timezone.now())
    )
    dossier = dossier_services.dossier_act(
        dossier=dossier, action="start_processing", actor=officer
    )
    dossier = dossier_services.dossier_act(
        dossier=dossier, action="approve", actor=leader, result="Bản sao trích lục hộ tịch"
    )
    back = services.open_return(dossier) or services.return_open(
        dossier=dossier, actor=None, address=address, system=True
    )
    services.return_record(order=back, actor=postal, status=Status.HANDED_TO_POST)
    if stdout:
        stdout.write(f"  2 đơn thu gom, 1 đơn trả kết quả ({back.order_number}) cho bưu chính")
