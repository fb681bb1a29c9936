"""Dossier API: /api/v1/files, /api/v1/dossiers… (with a dossier's processing steps,
``/dossiers/{code}/steps``), /api/v1/public/dossiers/{code} and the public results /api/v1/public/results
(Regulation Art. 4.8: finished dossiers, no personal data).

Errors are problem+json (``conflict`` 409 when an action is not open in the dossier's current state
or another officer acted first; ``permission_denied`` 403; ``validation_error`` 422 with ``errors``;
``idempotency_key_reused`` 422; ``rate_limited`` 429 on the public lookup).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from opendvc.accounts import crypto
from opendvc.accounts.selectors import organisation_for_member
from opendvc.agencies.models import Agency
from opendvc.agencies.permissions import is_staff_member
from opendvc.api.auth import require_scope
from opendvc.api.params import MAX_PAGE
from opendvc.api.schemas import problems
from opendvc.catalog.models import Component, Procedure
from opendvc.core.prepared import PreparedRead
from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import client_ip, ratelimit_hit
from opendvc.core.uploads import upload_problem
from opendvc.workflow.selectors import step_runs, step_state

from . import eforms_bridge, personal_data, results, returns, selectors, services
from .lifecycle import Role, State
from .models import Channel, Dossier, Upload
from .uploads import UploadError, check_file, read_limited

router = Router(tags=["Hồ sơ"])

PUBLIC_PAGE = 100


# How a dossier stands against its due date (``selectors.on_time_state``): "" while it has none yet
# (a draft, a dossier waiting for intake, a refused one); open: on_time, due_soon, overdue;
# finished: early, on_time, late (frozen when it ends).
OnTime = Literal["", "on_time", "due_soon", "overdue", "early", "late"]
ON_TIME_HELP = (
    "Tình trạng so với hạn giải quyết: chuỗi rỗng khi hồ sơ chưa có hạn (bản nháp, chờ tiếp nhận, bị "
    "từ chối); hồ sơ đang giải quyết: on_time, due_soon, overdue; hồ sơ đã kết thúc: early, on_time, "
    "late (cố định khi kết thúc)."
)


class UploadOut(Schema):
    id: UUID
    name: str
    sha256: str
    size: int
    content_type: str


class FileRef(Schema):
    # The component's id, as GET /procedures/{code} gives it (``components[].id``).
    component: int | None = None
    file: UUID


class ReturnAddressIn(Schema):
    """Where the result goes back by post: the receiver's name and mobile phone, the address (house
    number, street, ward) and the province."""

    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    province: str = ""


class DossierIn(Schema):
    procedure: str
    agency: str | None = None
    acting_for: UUID | None = None
    data: dict[str, Any] = {}
    files: list[FileRef] = []
    submit: bool = True
    # The applicant's "Tôi xin cam đoan…" (Regulation Art. 14.5): must be true to submit.
    declaration: bool = False
    # The case (trường hợp) that applies, written as the procedure's components name it
    # (GET /procedures/{code}: ``components[].case``). Required when every component is listed under a
    # case and there are several; its required components must then be attached.
    case: str | None = None
    # How the applicant wants the result (Regulation Art. 6.4): ``online`` (level-4 procedures only),
    # ``counter`` (at the one-stop office) or ``postal`` (by post, to ``return_address``, which is then
    # required). Absent: the result goes back the way the dossier is filed (online from level 4, else
    # at the one-stop office).
    return_method: str | None = None
    return_address: ReturnAddressIn | None = None


class ReturnChoiceIn(Schema):
    """The applicant's new choice of how to receive the result."""

    return_method: str | None = None
    return_address: ReturnAddressIn | None = None


class ReturnAddressOut(Schema):
    contact_name: str
    contact_phone: str
    address: str
    province: str


class DossierEventOut(Schema):
    at: datetime
    action: str
    from_state: str
    to_state: str
    note: str
    actor: str = Field(
        description="Người thực hiện: chỉ cán bộ của cơ quan thấy tên; người nộp nhận chuỗi rỗng, như "
        "trên trang hồ sơ của mình và ở các bước xử lý."
    )


