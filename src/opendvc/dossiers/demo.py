"""Demo dossiers: a few dossiers of the demo citizen in several states, received by the demo
one-stop officer of the justice department. Idempotent: nothing is added once the citizen has dossiers.

Every demo dossier goes to an agency that implements its procedure (named on the procedure in the
catalog): a provincial department does not receive, say, a tax procedure of the local tax office
because both sit at the province tier.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from opendvc.accounts.models import User
from opendvc.agencies.models import Agency
from opendvc.catalog.models import Procedure

from . import eforms_bridge, services
from .appointments import appointment_default
from .lifecycle import Action
from .selectors import receiving_agencies
from .uploads import check_file

JUSTICE = "000.00.32.H19"
CITIZEN = "citizen1@demo.opendvc.vn"
OFFICER = "receiving-officer@demo.opendvc.vn"


# The demo citizen's request for a copy of a civil-status extract (procedure 2.000635, received by
# the justice department), filled as on the e-form.
DEMO_FORM_DATA = {
    "agency": "Sở Tư pháp tỉnh Đồng Nai",
    "requester_name": "Nguyễn Văn An",
    "requester_id_number": "075090001234",
    "requester_address": {"province": 75, "ward": 26068, "street": "12 Võ Thị Sáu"},
    "requester_relation": "Bản thân",
    "copy_kind": "extract",
    "subject_name": "Nguyễn Văn An",
    "registration_agency": "UBND phường Trấn Biên",
    "copies": 2,
    "declaration": True,
}


def _procedure(agency):
    """A level-3+ procedure that ``agency`` implements (named on it) and receives, and form data valid
    for its e-form (if any)."""
    for p in Procedure.objects.filter(status=Procedure.Status.PUBLISHED, level__gte=3, is_synthetic=False,
                                      agencies=agency).order_by("code"):
        if not receiving_agencies(procedure=p).filter(pk=agency.pk).exists():
            continue
        version = eforms_bridge.form_for(p)
        if version is None:
            return p, {}
        try:
            return p, eforms_bridge.validate(form_version=version, data=DEMO_FORM_DATA)
        except eforms_bridge.FormInvalid:
            continue
    return None, {}


def _pdf(text: str):
    # Imported on first use: the PDF engine is the heaviest import (core.warmup).
    from weasyprint import HTML

    return check_file(name=f"{text}.pdf", content=HTML(string=f"<p>{text}</p>").write_pdf())


def seed(stdout=None) -> None:
    citizen = User.objects.filter(email=CITIZEN).first()
    officer = User.objects.filter(email=OFFICER).first()
    agency = Agency.objects.filter(code=JUSTICE).first()
    if not (citizen and officer and agency):
        if stdout:
            stdout.write("  bỏ qua: thiếu tài khoản mẫu hoặc cơ quan mẫu")
        return
    if citizen.dossiers.exists():
        if stdout:
            stdout.write(f"  {citizen.dossiers.count()} hồ sơ mẫu đã có")
        return
    procedure, data = _procedure(agency)
    if procedure is None:
        if stdout:
            stdout.write("  bỏ qua: không có thủ tục mức độ 3 do Sở Tư pháp thực hiện")
        return
    components = list(procedure.components.filter(required=True, kind="submit", case=""))
    paper = _pdf("Ban sao giay to")

    def filed():
        d = services.dossier_create_draft(applicant=citizen, procedure=procedure, receiving_agency=agency,
                                          actor=citizen, form_data=data)
        services.dossier_update_draft(dossier=d, actor=citizen, add_files=[(c, paper) for c in components])
        return services.dossier_act(dossier=d, action=Action.SUBMIT, actor=citizen, declaration=True)

    # The appointment the officer sets when the procedure states no time (the statutory one otherwise).
    due_at = appointment_default(agency=agency, at=timezone.now())
    with transaction.atomic():
        filed()
        services.dossier_act(dossier=filed(), action=Action.RECEIVE, actor=officer, due_at=due_at)
        services.dossier_act(dossier=filed(), action=Action.RETURN_FOR_COMPLETION, actor=officer,
                                    items=["Bản sao giấy tờ tùy thân có chứng thực", "Tờ khai có chữ ký"],
                                    note="Vui lòng bổ sung trong 05 ngày làm việc.")
        services.dossier_act(dossier=filed(), action=Action.REFUSE, actor=officer,
                                    reason="Hồ sơ thuộc thẩm quyền giải quyết của UBND cấp xã.")
        services.counter_intake(actor=officer, procedure=procedure, receiving_agency=agency, channel="counter",
                                applicant=citizen, data=data, files=[(None, paper)], due_at=due_at)
        draft = services.dossier_create_draft(applicant=citizen, procedure=procedure, receiving_agency=agency,
                                              actor=citizen, form_data=data)
        services.dossier_update_draft(dossier=draft, actor=citizen, add_files=[(components[0], paper)]
                                      if components else [])
    if stdout:
        stdout.write(f"  6 hồ sơ mẫu cho {procedure.code} tại {agency.short_name or agency.name}")
