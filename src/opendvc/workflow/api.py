"""API of processing: ``GET /api/v1/dossiers/{code}/steps`` (the control sheet as data) and the public
results ``GET /api/v1/public/results`` (Regulation Art. 4.8: finished dossiers, no personal data).

The actions themselves (department actions, apology, step hand-overs) go through
``POST /api/v1/dossiers/{code}/actions``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from opendvc.api.auth import require_scope
from opendvc.api.params import MAX_PAGE
from opendvc.api.schemas import problems
from opendvc.core.problems import ProblemError

from . import selectors

router = Router(tags=["workflow"])

PUBLIC_PAGE = 100


class StepOut(Schema):
    position: int
    name: str
    role: str
    department: str
    assignee: str | None
    entered_at: datetime
    due_at: datetime
    left_at: datetime | None
    outcome: str
    timing: str
    state: str
    allotted_hours: Decimal
    note: str


class StepsOut(Schema):
    code: str
    status: str
    due_at: datetime | None
    appointment_at: datetime | None
    steps: list[StepOut]


@router.get("/dossiers/{code}/steps", response={200: StepsOut, **problems(404)}, summary="Các bước xử lý của hồ sơ (phiếu kiểm soát)")
def dossier_steps(request, code: str):
    """Staff of the agency see who handled each step; the applicant sees the steps without names."""
    from opendvc.dossiers.lifecycle import Role
    from opendvc.dossiers.selectors import dossier_for_user
    from opendvc.dossiers.services import actor_roles

    require_scope(request, "read")
    dossier = dossier_for_user(user=request.user, code=code)
    staff = bool(actor_roles(dossier=dossier, actor=request.user) - {Role.APPLICANT}) or request.user.is_superuser
    out = []
    for r in selectors.step_runs(dossier):
        person = r.left_by_label or (r.assignee.full_name if r.assignee_id else None)
        out.append(StepOut(
            position=r.position, name=r.name, role=r.role, department=r.department.name,
            assignee=person if staff else None, entered_at=r.entered_at, due_at=r.due_at, left_at=r.left_at,
            outcome=r.outcome, timing=r.timing, state=selectors.step_state(r), allotted_hours=r.allotted_hours,
            note=r.note if staff else "",
        ))
    return StepsOut(code=dossier.code, status=dossier.status, due_at=dossier.due_at,
                    appointment_at=dossier.appointment_at, steps=out)


class PublicResult(Schema):
    code: str
    procedure_code: str
    procedure: str
    agency: str
    status: str
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime
    on_time_class: str


class PublicResults(Schema):
    items: list[PublicResult]
    page: int
    has_next: bool


class ResultsQuery(Schema):
    agency: str = Field("", description="Mã cơ quan (ví dụ 000.00.32.H19); để trống: mọi cơ quan")
    date_from: date | None = Field(None, alias="from", description="Kết thúc từ ngày (YYYY-MM-DD)")
    date_to: date | None = Field(None, alias="to", description="Đến ngày (YYYY-MM-DD), tối đa một năm")
    page: int = Field(1, ge=1, le=MAX_PAGE)


@router.get("/public/results", response={200: PublicResults, **problems(422)}, auth=None, summary="Công khai kết quả giải quyết hồ sơ")
def public_results(request, q: Query[ResultsQuery]):
    """Finished dossiers (returned or stopped) by agency and finishing period: code, procedure, dates
    and the frozen on-time class — no names, identifiers or files."""
    from opendvc.agencies.models import Agency
    from opendvc.dossiers.results import check_period
    from opendvc.dossiers.results import public_results as finished

    agency = None
    if q.agency:
        agency = Agency.objects.filter(code=q.agency).first()
        if agency is None:
            raise ProblemError("validation_error", "Không có cơ quan với mã này.",
                               extra={"errors": [{"path": "agency", "message": "Mã cơ quan không tồn tại."}]})
    errors = check_period(q.date_from, q.date_to)
    if errors:
        raise ProblemError("validation_error", "Khoảng thời gian không hợp lệ.", extra={"errors": errors})
    start = (q.page - 1) * PUBLIC_PAGE
    rows = list(finished(agency=agency, date_from=q.date_from, date_to=q.date_to)[start:start + PUBLIC_PAGE + 1])
    return PublicResults(
        items=[PublicResult(code=d.code, procedure_code=d.procedure.code, procedure=d.procedure.name,
                            agency=d.receiving_agency.code, status=d.status, received_at=d.received_at,
                            due_at=d.due_at, finished_at=d.finished_at, on_time_class=d.on_time_class)
               for d in rows[:PUBLIC_PAGE]],
        page=q.page, has_next=len(rows) > PUBLIC_PAGE,
    )