class DossierFileOut(Schema):
    component: int | None
    component_name: str
    name: str
    sha256: str
    size: int
    content_type: str


class DossierOut(Schema):
    code: str | None
    id: UUID
    procedure: str
    agency: str
    channel: str
    status: str
    status_label: str
    submitted_at: datetime | None
    declared_at: datetime | None = None
    received_at: datetime | None
    due_at: datetime | None
    appointment_at: datetime | None = Field(
        None,
        description="Ngày hẹn lại trả kết quả sau thư xin lỗi, khi hồ sơ chưa kết thúc; ``due_at`` giữ "
        "ngày hẹn ban đầu (dùng cho thống kê đúng hạn, trễ hạn).",
    )
    finished_at: datetime | None
    on_time: OnTime = Field(..., description=ON_TIME_HELP)
    version: int
    completion_items: list[str] = Field(
        default_factory=list,
        description="Các nội dung cơ quan yêu cầu người nộp hoàn thiện (``returned_for_completion``) "
        "hoặc bổ sung (``supplement_requested``), như trên trang hồ sơ; rỗng ở trạng thái khác.",
    )
    data: dict[str, Any]
    files: list[DossierFileOut]
    documents: list[str]
    timeline: list[DossierEventOut]
    allowed_actions: list[str] = Field(
        description="Các thao tác người gọi có thể thực hiện ngay với hồ sơ qua "
        "``POST /dossiers/{code}/actions``: các thao tác của bảng chuyển trạng thái mà vai trò của "
        "người gọi được làm ở trạng thái hiện tại, rồi các thao tác trên bước xử lý nội bộ đang mở "
        "(``claim`` nhận xử lý bước, ``forward`` chuyển bước tiếp theo, ``send_back`` trả lại bước "
        "trước) khi người gọi được xử lý bước đó — như trang xử lý hồ sơ của cán bộ. Không gồm thư "
        "xin lỗi, hẹn lại ngày trả kết quả (``apology``)."
    )
    # How the result goes back (``online``, ``counter``, ``postal``): the applicant's choice
    # (``return_method_chosen``), else the way the dossier was filed, as the level allows; the postal
    # address when the applicant chose the post (the phone masked for staff); whether the applicant may
    # still change it (``PUT /dossiers/{code}/return-method``).
    return_method: str = ""
    return_method_chosen: str | None = None
    return_address: ReturnAddressOut | None = None
    return_method_changeable: bool = False


class DossierItem(Schema):
    code: str | None
    id: UUID
    procedure: str
    agency: str
    status: str
    submitted_at: datetime | None
    due_at: datetime | None
    on_time: OnTime = Field(..., description=ON_TIME_HELP)


class DossierList(Schema):
    items: list[DossierItem]
    page: int
    has_next: bool
    count: int
    count_exact: bool


class DossierActionIn(Schema):
    action: str
    version: int | None = None
    reason: str | None = None
    note: str | None = None
    items: list[str] | None = None
    due_at: datetime | None = None
    fees: list[dict[str, Any]] | None = None
    receipt_number: str | None = None
    result: str | None = None
    method: str | None = None
    recipient: str | None = None
    # Return hand-over, uploaded result files (ids from POST /files), the apology's new date.
    identity_document: str | None = None
    result_files: list[UUID] | None = None
    # ``supply`` by the applicant: the supplementary files (ids from POST /files), at least one.
    files: list[UUID] | None = None
    new_due_at: datetime | None = None
    # ``submit`` and ``resubmit`` by the applicant: the declaration (Regulation Art. 14.5).
    declaration: bool | None = None


class PublicStep(Schema):
    action: str
    label: str
    to_state: str
    at: datetime


class PublicDossier(Schema):
    code: str
    procedure: str
    agency: str
    status: str
    status_label: str
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    appointment_at: datetime | None = None
    on_time: OnTime = Field(..., description=ON_TIME_HELP)
    steps: list[PublicStep]


