"""Demo data: one level-4 dossier of the demo citizen waiting for its fees, so that ``make run`` with
the gateway simulators (``manage.py run_simulators``) can pay it online. Idempotent."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from opendvc.catalog.fees import in_force


def _level4_procedure(agency):
    from opendvc.catalog.models import Procedure
    from opendvc.catalog.selectors import procedure_offer
    from opendvc.dossiers import eforms_bridge
    from opendvc.dossiers.demo import DEMO_FORM_DATA
    from opendvc.dossiers.selectors import receiving_agencies

    for p in Procedure.objects.filter(
        status=Procedure.Status.PUBLISHED, level__gte=4, is_synthetic=False, agencies=agency
    ).order_by("code"):
        if not procedure_offer(procedure=p).online_payment:
            continue
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


def _synthetic_procedure(agency):
    """The published catalog has no procedure the province classed level 4 yet: a synthetic one
    (``is_synthetic``, ``SYN-`` code, hidden from the public catalog) stands in for the demo. The real
    reference data (``catalog/data/procedures-reference.json``, 78 procedures) has none either: its
    ``level`` is null for every record (the national portal no longer publishes it) and the only
    ``online_class`` values it records are "một phần" (1.013067, 1.013076), never "toàn trình"."""
    from opendvc.catalog.models import Component, Field, Procedure, ProcedureMethod, Sector
    from opendvc.catalog.services import publish_procedure

    p = Procedure.objects.filter(code=SYNTHETIC_CODE).first()
    if p is None:
        sector, _ = Sector.objects.get_or_create(code="demo", defaults={"name": "Dữ liệu giả lập"})
        field, _ = Field.objects.get_or_create(
            code="demo", defaults={"name": "Dữ liệu giả lập", "sector": sector}
        )
        p = Procedure.objects.create(
            code=SYNTHETIC_CODE,
            name="Thủ tục mẫu thanh toán trực tuyến (dữ liệu giả lập)",
            sector=sector,
            field=field,
            level=4,
            is_synthetic=True,
            has_online=True,
            level_source=Procedure.LevelSource.SOURCE,
            methods_available=["online"],
        )
        Component.objects.create(procedure=p, name="Giấy tờ kèm theo", required=False)
        ProcedureMethod.objects.create(
            procedure=p, method="online", time_amount=5, time_unit="working_days"
        )
        p.agencies.set([agency])
        publish_procedure(procedure=p, actor=None)
        p.refresh_from_db()
    return p, {}


SYNTHETIC_CODE = "SYN-THANH-TOAN"


def seed(stdout=None) -> None:
    from opendvc.accounts.models import User
    from opendvc.agencies.models import Agency
    from opendvc.catalog.models import FeeItem
    from opendvc.dossiers import services
    from opendvc.dossiers.demo import CITIZEN, JUSTICE, OFFICER, _pdf

    citizen = User.objects.filter(email=CITIZEN).first()
    officer = User.objects.filter(email=OFFICER).first()
    agency = Agency.objects.filter(code=JUSTICE).first()
    if not (citizen and officer and agency):
        if stdout:
            stdout.write("  bỏ qua: thiếu tài khoản mẫu hoặc cơ quan mẫu")
        return
    procedure, data = _level4_procedure(agency)
    if procedure is None:
        procedure, data = _synthetic_procedure(agency)
    if citizen.dossiers.filter(procedure=procedure, status="payment_required").exists():
        if stdout:
            stdout.write("  hồ sơ mẫu chờ thanh toán đã có")
        return
    today = timezone.localdate()
    priced = next(
        (f for f in FeeItem.objects.filter(procedure=procedure, amount_vnd__gt=0).order_by("pk")
         if in_force(f, today)),
        None,
    )
    fees = (
        [{"fee_item": priced.pk, "quantity": 1}]
        if priced
        else [{"name": "Lệ phí giải quyết thủ tục (mẫu)", "amount_vnd": 20_000, "quantity": 1}]
    )
    paper = _pdf("Ban sao giay to")
    components = list(procedure.components.filter(required=True, kind="submit", case=""))
    with transaction.atomic():
        d = services.dossier_create_draft(
            applicant=citizen,
            procedure=procedure,
            receiving_agency=agency,
            actor=citizen,
            form_data=data,
        )
        services.dossier_update_draft(
            dossier=d, actor=citizen, add_files=[(c, paper) for c in components]
        )
        d = services.dossier_act(dossier=d, action="submit", actor=citizen, declaration=True)
        if d.status == "submitted":
            d = services.dossier_act(dossier=d, action="receive", actor=officer)
        if d.status == "received":
            d = services.dossier_act(dossier=d, action="start_processing", actor=officer)
        services.dossier_act(
            dossier=d, action="require_payment", actor=None, system=True, fees=fees
        )
    if stdout:
        from .registry import online_gateways

        stdout.write(f"  1 hồ sơ mẫu chờ nộp phí, lệ phí ({procedure.code}): {d.code}")
        if not online_gateways():
            # Without a gateway the dossier's page offers the counter and the post only.
            stdout.write(
                "    thanh toán trực tuyến: chưa cấu hình cổng thanh toán "
                "(manage.py run_simulators vnpay paygov, rồi đặt các biến in ra; xem README)"
            )
