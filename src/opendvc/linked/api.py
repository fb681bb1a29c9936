"""Linked procedures over the API: the public list and detail of the bundles, the applicant's linked
dossier with every agency's part (progress, deadlines, results, hand-offs), and the actions on a part
through ``services.part_act`` — the same function as the back-office pages (Decree 61/2018/NĐ-CP
Art. 4). Errors are problem+json with ``code`` and ``errors: [{path, message}]``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import File, Form, Path, Router, Schema, Status
from ninja.files import UploadedFile

from opendvc.api.auth import require_scope
from opendvc.api.params import MAX_ID
from opendvc.api.schemas import problems
from opendvc.core.links import absolute_url
from opendvc.core.uploads import upload_problem
from opendvc.dossiers import selectors as dossier_selectors
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.services import staff_roles_at

from .bundles import critical_path
from .forms import combined_components
from .models import LinkedProcedure, Part, PartState
from .selectors import dossier_progress, is_applicant, parts_for_officer
from .services import ACTION_LABELS, MACHINE, bundle_of, part_act, part_result_file_add

router = Router(tags=["Thủ tục liên thông"])


class LinkedMemberOut(Schema):
    key: str
    position: int
    name: str
    procedure: str | None
    agency_label: str
    agency: str | None
    allotment_amount: Decimal
    allotment_unit: str
    allotment_basis: str
    after: list[str]
    handoff_amount: Decimal
    handoff_unit: str
    result_name: str


class LinkedBundleOut(Schema):
    key: str
    name: str
    procedure: str | None
    total_amount: Decimal | None
    total_unit: str
    total_basis: str
    return_amount: Decimal
    completion_rule: str
    legal_basis: str
    critical_path: Decimal
    members: list[LinkedMemberOut]
    missing_members: list[dict]


class LinkedComponentOut(Schema):
    name: str
    required: bool
    case: str
    members: list[str]


class LinkedBundleDetailOut(LinkedBundleOut):
    components: list[LinkedComponentOut]


class LinkedPartEventOut(Schema):
    at: datetime
    action: str
    from_state: str
    to_state: str
    note: str
    actor: str


class LinkedResultFileOut(Schema):
    id: int
    title: str
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    in_vault: bool
    url: str


class LinkedPartOut(Schema):
    id: int
    member: str
    name: str
    agency: str
    agency_name: str
    status: str
    status_label: str
    version: int
    started_at: datetime | None
    due_at: datetime | None
    paused_at: datetime | None
    finished_at: datetime | None
    timeliness: str
    result: str
    reason: str
    completion_items: list[str]
    result_files: list[LinkedResultFileOut]
    allowed_actions: list[str]
    events: list[LinkedPartEventOut]


class LinkedHandoffOut(Schema):
    to_member: str
    from_member: str | None
    to_agency: str
    sent_at: datetime
    due_at: datetime
    accepted_at: datetime | None
    timeliness: str


class LinkedDossierOut(Schema):
    code: str | None
    bundle: str
    bundle_name: str
    status: str
    received_at: datetime | None
    due_at: datetime | None
    appointment_at: datetime | None
    finished_at: datetime | None
    all_ended: bool
    parts: list[LinkedPartOut]
    handoffs: list[LinkedHandoffOut]


class LinkedPartActionIn(Schema):
    action: str
    version: int | None = None
    reason: str | None = None
    note: str | None = None
    items: list[str] | None = None
    result: str | None = None


class LinkedInboxItemOut(Schema):
    id: int
    dossier_code: str | None
    bundle: str
    member: str
    name: str
    agency: str
    status: str
    due_at: datetime | None


def _member_out(m) -> LinkedMemberOut:
    return LinkedMemberOut(
        key=m.key,
        position=m.position,
        name=m.name,
        procedure=m.procedure.code if m.procedure_id else None,
        agency_label=m.agency_label,
        agency=m.agency.code if m.agency_id else None,
        allotment_amount=m.allotment_amount,
        allotment_unit=m.allotment_unit,
        allotment_basis=m.allotment_basis,
        after=list(m.after or []),
        handoff_amount=m.handoff_amount,
        handoff_unit=m.handoff_unit,
        result_name=m.result_name,
    )


def _bundle_fields(bundle: LinkedProcedure) -> dict:
    members = bundle.members.select_related("procedure", "agency").order_by("position")
    return {
        "key": bundle.key,
        "name": bundle.name,
        "procedure": bundle.procedure.code if bundle.procedure_id else None,
        "total_amount": bundle.total_amount,
        "total_unit": bundle.total_unit,
        "total_basis": bundle.total_basis,
        "return_amount": bundle.return_amount,
        "completion_rule": bundle.completion_rule,
        "legal_basis": bundle.legal_basis,
        "critical_path": critical_path(bundle),
        "members": [_member_out(m) for m in members],
        "missing_members": list(bundle.missing_members or []),
    }


@router.get(
    "/linked/procedures",
    auth=None,
    response=list[LinkedBundleOut],
    summary="Danh sách thủ tục liên thông",
)
def list_bundles(request):
    bundles = LinkedProcedure.objects.filter(is_active=True).select_related("procedure")
    return [LinkedBundleOut(**_bundle_fields(b)) for b in bundles]


@router.get(
    "/linked/procedures/{key}",
    auth=None,
    response={200: LinkedBundleDetailOut, **problems(404)},
    summary="Một thủ tục liên thông: các phần, thứ tự, thời hạn từng cơ quan và thành phần hồ sơ",
)
def get_bundle(request, key: str):
    bundle = get_object_or_404(
        LinkedProcedure.objects.select_related("procedure"), key=key, is_active=True
    )
    components = [
        LinkedComponentOut(
            name=str(c.get("name", "")),
            required=bool(c.get("required")),
            case=str(c.get("case") or ""),
            members=[str(k) for k in c.get("members", [])],
        )
        for c in combined_components(bundle=bundle)
    ]
    return LinkedBundleDetailOut(**_bundle_fields(bundle), components=components)


def _roles(part: Part, user) -> set[str]:
    roles = set(staff_roles_at(user, part.agency_id))
    if is_applicant(user, part.dossier):
        roles.add("applicant")
    return roles


def _file_out(f) -> LinkedResultFileOut:
    return LinkedResultFileOut(
        id=f.pk,
        title=f.title,
        name=f.original_name,
        content_type=f.content_type,
        size=f.size,
        sha256=f.sha256,
        uploaded_at=f.uploaded_at,
        in_vault=f.vault_entry_id is not None,
        url=absolute_url("linked:result_file", args=[f.pk]),
    )


def _part_out(item: dict, user) -> LinkedPartOut:
    part: Part = item["part"]
    roles = _roles(part, user)
    return LinkedPartOut(
        id=part.pk,
        member=part.member.key,
        name=part.member.name,
        agency=part.agency.code,
        agency_name=part.agency.name,
        status=part.status,
        status_label=str(PartState(part.status).label),
        version=part.version,
        started_at=part.started_at,
        due_at=part.due_at,
        paused_at=part.paused_at,
        finished_at=part.finished_at,
        timeliness=item["timeliness"],
        result=part.result,
        reason=part.reason,
        completion_items=[str(i) for i in part.completion_items or []],
        result_files=[_file_out(f) for f in item["files"]],
        allowed_actions=[s.action for s in MACHINE.allowed(part.status, roles)],
        events=[
            LinkedPartEventOut(
                at=e.at,
                action=e.action,
                from_state=e.from_state,
                to_state=e.to_state,
                note=e.note,
                actor=e.actor_label,
            )
            for e in item["events"]
        ],
    )


def _dossier_out(dossier: Dossier, user) -> LinkedDossierOut:
    bundle = bundle_of(dossier)
    progress = dossier_progress(dossier=dossier)
    return LinkedDossierOut(
        code=dossier.code,
        bundle=bundle.key,
        bundle_name=bundle.name,
        status=dossier.status,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        appointment_at=dossier.appointment_at,
        finished_at=dossier.finished_at,
        all_ended=progress["all_ended"],
        parts=[_part_out(item, user) for item in progress["parts"]],
        handoffs=[
            LinkedHandoffOut(
                to_member=h["handoff"].to_part.member.key,
                from_member=h["handoff"].from_part.member.key if h["handoff"].from_part else None,
                to_agency=h["handoff"].to_part.agency.code,
                sent_at=h["handoff"].sent_at,
                due_at=h["handoff"].due_at,
                accepted_at=h["handoff"].accepted_at,
                timeliness=h["timeliness"],
            )
            for h in progress["handoffs"]
        ],
    )


def _applicant_dossier(request, code: str) -> Dossier:
    dossier = (
        dossier_selectors.applicant_dossiers(request.user)
        .filter(code=code)
        .select_related("procedure", "receiving_agency")
        .first()
    )
    if dossier is None or bundle_of(dossier) is None:
        raise Http404
    return dossier


@router.get(
    "/linked/dossiers/{code}",
    response={200: LinkedDossierOut, **problems(404)},
    summary="Hồ sơ liên thông của tôi: tiến độ, hạn và kết quả của từng cơ quan",
)
def get_linked_dossier(request, code: str):
    require_scope(request, "read")
    return _dossier_out(_applicant_dossier(request, code), request.user)


@router.get(
    "/linked/parts",
    response=list[LinkedInboxItemOut],
    summary="Phần hồ sơ liên thông đang chờ cơ quan của cán bộ giải quyết",
)
def list_parts(request):
    require_scope(request, "read")
    return [
        LinkedInboxItemOut(
            id=p.pk,
            dossier_code=p.dossier.code,
            bundle=p.member.bundle.key,
            member=p.member.key,
            name=p.member.name,
            agency=p.agency.code,
            status=p.status,
            due_at=p.due_at,
        )
        for p in parts_for_officer(user=request.user)[:200]
    ]


def _part_for(request, part_id: int) -> Part:
    if not 0 < part_id < 2**63:
        raise Http404
    part = (
        Part.objects.select_related("dossier", "member", "member__bundle", "agency")
        .filter(pk=part_id)
        .first()
    )
    if part is None or not _roles(part, request.user):
        raise Http404
    return part


@router.post(
    "/linked/parts/{part_id}/actions",
    response={200: LinkedDossierOut, **problems(404, 409, 422)},
    summary="Thực hiện một thao tác trên phần hồ sơ của một cơ quan liên thông",
)
def act_on_part(request, payload: LinkedPartActionIn, part_id: int = Path(..., ge=1, le=MAX_ID)):  # noqa: B008
    """``action``: ``accept``, ``request_completion`` (``reason``, ``items``), ``complete``
    (``result``), ``refuse`` (``reason``) for the officers of the part's agency; ``supply`` for the
    applicant. ``version`` (optional) guards against acting on a stale view (409)."""
    require_scope(request, "dossiers:write")
    part = _part_for(request, part_id)
    inputs = {
        k: v for k, v in payload.dict().items() if k not in ("action", "version") and v is not None
    }
    part_act(
        part=part,
        action=payload.action,
        actor=request.user,
        request=request,
        expected_version=payload.version,
        **inputs,
    )
    return _dossier_out(part.dossier, request.user)


@router.post(
    "/linked/parts/{part_id}/result-files",
    response={201: LinkedResultFileOut, **problems(403, 404, 409, 413, 422, 503)},
    summary="Tải lên tệp kết quả của một cơ quan liên thông (lãnh đạo của phần)",
)
def upload_result_file(
    request,
    part_id: int = Path(..., ge=1, le=MAX_ID),
    file: UploadedFile = File(...),  # noqa: B008 - ninja parameter markers
    title: str = Form(""),  # noqa: B008
):
    """Multipart (``file``, optional ``title``). Checked by content like every upload; placed in the
    applicant's document store when the part has its result."""
    from opendvc.dossiers.uploads import UploadError, check_file, read_limited

    require_scope(request, "dossiers:write")
    part = _part_for(request, part_id)
    try:
        checked = check_file(name=file.name or "", content=read_limited(file))
    except UploadError as exc:
        raise upload_problem(
            exc, extra={"errors": [{"path": "file", "message": exc.message}]}
        ) from exc
    row = part_result_file_add(
        part=part, checked=checked, actor=request.user, title=title, request=request
    )
    row.refresh_from_db()
    return Status(201, _file_out(row))


__all__ = ["ACTION_LABELS", "router"]