def _form_data(dossier: Dossier, user, *, own: bool = False) -> dict:
    """The applicant (or their organisation) sees the form as filed; staff see identifiers masked.
    ``own``: the caller knows ``user`` filed it (it was created by this request)."""
    if (
        own
        or (dossier.applicant_id == getattr(user, "pk", None) and dossier.status != State.DELETED)
        or selectors.applicant_dossiers(user).filter(pk=dossier.pk).exists()
    ):
        return dossier.form_data or {}
    return personal_data.form_data_mask(dossier.form_data, form_version_id=dossier.form_version_id)


def _related(dossier: Dossier, name: str, read) -> list:
    """``dossier.<name>.all()``: what the caller already holds (a filing's own rows), else the prepared
    read of the selectors."""
    held = getattr(dossier, "_prefetched_objects_cache", {}).get(name)
    return list(held) if held is not None else read(dossier)


def _return_address(dossier: Dossier, user, *, own: bool = False) -> ReturnAddressOut | None:
    """The postal address the applicant chose; staff see its phone masked (as the form's identifiers)."""
    address = returns.chosen_address(dossier)
    if address is None:
        return None
    mine = (
        own
        or dossier.applicant_id == getattr(user, "pk", None)
        or Role.APPLICANT
        in services.actor_roles(dossier=dossier, actor=user, applicant_suffices=True)
    )
    return ReturnAddressOut(
        contact_name=address.contact_name,
        contact_phone=address.contact_phone if mine else crypto.mask(address.contact_phone),
        address=address.address,
        province=address.province,
    )


def _staff_view(dossier: Dossier, user, *, own: bool = False) -> bool:
    """Whether ``user`` reads ``dossier`` as staff of its agencies (who see the officers' names) rather
    than as its applicant (``own``: the applicant's own filing; an officer who is the applicant reads
    their own dossier as its applicant)."""
    if own:
        return False
    roles = services.actor_roles(dossier=dossier, actor=user, applicant_suffices=True)
    return user.is_superuser or bool(roles - {Role.APPLICANT})


def _out(dossier: Dossier, user, *, own: bool = False) -> DossierOut:
    names = _staff_view(dossier, user, own=own)
    return DossierOut(
        code=dossier.code,
        id=dossier.public_id,
        procedure=dossier.procedure.code,
        agency=dossier.receiving_agency.code,
        channel=dossier.channel,
        status=dossier.status,
        status_label=dossier.get_status_display(),
        submitted_at=dossier.submitted_at,
        declared_at=dossier.declared_at,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        appointment_at=selectors.new_appointment(dossier),
        finished_at=dossier.finished_at,
        on_time=selectors.on_time_state(dossier),
        version=dossier.version,
        completion_items=selectors.requested_items(dossier),
        data=_form_data(dossier, user, own=own),
        files=[
            DossierFileOut(
                component=f.component_id,
                component_name=f.component_name,
                name=f.original_name,
                sha256=f.sha256,
                size=f.size,
                content_type=f.content_type,
            )
            for f in _related(dossier, "files", selectors.dossier_files)
        ],
        documents=[d.kind for d in _related(dossier, "documents", selectors.dossier_documents)],
        timeline=[
            DossierEventOut(
                at=e.at,
                action=e.action,
                from_state=e.from_state,
                to_state=e.to_state,
                note=e.note,
                actor=e.actor_label if names else "",
            )
            for e in _related(dossier, "events", selectors.dossier_events)
        ],
        allowed_actions=selectors.offered_actions(dossier=dossier, user=user),
        return_method=returns.return_method_default(dossier=dossier),
        return_method_chosen=returns.chosen_method(dossier),
        return_address=_return_address(dossier, user, own=own),
        return_method_changeable=returns.choice_refusal(dossier) is None,
    )


