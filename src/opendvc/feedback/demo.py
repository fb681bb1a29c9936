"""Demo feedback items (phản ánh, kiến nghị) at the demo justice department, one in each state its
officers meet (Regulation QĐ 31/2020/QĐ-UBND Ch. III): new and waiting for the focal officer within
his 8 working hours, past those 8 hours, escalated to the head (48 working hours), rescheduled once
with the sender (Art. 8.3), answered and published as a public question and answer, and one sent by
the demo citizen from his account. They arrive by several channels of Art. 7: the portal's form, the
switchboard's hotline and a paper letter handed to the department.

Every item is created and moved through ``services`` (history, audit trail, deadlines on the working
calendar). Deadlines count from the seeding instant, whatever it is (a weekend night, Tết): the late
item is the one forwarded on an earlier working day, recorded at that instant. Idempotent: nothing is
added once the first item is there.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from opendvc.accounts.models import User
from opendvc.agencies.models import Agency
from opendvc.dossiers.demo import _procedure
from opendvc.worktime import calendar_for_agency, to_local

from . import services
from .lifecycle import Action
from .models import Channel, Feedback, Kind

JUSTICE = "000.00.32.H19"
CITIZEN = "citizen1@demo.opendvc.vn"
SWITCHBOARD = "switchboard@demo.opendvc.vn"
FOCAL = "feedback-focal@demo.opendvc.vn"
HEAD = "head@demo.opendvc.vn"
DEMO_NOTE = "(Nội dung mẫu của bản demo OpenDVC.)"

WAITING = "Không mở được biểu mẫu tờ khai khi nộp hồ sơ trực tuyến"
OVERDUE = "Hồ sơ đã quá ngày hẹn nhưng chưa nhận được kết quả"
ESCALATED = "Kiến nghị bố trí thêm quầy tiếp nhận hồ sơ hộ tịch buổi sáng"
RESCHEDULED = "Đề nghị hướng dẫn hồ sơ cấp lại bản chính giấy khai sinh"
PUBLISHED = "Hỏi về phí cấp bản sao trích lục hộ tịch khi nộp trực tuyến"
OWN = "Chưa nhận được thông báo về hồ sơ đã nộp"


def _text(*lines: str) -> str:
    return "\n".join([*lines, DEMO_NOTE])


def _earlier_forwarding(*, agency, now: datetime) -> datetime:
    """The opening of the latest working day before today whose focal deadline (8 working hours) has
    passed by ``now``: the instant the late item was forwarded."""
    calendar = calendar_for_agency(agency)
    day = to_local(now).date()
    for _step in range(60):
        day -= timedelta(days=1)
        if not calendar.is_working_day(day):
            continue
        start = calendar.next_opening(
            datetime.combine(day, time(0, 0), tzinfo=to_local(now).tzinfo)
        )
        if services.focal_deadline(agency=agency, forwarded_at=start) < now:
            return start
    raise RuntimeError("No working day in the last 60 days.")


def _agreed_time(*, agency, now: datetime) -> datetime:
    """The new time agreed with the sender in the demo's reschedule: 09:00 on the third working day
    after today, on the department's calendar (inside Art. 8.3's bound)."""
    calendar = calendar_for_agency(agency)
    day, found = to_local(now).date(), 0
    while found < 3:
        day += timedelta(days=1)
        found += calendar.is_working_day(day)
    return calendar.next_opening(datetime.combine(day, time(9, 0), tzinfo=to_local(now).tzinfo))


def seed(stdout=None) -> None:
    people = {e: User.objects.filter(email=e).first() for e in (CITIZEN, SWITCHBOARD, FOCAL, HEAD)}
    agency = Agency.objects.filter(code=JUSTICE).first()
    if agency is None or not all(people.values()):
        if stdout:
            stdout.write("  bỏ qua: thiếu tài khoản mẫu hoặc cơ quan mẫu")
        return
    citizen, switchboard, focal, head = (people[e] for e in (CITIZEN, SWITCHBOARD, FOCAL, HEAD))
    if Feedback.objects.filter(subject=WAITING).exists():
        if stdout:
            stdout.write("  phản ánh, kiến nghị mẫu đã có")
        return
    procedure, _data = _procedure(agency)
    now = timezone.now()

    def forward(item, at=None):
        return services.feedback_act(
            feedback=item,
            action=Action.FORWARD,
            actor=switchboard,
            inputs={"agency": agency, "note": "Chuyển Sở Tư pháp xử lý theo thẩm quyền."},
            at=at,
        )

    # 1. New, from the portal's form, waiting for the focal officer within his 8 working hours.
    forward(
        services.feedback_create(
            channel=Channel.WEB,
            kind=Kind.COMPLAINT,
            subject=WAITING,
            content=_text(
                "Tôi nộp hồ sơ trích lục hộ tịch trực tuyến nhưng đến bước điền tờ khai thì biểu mẫu "
                "không hiện ra, chỉ thấy trang trắng (đã thử trên điện thoại và máy tính).",
                "Đề nghị kiểm tra giúp để tôi hoàn thành việc nộp hồ sơ.",
            ),
            sender_name="Lê Thị Mẫu",
            sender_phone="0900000101",
            procedure=procedure,
        )
    )

    # 2. Called in to the switchboard's hotline on an earlier working day: the focal officer's
    #    8 working hours have passed unanswered (trễ hạn, đang chờ xử lý).
    earlier = _earlier_forwarding(agency=agency, now=now)
    forward(
        services.feedback_create(
            channel=Channel.HOTLINE,
            kind=Kind.COMPLAINT,
            subject=OVERDUE,
            content=_text(
                "Người gọi cho biết đã nộp hồ sơ đăng ký lại khai sinh tại bộ phận một cửa của Sở, "
                "giấy hẹn ghi ngày trả kết quả đã qua nhưng chưa được nhận kết quả hay thông báo "
                "xin lỗi, hẹn lại.",
                "Đề nghị cơ quan cho biết lý do và thời gian trả kết quả.",
            ),
            sender_name="Phạm Văn Thử",
            sender_phone="0900000102",
            entered_by=switchboard,
            created_at=earlier,
        ),
        at=earlier,
    )

    # 3. A paper letter handed to the department (Art. 7.3), which the focal officer escalates to
    #    the head (48 working hours from the forwarding, Art. 8.2).
    letter = services.feedback_register_paper(
        agency=agency,
        actor=focal,
        kind=Kind.PROPOSAL,
        subject=ESCALATED,
        content=_text(
            "Buổi sáng thứ Hai, số người chờ nộp hồ sơ hộ tịch rất đông, nhiều người phải chờ hơn "
            "hai giờ.",
            "Kiến nghị Sở bố trí thêm một quầy tiếp nhận vào các buổi sáng đầu tuần.",
        ),
        sender_name="Hoàng Văn Mẫu",
        sender_address="Số 1 đường Mẫu, phường Trấn Biên, tỉnh Đồng Nai",
    )
    services.feedback_act(
        feedback=letter,
        action=Action.ESCALATE,
        actor=focal,
        inputs={"note": "Việc bố trí nhân sự quầy thuộc thẩm quyền của Giám đốc Sở."},
    )

    # 4. From the portal's form, rescheduled once with the sender (Art. 8.3).
    moved = forward(
        services.feedback_create(
            channel=Channel.WEB,
            kind=Kind.QUESTION,
            subject=RESCHEDULED,
            content=_text(
                "Bản chính giấy khai sinh của con tôi bị rách, mất một phần. Tôi cần chuẩn bị những "
                "giấy tờ gì để xin cấp lại và có nộp trực tuyến được không?",
            ),
            sender_name="Đỗ Thị Thử",
            sender_phone="0900000104",
            procedure=procedure,
        )
    )
    services.feedback_act(
        feedback=moved,
        action=Action.RESCHEDULE,
        actor=focal,
        inputs={
            "note": "Cần xác minh sổ hộ tịch lưu tại UBND cấp xã; đã gọi điện thống nhất với "
            "người gửi thời gian trả lời mới.",
            "new_due_at": _agreed_time(agency=agency, now=now),
        },
    )

    # 5. A question answered and published (the sender agreed) on the public Q&A page.
    asked = forward(
        services.feedback_create(
            channel=Channel.WEB,
            kind=Kind.QUESTION,
            subject=PUBLISHED,
            content=_text(
                "Tôi muốn xin bản sao trích lục khai sinh qua Cổng dịch vụ công. Phí phải nộp bao "
                "nhiêu, nộp bằng cách nào và có được nhận kết quả qua bưu điện không?",
            ),
            sender_name="Vũ Văn Mẫu",
            sender_phone="0900000105",
            procedure=procedure,
            consent_publish=True,
        )
    )
    asked = services.feedback_act(
        feedback=asked,
        action=Action.ANSWER,
        actor=focal,
        inputs={
            "answer": _text(
                "Sở Tư pháp trả lời như sau:",
                "1. Mức phí cấp bản sao trích lục hộ tịch được công khai tại mục “Phí, lệ phí” "
                "của thủ tục trên Cổng; số tiền phải nộp hiện trên hồ sơ khi cơ quan yêu cầu nộp "
                "phí.",
                "2. Ông/Bà có thể nộp phí trực tuyến trên Cổng hoặc nộp tại bộ phận một cửa khi "
                "nhận kết quả.",
                "3. Khi nộp hồ sơ, Ông/Bà chọn cách nhận kết quả “Qua dịch vụ bưu chính” và ghi "
                "địa chỉ nhận; cước bưu chính do người nhận trả.",
            )
        },
    )
    preview = services.publish_preview(feedback=asked)
    services.feedback_publish(feedback=asked, actor=focal, **preview)

    # 6. The demo citizen's own item, sent from his account about one of his dossiers.
    dossier = citizen.dossiers.exclude(code__isnull=True).exclude(code="").order_by("pk").first()
    forward(
        services.feedback_create(
            channel=Channel.WEB,
            kind=Kind.COMPLAINT,
            subject=OWN,
            content=_text(
                "Tôi đã nộp hồ sơ trực tuyến nhưng chưa thấy email hay tin nhắn nào báo hồ sơ đã "
                "được tiếp nhận. Đề nghị kiểm tra giúp tình trạng hồ sơ.",
            ),
            sender=citizen,
            procedure=dossier.procedure if dossier else procedure,
            dossier_code=dossier.code if dossier else "",
        )
    )
    if stdout:
        stdout.write(
            f"  6 phản ánh, kiến nghị mẫu tại {agency.short_name or agency.name} "
            "(1 trễ hạn, 1 chờ thủ trưởng, 1 gia hạn, 1 đã công khai)"
        )
