"""Demo satisfaction surveys: two dossiers of the demo citizen brought to the justice department's
counter, processed, approved and their results handed over at the counter. Each return invites the
citizen to the survey (``services.survey_invite``, as the return's signal does): one invitation is
left for the citizen to answer (the in-app notice and its link), the other is answered, so that the
survey figures of the reports pages have something to show. Idempotent: nothing is added once the
citizen has an invitation."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from opendvc.accounts.models import User
from opendvc.agencies.models import Agency
from opendvc.dossiers import services as dossier_services
from opendvc.dossiers.appointments import appointment_default
from opendvc.dossiers.demo import _pdf, _procedure

from . import services
from .models import SurveyInvitation

JUSTICE = "000.00.32.H19"
CITIZEN = "citizen1@demo.opendvc.vn"
OFFICER = "receiving-officer@demo.opendvc.vn"
LEADER = "leader@demo.opendvc.vn"


def seed(stdout=None) -> None:
    people = {e: User.objects.filter(email=e).first() for e in (CITIZEN, OFFICER, LEADER)}
    agency = Agency.objects.filter(code=JUSTICE).first()
    if agency is None or not all(people.values()):
        if stdout:
            stdout.write("  bỏ qua: thiếu tài khoản mẫu hoặc cơ quan mẫu")
        return
    citizen, officer, leader = (people[e] for e in (CITIZEN, OFFICER, LEADER))
    if SurveyInvitation.objects.filter(applicant=citizen).exists():
        if stdout:
            stdout.write("  phiếu khảo sát mẫu đã có")
        return
    procedure, data = _procedure(agency)
    if procedure is None:
        if stdout:
            stdout.write("  bỏ qua: không có thủ tục mẫu")
        return
    paper = _pdf("Ban sao giay to")

    def returned():
        dossier = dossier_services.counter_intake(
            actor=officer,
            procedure=procedure,
            receiving_agency=agency,
            channel="counter",
            applicant=citizen,
            data=data,
            files=[(None, paper)],
            due_at=appointment_default(agency=agency, at=timezone.now()),
        )
        for action, actor, inputs in (
            ("start_processing", officer, {}),
            ("approve", leader, {"result": "Bản sao trích lục hộ tịch"}),
            (
                "return_result",
                officer,
                {"method": "counter", "recipient": "Nguyễn Văn An", "identity_document": "CCCD"},
            ),
        ):
            dossier = dossier_services.dossier_act(
                dossier=dossier, action=action, actor=actor, **inputs
            )
        # The return's signal invites once the transaction commits; the invitation is wanted now.
        return services.survey_invite(dossier=dossier)

    with transaction.atomic():
        # The earlier return is answered; the later one's invitation, the newest notice of the
        # citizen's inbox, waits for the answer.
        answered = returned()
        returned()
        services.survey_answer(
            invitation=answered,
            overall=5,
            criteria={"thai-do": 5, "huong-dan": 5, "dung-hen": 4, "theo-doi": 4},
            comment="Cán bộ một cửa hướng dẫn rõ ràng, nhận kết quả đúng hẹn. (Ý kiến mẫu của bản demo.)",
        )
    if stdout:
        stdout.write("  2 hồ sơ mẫu đã trả kết quả: 1 phiếu khảo sát chờ trả lời, 1 đã trả lời")