@router.post(
    "/files",
    response={201: UploadOut, **problems(413, 422, 503)},
    summary="Tải lên một tệp đính kèm",
)
def upload_file(request, file: UploadedFile = File(...)):  # noqa: B008 - ninja parameter marker
    """Multipart upload (field ``file``). Checked by content (PDF, JPEG, PNG, DOCX, XLSX), limits per
    file; returns the id to reference in ``POST /dossiers``. Unclaimed uploads are removed after a day."""
    require_scope(request, "dossiers:write")
    if not ratelimit_hit(name="uploads", ident=f"user:{request.user.pk}").allowed:
        raise ProblemError(
            "rate_limited",
            _("Bạn tải lên quá nhiều tệp trong thời gian ngắn; vui lòng thử lại sau."),
            status=429,
        )
    try:
        checked = check_file(name=file.name or "", content=read_limited(file))
    except UploadError as exc:
        raise upload_problem(exc) from exc
    upload = services.upload_create(owner=request.user, checked=checked, request=request)
    return Status(
        201,
        UploadOut(
            id=upload.public_id,
            name=upload.original_name,
            sha256=upload.sha256,
            size=upload.size,
            content_type=upload.content_type,
        ),
    )


# A submission's reads of the catalog, their statements built once (``core.prepared``).
_PROCEDURE_TO_FILE = PreparedRead(
    lambda code: (
        Procedure.objects.filter(code=code)
        .select_related("current_version", *eforms_bridge.WITH_FORM)
        .order_by("pk")[:1]
    ),
    "code",
)
_RECEIVING_AGENCY = PreparedRead(
    lambda procedure_id, code: Agency.objects.filter(
        procedures=procedure_id, is_active=True, code=code
    ).order_by("pk")[:1],
    1,
    "code",
)
_COMPONENTS = PreparedRead(lambda procedure_id: Component.objects.filter(procedure=procedure_id), 1)
# Without an agency in the request: the active agencies named on the procedure, two at most (one is
# the agency that receives it; none or several are answered by ``selectors.receiving_agencies``).
_NAMED_AGENCIES = PreparedRead(
    lambda procedure_id: Agency.objects.filter(procedures=procedure_id, is_active=True).order_by(
        "sort_name", "code"
    )[:2],
    1,
)
# One attached file (the usual filing): the caller's upload by its id.
_OWN_UPLOAD = PreparedRead(
    lambda public_id, owner_id: Upload.objects.filter(public_id__in=[public_id], owner=owner_id),
    UUID(int=1),
    1,
)


@router.post(
    "/dossiers",
    response={201: DossierOut, 200: DossierOut, **problems(422)},
    summary="Tạo và nộp hồ sơ",
)
def create_dossier(request, payload: DossierIn):
    """Create a dossier (and file it when ``submit``: then ``declaration`` must be true, and the
    applicant's profile must hold what the procedure's e-form takes from it, and the required
    components of the procedure and of the ``case`` that applies must be attached — otherwise 422 with
    ``errors`` naming each problem: ``case``, ``files``, ``data.…``, ``declaration``). A procedure with
    no receiving agency configured takes no online dossier (422, ``agency``). With an
    ``Idempotency-Key`` header a retry returns the first result (200) and creates nothing; the key is
    remembered for ``DOSSIER_IDEMPOTENCY_DAYS`` (7 days by default)."""
    require_scope(request, "dossiers:write")
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 200:
        message = _("Idempotency-Key dài tối đa %(n)s ký tự.") % {"n": 200}
        raise ProblemError(
            "validation_error",
            message,
            extra={"errors": [{"path": "Idempotency-Key", "message": message}]},
        )
    body = payload.dict()
    # A retry with the same Idempotency-Key is answered by dossier_submit_new (200, nothing created).
    procedure = _PROCEDURE_TO_FILE.first(payload.procedure)
    if procedure is None:
        raise ProblemError(
            "validation_error",
            _("Không có thủ tục với mã này."),
            extra={"errors": [{"path": "procedure", "message": _("Mã thủ tục không tồn tại.")}]},
        )
    # The usual cases in one statement: an active agency named on the procedure (the one asked for, or
    # the only one).
    if payload.agency:
        agency = _RECEIVING_AGENCY.first(procedure.pk, payload.agency)
    else:
        named = _NAMED_AGENCIES.list(procedure.pk)
        agency = named[0] if len(named) == 1 else None
    if agency is None:
        agencies = selectors.receiving_agencies(procedure=procedure)
        agency = (
            agencies.filter(code=payload.agency).first()
            if payload.agency
            else (agencies.first() if agencies.count() == 1 else None)
        )
    if agency is None and not agencies.exists():
        raise services.no_receiving_agency(procedure=procedure)
    if agency is None:
        raise ProblemError(
            "validation_error",
            _("Hãy chọn cơ quan tiếp nhận (mã cơ quan) của thủ tục."),
            extra={
                "errors": [
                    {
                        "path": "agency",
                        "message": _("Cơ quan tiếp nhận không hợp lệ."),
                        "choices": [a.code for a in agencies[:50]],
                    }
                ]
            },
        )
    acting_for = None
    if payload.acting_for:
        try:
            acting_for = organisation_for_member(user=request.user, public_id=payload.acting_for)
        except Http404:
            # Unknown and foreign organisations get the same answer: the API does not tell which
            # organisations exist.
            raise ProblemError(
                "validation_error",
                _("Bạn không thể nhân danh tổ chức này."),
                extra={
                    "errors": [
                        {
                            "path": "acting_for",
                            "message": _("Không có tổ chức với mã này mà bạn là thành viên."),
                        }
                    ]
                },
            ) from None
    components = {c.pk: c for c in _COMPONENTS.list(procedure.pk)}
    wanted = [f.file for f in payload.files]
    found = (
        _OWN_UPLOAD.list(wanted[0], request.user.pk)
        if len(wanted) == 1
        else Upload.objects.filter(public_id__in=wanted, owner=request.user)
    )
    uploads = {u.public_id: u for u in found}
    pairs = []
    listed: dict = {}
    for i, ref in enumerate(payload.files):
        if ref.file in listed:
            # One upload is one file of the dossier: listed twice it was attached twice and counted
            # twice against the dossier's size limit.
            raise ProblemError(
                "validation_error",
                _("Một tệp chỉ được đính kèm một lần."),
                extra={
                    "errors": [
                        {
                            "path": f"files.{i}.file",
                            "message": _(
                                "Tệp này đã có ở files.%(n)s; mỗi tệp tải lên chỉ đính kèm một lần."
                            )
                            % {"n": listed[ref.file]},
                        }
                    ]
                },
            )
        listed[ref.file] = i
        if ref.component is not None and ref.component not in components:
            raise ProblemError(
                "validation_error",
                _("Thành phần hồ sơ không thuộc thủ tục này."),
                extra={"errors": [{"path": f"files.{i}.component", "message": _("Không hợp lệ.")}]},
            )
        if ref.file not in uploads:
            raise ProblemError(
                "validation_error",
                _("Tệp đính kèm không tồn tại."),
                extra={
                    "errors": [{"path": f"files.{i}.file", "message": _("Không tìm thấy tệp.")}]
                },
            )
        pairs.append((components.get(ref.component), uploads[ref.file]))
    dossier, created = services.dossier_submit_new(
        applicant=request.user,
        procedure=procedure,
        receiving_agency=agency,
        actor=request.user,
        data=payload.data,
        uploads=pairs,
        acting_for=acting_for,
        channel=Channel.ONLINE,
        submit=payload.submit,
        declaration=payload.declaration,
        case=payload.case or "",
        return_method=payload.return_method,
        return_address=payload.return_address.dict() if payload.return_address else None,
        idempotency_key=key,
        payload=body,
        request=request,
        components=list(components.values()),
        agency_checked=True,
    )
    return Status(201 if created else 200, _out(dossier, request.user, own=created))


@router.get(
    "/dossiers",
    response=DossierList,
    summary="Danh sách hồ sơ (của tôi, hoặc của cơ quan với cán bộ)",
)
def list_dossiers(request, page: int = Query(1, ge=1, le=MAX_PAGE), status: str = ""):
    """``status`` (optional): only the dossiers in that state, one of the values of ``status`` in
    the answers (``submitted``, ``received``, ``processing``…); another value answers 422."""
    require_scope(request, "read")
    if status and status not in State.values:
        # A misspelt state is no filter that matches nothing: an empty list would read as "none".
        message = _("Trạng thái hồ sơ “%(value)s” không có; dùng một trong: %(states)s.") % {
            "value": status[:40],
            "states": ", ".join(State.values),
        }
        raise ProblemError(
            "validation_error",
            message,
            status=422,
            extra={"errors": [{"path": "status", "message": message}]},
        )

    if is_staff_member(request.user):
        qs = selectors.inbox(user=request.user, filters=selectors.InboxFilters(state=status))
    else:
        qs = selectors.applicant_dossiers(request.user)
        if status:
            qs = qs.filter(status=status)
    p = selectors.paginate(qs, page=page)
    return DossierList(
        items=[
            DossierItem(
                code=d.code,
                id=d.public_id,
                procedure=d.procedure.code,
                agency=d.receiving_agency.code,
                status=d.status,
                submitted_at=d.submitted_at,
                due_at=d.due_at,
                on_time=selectors.on_time_state(d),
            )
            for d in p.items
        ],
        page=p.number,
        has_next=p.has_next,
        count=p.count,
        count_exact=p.count_exact,
    )


@router.get(
    "/dossiers/{code}",
    response={200: DossierOut, **problems(404)},
    summary="Một hồ sơ với trạng thái, hạn và lịch sử",
)
def get_dossier(request, code: str):
    """``code`` is the dossier's code, or — for the applicant's own dossier — its ``id``: a draft has
    no code until it is filed (``submit``: ``POST /dossiers/{id}/actions``)."""
    require_scope(request, "read")
    dossier = selectors.dossier_for_user(user=request.user, code=code)
    if not selectors.applicant_dossiers(request.user).filter(pk=dossier.pk).exists():
        personal_data.dossier_access_record(
            dossier=dossier, user=request.user, action="api", request=request
        )
    return _out(dossier, request.user)


@router.post(
    "/dossiers/{code}/actions",
    response={200: DossierOut, **problems(404, 409, 422)},
    summary="Thực hiện một thao tác của bảng chuyển trạng thái",
)
def act(request, code: str, payload: DossierActionIn):
    """``action`` is one of the transition table's actions; other fields are its inputs (``reason``,
    ``items``, ``note``…). ``version`` (optional) guards against acting on a stale view (409).
    ``supply`` (nộp bổ sung) takes ``files``, the ids of the supplementary files uploaded with
    ``POST /files`` — at least one (422 otherwise)."""
    require_scope(request, "dossiers:write")
    dossier = selectors.dossier_for_user(user=request.user, code=code)
    inputs = {
        k: v for k, v in payload.dict().items() if k not in ("action", "version") and v is not None
    }
    services.dossier_act(
        dossier=dossier,
        action=payload.action,
        actor=request.user,
        request=request,
        expected_version=payload.version,
        **inputs,
    )
    return _out(selectors.dossier_reread(dossier), request.user)


@router.put(
    "/dossiers/{code}/return-method",
    response={200: DossierOut, **problems(403, 404, 409, 422)},
    summary="Chọn lại hình thức nhận kết quả",
)
def choose_return(request, code: str, payload: ReturnChoiceIn):
    """The applicant chooses how to receive the result (Regulation Art. 6.4): ``online`` (level-4
    procedures only), ``counter`` or ``postal`` with ``return_address``. ``code`` is the dossier's
    code, or its ``id`` (a draft has no code). Refused with 409 once the result is returned or handed
    to the post (``return_method_changeable``), 403 for anyone but the applicant, 422 with ``errors``
    (``return_method``, ``return_address.<part>``) for a choice that is not valid. A filed dossier
    records the change in its history."""
    require_scope(request, "dossiers:write")
    dossier = selectors.dossier_for_user(user=request.user, code=code)
    done = services.dossier_return_choose(
        dossier=dossier,
        actor=request.user,
        return_method=payload.return_method,
        return_address=payload.return_address.dict() if payload.return_address else None,
        request=request,
    )
    return _out(selectors.dossier_reread(done), request.user)


@router.get(
    "/public/dossiers/{code}",
    response={200: PublicDossier, **problems(404, 429)},
    auth=None,
    summary="Tra cứu công khai tình trạng hồ sơ",
)
def public_lookup(request, code: str, key: str = ""):
    """Status, dates and steps only — no names, identifiers or files. A wrong code and a wrong key get
    the same 404; rate-limited per client address."""
    if not ratelimit_hit(name="lookup", ident=client_ip(request)).allowed:
        raise ProblemError(
            "rate_limited",
            _("Bạn tra cứu quá nhiều lần trong một phút; vui lòng thử lại sau."),
            status=429,
        )
    result = selectors.public_status(code=code, key=key)
    if result is None:
        raise Http404
    return result


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


# The steps and the public results keep the tag and operation ids they were published with.
@router.get(
    "/dossiers/{code}/steps",
    response={200: StepsOut, **problems(404)},
    summary="Các bước xử lý của hồ sơ (phiếu kiểm soát)",
    tags=["Tiến trình và kết quả"],
    operation_id="opendvc_workflow_api_dossier_steps",
)
def dossier_steps(request, code: str):
    """Staff of the agency see who handled each step; the applicant sees the steps without names."""
    require_scope(request, "read")
    dossier = selectors.dossier_for_user(user=request.user, code=code)
    staff = _staff_view(dossier, request.user)
    out = []
    for r in step_runs(dossier):
        person = r.left_by_label or (r.assignee.full_name if r.assignee_id else None)
        out.append(
            StepOut(
                position=r.position,
                name=r.name,
                role=r.role,
                department=r.department.name,
                assignee=person if staff else None,
                entered_at=r.entered_at,
                due_at=r.due_at,
                left_at=r.left_at,
                outcome=r.outcome,
                timing=r.timing,
                state=step_state(r),
                allotted_hours=r.allotted_hours,
                note=r.note if staff else "",
            )
        )
    return StepsOut(
        code=dossier.code,
        status=dossier.status,
        due_at=dossier.due_at,
        appointment_at=dossier.appointment_at,
        steps=out,
    )


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
    date_to: date | None = Field(
        None, alias="to", description="Đến ngày (YYYY-MM-DD), tối đa một năm"
    )
    page: int = Field(1, ge=1, le=MAX_PAGE)


@router.get(
    "/public/results",
    response={200: PublicResults, **problems(422)},
    auth=None,
    summary="Công khai kết quả giải quyết hồ sơ",
    tags=["Tiến trình và kết quả"],
    operation_id="opendvc_workflow_api_public_results",
)
def public_results(request, q: Query[ResultsQuery]):
    """Finished dossiers (returned or stopped) by agency and finishing period: code, procedure, dates
    and the frozen on-time class — no names, identifiers or files."""
    agency = None
    if q.agency:
        agency = Agency.objects.filter(code=q.agency).first()
        if agency is None:
            raise ProblemError(
                "validation_error",
                _("Không có cơ quan với mã này."),
                extra={"errors": [{"path": "agency", "message": _("Mã cơ quan không tồn tại.")}]},
            )
    errors = results.check_period(q.date_from, q.date_to)
    if errors:
        raise ProblemError(
            "validation_error", _("Khoảng thời gian không hợp lệ."), extra={"errors": errors}
        )
    start = (q.page - 1) * PUBLIC_PAGE
    rows = list(
        results.public_results(agency=agency, date_from=q.date_from, date_to=q.date_to)[
            start : start + PUBLIC_PAGE + 1
        ]
    )
    return PublicResults(
        items=[
            PublicResult(
                code=d.code,
                procedure_code=d.procedure.code,
                procedure=d.procedure.name,
                agency=d.receiving_agency.code,
                status=d.status,
                received_at=d.received_at,
                due_at=d.due_at,
                finished_at=d.finished_at,
                on_time_class=d.on_time_class,
            )
            for d in rows[:PUBLIC_PAGE]
        ],
        page=q.page,
        has_next=len(rows) > PUBLIC_PAGE,
    )
