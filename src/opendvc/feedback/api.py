"""Feedback API: create (public and signed in), own items, staff actions through one endpoint,
tracking by the sender's token, and the public questions and answers. Tokens need the scopes
``read`` / ``feedback:write`` (``integrations`` for inbound email)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.selectors import has_any_role
from opendvc.api.auth import require_scope
from opendvc.api.params import MAX_ID, MAX_LIMIT, MAX_OFFSET
from opendvc.api.schemas import problems
from opendvc.catalog.models import Procedure
from opendvc.core.problems import ProblemError
from opendvc.core.ratelimit import client_ip, ratelimit_hit
from opendvc.core.uploads import (
    pending_upload_discard,
    pending_upload_store,
    pending_upload_take,
    upload_problem,
)

from . import selectors, services
from .inbound import email_ingest
from .lifecycle import Action, State
from .models import Channel, Feedback, Kind, PublishedAnswer
from .services import ANSWER_MAX, NOTE_MAX
from .uploads import UploadError, check_file, read_uploaded

router = Router(tags=["Phản ánh, kiến nghị"])


class AttachmentIn(Schema):
    """One attachment: either a small file inline (``name`` and ``content_base64``, within the request
    body limit) or a file sent ahead with ``POST /feedback/files`` (``file``, up to the per-file limit)."""

    name: str = Field("", max_length=220)
    content_base64: str | None = Field(
        None, description="Nội dung tệp mã hóa base64 (PDF, JPEG, PNG, DOCX, XLSX)"
    )
    file: str | None = Field(
        None, max_length=2000, description="Mã tệp nhận được từ POST /feedback/files"
    )


class FeedbackUploadOut(Schema):
    file: str = Field(description="Mã tệp, dùng trong attachments[].file trong 24 giờ")
    name: str
    size: int
    content_type: str
    sha256: str


class FeedbackIn(Schema):
    kind: Kind = Kind.COMPLAINT
    subject: str = Field(max_length=300)
    content: str = Field(max_length=20000)
    sender_name: str = Field("", max_length=200)
    sender_phone: str = Field("", max_length=20)
    sender_email: str = Field("", max_length=254)
    sender_address: str = Field("", max_length=300)
    agency_code: str | None = Field(None, description="Cơ quan người gửi đề xuất (mã QCVN 102)")
    procedure_code: str | None = None
    dossier_code: str | None = Field(None, max_length=40)
    consent_publish: bool = False
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)


class AgencyRef(Schema):
    code: str
    name: str


class FeedbackFileOut(Schema):
    id: int
    name: str
    part: str
    content_type: str
    size: int


class FeedbackEventOut(Schema):
    at: datetime
    action: str
    from_status: str
    to_status: str
    actor_role: str
    note: str


class FeedbackOut(Schema):
    code: str
    public_id: UUID
    channel: Channel
    kind: Kind
    status: State
    status_label: str
    subject: str
    content: str
    agency: AgencyRef | None
    created_at: datetime
    forwarded_at: datetime | None
    due_at: datetime | None
    original_due_at: datetime | None
    rescheduled: bool
    overdue: bool
    overdue_label: str
    answer: str
    answered_at: datetime | None
    satisfaction: str
    version: int
    actions: list[str]
    files: list[FeedbackFileOut]
    history: list[FeedbackEventOut]
    tracking_token: str | None = Field(
        None, description="Chỉ trả về khi tạo: dùng để theo dõi, đánh giá"
    )


class FeedbackList(Schema):
    count: int
    items: list[FeedbackOut]


class FeedbackActionIn(Schema):
    action: Action
    note: str = Field("", max_length=NOTE_MAX)
    agency_code: str | None = Field(None, max_length=40)
    kind: Kind | None = None
    new_due_at: datetime | None = None
    answer: str = Field("", max_length=ANSWER_MAX)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)
    expected_version: int | None = None


class QAOut(Schema):
    id: int
    title: str
    question: str
    answer: str
    agency: AgencyRef | None
    procedure_code: str | None
    published_at: datetime


class QAList(Schema):
    count: int
    items: list[QAOut]


def _out(fb: Feedback, actor, *, as_sender: bool = False, token: str | None = None) -> dict:
    return {
        "code": fb.code,
        "public_id": fb.public_id,
        "channel": fb.channel,
        "kind": fb.kind,
        "status": fb.status,
        "status_label": fb.get_status_display(),
        "subject": fb.subject,
        "content": fb.content,
        "agency": {"code": fb.agency.code, "name": fb.agency.name} if fb.agency_id else None,
        "created_at": fb.created_at,
        "forwarded_at": fb.forwarded_at,
        "due_at": fb.due_at,
        "original_due_at": fb.original_due_at,
        "rescheduled": fb.rescheduled_at is not None,
        "overdue": fb.is_overdue,
        "overdue_label": fb.overdue_label,
        "answer": fb.answer,
        "answered_at": fb.answered_at,
        "satisfaction": fb.satisfaction,
        "version": fb.version,
        "actions": services.available_actions(feedback=fb, actor=actor, as_sender=as_sender),
        "files": [
            {
                "id": a.pk,
                "name": a.name,
                "part": a.part,
                "content_type": a.content_type,
                "size": a.size,
            }
            for a in fb.attachments.all()
        ],
        "history": [
            {
                "at": e.created_at,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor_role": e.actor_role,
                "note": e.note,
            }
            for e in fb.events.all()
        ],
        "tracking_token": token,
    }


def _about(path: str, message: str) -> dict:
    """The problem's extra members for an error about one field: ``parameter`` and the ``errors``
    list every 422 of the API carries (``path``, ``message``)."""
    return {"parameter": path, "errors": [{"path": path, "message": message}]}


def _files(items: list[AttachmentIn], *, sent_ahead: list[str] | None = None):
    """The checked files of ``items``; the storage keys of files sent ahead are added to ``sent_ahead``
    (to discard once the item is saved)."""
    out = []
    for i, item in enumerate(items):
        if (item.file is None) == (item.content_base64 is None):
            raise ProblemError(
                "validation_error",
                _("Mỗi tệp đính kèm cần đúng một trong hai: “file” hoặc “content_base64”."),
                status=422,
                extra={
                    "errors": [
                        {
                            "path": f"attachments.{i}",
                            "message": _(
                                "Gửi mã của tệp đã tải lên trong “file”, hoặc nội dung tệp mã hóa base64 "
                                "trong “content_base64” — một trong hai, không cả hai."
                            ),
                        }
                    ]
                },
            )
        if item.file is not None:
            try:
                found, key = pending_upload_take(reference=item.file, purpose=UPLOAD_PURPOSE)
            except UploadError as exc:
                raise ProblemError(
                    exc.code,
                    exc.message,
                    status=422,
                    title=gettext_noop("Tệp đính kèm không hợp lệ"),
                    extra=_about(f"attachments.{i}.file", exc.message),
                ) from exc
            out.append(found)
            if sent_ahead is not None:
                sent_ahead.append(key)
            continue
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProblemError(
                "validation_error",
                _("Tệp “%(name)s” không phải base64 hợp lệ.") % {"name": item.name},
                status=422,
                extra={
                    "errors": [
                        {
                            "path": f"attachments.{i}.content_base64",
                            "message": _("Nội dung không phải chuỗi base64 hợp lệ."),
                        }
                    ]
                },
            ) from exc
        try:
            out.append(check_file(name=item.name, content=content))
        except UploadError as exc:
            status = 503 if exc.code == "scan_unavailable" else 422
            raise ProblemError(
                exc.code,
                exc.message,
                status=status,
                title=gettext_noop("Tệp đính kèm không hợp lệ"),
                extra=_about(f"attachments.{i}", exc.message),
            ) from exc
    return out


def _create(request, payload: FeedbackIn, *, sender, count=None) -> Feedback:
    """The new item of ``payload``. ``count`` is called once the request is known to be acceptable,
    before its files are read (the public form's rate limit counts the items sent, not the requests
    refused)."""
    agency = (
        Agency.objects.filter(code=payload.agency_code).first() if payload.agency_code else None
    )
    if payload.agency_code and agency is None:
        message = _("Không tìm thấy cơ quan có mã này.")
        raise ProblemError(
            "unknown_agency", message, status=422, extra=_about("agency_code", message)
        )
    procedure = (
        Procedure.objects.filter(code=payload.procedure_code).first()
        if payload.procedure_code
        else None
    )
    if payload.procedure_code and procedure is None:
        message = _("Không tìm thấy thủ tục có mã này.")
        raise ProblemError(
            "unknown_procedure", message, status=422, extra=_about("procedure_code", message)
        )
    if count is not None:
        services.check_text(subject=payload.subject, content=payload.content)
        services.validate_sender(
            sender=sender,
            sender_name=payload.sender_name,
            sender_phone=payload.sender_phone.strip(),
            sender_email=payload.sender_email.strip(),
        )
        count()
    sent_ahead: list[str] = []
    files = _files(payload.attachments, sent_ahead=sent_ahead)
    fb = services.feedback_create(
        channel=Channel.APP,
        kind=payload.kind,
        subject=payload.subject,
        content=payload.content,
        sender=sender,
        sender_name=payload.sender_name,
        sender_phone=payload.sender_phone.strip(),
        sender_email=payload.sender_email.strip(),
        sender_address=payload.sender_address,
        suggested_agency=agency,
        procedure=procedure,
        dossier_code=payload.dossier_code or "",
        consent_publish=payload.consent_publish,
        files=files,
        request=request,
    )
    for key in sent_ahead:
        pending_upload_discard(key)
    return fb


UPLOAD_PURPOSE = "feedback"


@router.post(
    "/feedback/files",
    auth=None,
    response={201: FeedbackUploadOut, **problems(413, 422, 429, 503)},
    summary="Tải lên một tệp đính kèm cho phản ánh (multipart, tối đa theo giới hạn mỗi tệp)",
    description="Trường `file` (multipart/form-data). Trả về mã tệp để ghi vào `attachments[].file` "
    "khi gửi phản ánh, trong 24 giờ. Tệp được kiểm tra theo nội dung như mọi tệp đính kèm.",
)
def upload_file(request, file: UploadedFile = File(...)):  # noqa: B008 - ninja parameter marker
    if not ratelimit_hit(name="uploads", ident=f"ip:{client_ip(request)}").allowed:
        raise ProblemError(
            "rate_limited",
            _("Tải lên quá nhiều tệp trong thời gian ngắn; vui lòng thử lại sau ít phút."),
            status=429,
        )
    try:
        found = check_file(name=file.name or "", content=read_uploaded(file))
    except UploadError as exc:
        raise upload_problem(
            exc, title=gettext_noop("Tệp đính kèm không hợp lệ"), extra=_about("file", exc.message)
        ) from exc
    reference = pending_upload_store(checked_file=found, purpose=UPLOAD_PURPOSE)
    return Status(
        201,
        {
            "file": reference,
            "name": found.name,
            "size": found.size,
            "content_type": found.content_type,
            "sha256": found.sha256,
        },
    )


@router.post(
    "/feedback/public",
    auth=None,
    response={201: FeedbackOut, **problems(422, 429, 503)},
    summary="Gửi phản ánh (không cần đăng nhập)",
    description="Giới hạn số lần gửi theo địa chỉ; người gửi phải có họ tên và số điện thoại hoặc email.",
)
def create_public(request, payload: FeedbackIn):
    ident = client_ip(request)

    def throttled() -> ProblemError:
        return ProblemError(
            "rate_limited",
            _("Gửi quá nhiều phản ánh trong thời gian ngắn; vui lòng thử lại sau ít phút."),
            status=429,
        )

    def count() -> None:
        if not ratelimit_hit(name="feedback", ident=ident).allowed:
            raise throttled()

    # As on the web form, only feedback that is sent counts towards the limit: a client correcting a
    # refused request is not blocked for its attempts (an address already over the limit is refused
    # before any check).
    if not ratelimit_hit(name="feedback", ident=ident, increment=False).allowed:
        raise throttled()
    fb = _create(request, payload, sender=None, count=count)
    return Status(201, _out(fb, None, as_sender=True, token=services.sender_token(fb)))


@router.post(
    "/feedback",
    response={201: FeedbackOut, **problems(422, 503)},
    summary="Gửi phản ánh (người dùng đã đăng nhập, ứng dụng)",
)
def create(request, payload: FeedbackIn):
    require_scope(request, "feedback:write")
    fb = _create(request, payload, sender=request.user)
    return Status(201, _out(fb, request.user, token=services.sender_token(fb)))


@router.get("/feedback", response=FeedbackList, summary="Phản ánh của tôi")
def mine(
    request, limit: int = Query(20, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0, le=MAX_OFFSET)
):
    require_scope(request, "read")
    qs = selectors.own_items(request.user)
    items = list(qs[offset : offset + limit])
    return {"count": qs.count(), "items": [_out(f, request.user) for f in items]}


def _for_user(request, code: str) -> Feedback:
    fb = Feedback.objects.select_related("agency").filter(code=code).first()
    if fb is None:
        raise Http404
    if fb.sender_id == request.user.pk:
        return fb
    if selectors.visible_to(request.user).filter(pk=fb.pk).exists():
        return fb
    raise Http404


@router.get(
    "/feedback/{code}",
    response={200: FeedbackOut, **problems(404)},
    summary="Một phản ánh (của tôi, hoặc cơ quan tôi xử lý)",
)
def get_item(request, code: str):
    require_scope(request, "read")
    return _out(_for_user(request, code), request.user)


def _inputs(payload: FeedbackActionIn, sent_ahead: list[str]) -> dict:
    inputs = {
        "note": payload.note,
        "kind": payload.kind,
        "new_due_at": payload.new_due_at,
        "answer": payload.answer,
        "files": _files(payload.attachments, sent_ahead=sent_ahead),
    }
    if payload.agency_code:
        agency = Agency.objects.filter(code=payload.agency_code).first()
        if agency is None:
            message = _("Không tìm thấy cơ quan có mã này.")
            raise ProblemError(
                "unknown_agency", message, status=422, extra=_about("agency_code", message)
            )
        inputs["agency"] = agency
    return inputs


@router.post(
    "/feedback/{code}/actions",
    response={200: FeedbackOut, **problems(404, 409, 422, 503)},
    summary="Thực hiện một thao tác (chuyển, trả lời, gia hạn, chuyển thủ trưởng, đánh giá…)",
    description="Thao tác không đúng lượt hoặc phiên bản cũ trả về 409 `conflict`; gia hạn lần hai trả về 409 "
    "`already_rescheduled`.",
)
def act(request, code: str, payload: FeedbackActionIn):
    require_scope(request, "feedback:write")
    fb = _for_user(request, code)
    sent_ahead: list[str] = []
    fb = services.feedback_act(
        feedback=fb,
        action=payload.action,
        actor=request.user,
        inputs=_inputs(payload, sent_ahead),
        expected_version=payload.expected_version,
        request=request,
    )
    for key in sent_ahead:
        pending_upload_discard(key)
    return _out(Feedback.objects.select_related("agency").get(pk=fb.pk), request.user)


@router.get(
    "/feedback/track/{token}",
    auth=None,
    response={200: FeedbackOut, **problems(404)},
    summary="Theo dõi phản ánh bằng mã theo dõi",
)
def track(request, token: str):
    fb = services.feedback_from_token(token)
    if fb is None:
        raise Http404
    return _out(fb, None, as_sender=True)


@router.post(
    "/feedback/track/{token}/actions",
    auth=None,
    response={200: FeedbackOut, **problems(403, 404, 409, 422)},
    summary="Người gửi đánh giá, đề nghị xem xét lại hoặc rút phản ánh bằng mã theo dõi",
)
def track_act(request, token: str, payload: FeedbackActionIn):
    fb = services.feedback_from_token(token)
    if fb is None:
        raise Http404
    if payload.action not in (
        Action.MARK_SATISFIED,
        Action.MARK_NOT_SATISFIED,
        Action.REOPEN,
        Action.WITHDRAW,
    ):
        raise ProblemError(
            "permission_denied",
            _("Mã theo dõi chỉ dùng để đánh giá, đề nghị xem xét lại hoặc rút."),
            status=403,
        )
    fb = services.feedback_act(
        feedback=fb,
        action=payload.action,
        actor=None,
        as_sender=True,
        inputs={"note": payload.note},
        request=request,
    )
    return _out(fb, None, as_sender=True)


def _qa(item: PublishedAnswer) -> dict:
    return {
        "id": item.pk,
        "title": item.title,
        "question": item.question,
        "answer": item.answer,
        "agency": {"code": item.agency.code, "name": item.agency.name} if item.agency_id else None,
        "procedure_code": item.procedure.code if item.procedure_id else None,
        "published_at": item.published_at,
    }


@router.get(
    "/qa",
    auth=None,
    response={200: QAList, **problems(404)},
    summary="Hỏi – đáp công khai (tìm không dấu)",
)
def qa_list(
    request,
    q: str = "",
    procedure_code: str | None = None,
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    procedure = None
    if procedure_code:
        procedure = Procedure.objects.filter(code=procedure_code).first()
        if procedure is None:
            raise Http404
    qs = selectors.public_answers(q=q, procedure=procedure)
    return {"count": qs.count(), "items": [_qa(i) for i in qs[offset : offset + limit]]}


@router.get(
    "/qa/{qa_id}",
    auth=None,
    response={200: QAOut, **problems(404)},
    summary="Một câu hỏi – đáp công khai",
)
def qa_get(request, qa_id: int = Path(..., ge=1, le=MAX_ID)):
    item = (
        PublishedAnswer.objects.select_related("agency", "procedure")
        .filter(pk=qa_id, is_public=True)
        .first()
    )
    if item is None:
        raise Http404
    return _qa(item)


# Whose token may hand mail in (``inbound_email``).
INBOUND_MAIL_ROLES = frozenset({StaffRole.Role.SWITCHBOARD, StaffRole.Role.ADMINISTRATOR})


class InboundOut(Schema):
    outcome: str = Field(description="created, duplicate hoặc quarantined")
    code: str | None = None
    reason: str | None = None


@router.post(
    "/feedback/inbound/email",
    response={201: InboundOut, 200: InboundOut, 202: InboundOut, **problems(403)},
    summary="Nhận một thư điện tử (RFC 822) từ cổng thư đến",
    description="Thân yêu cầu là `multipart/form-data` với trường `message`: nguyên văn thư "
    "(`message/rfc822`). Cần mã truy cập có phạm vi `integrations` của tài khoản tổng đài viên hoặc "
    "quản trị hệ thống (cổng thư đến). Thư hỏng hoặc nguy hiểm được cách ly (202), không bao giờ bị mất.",
)
def inbound_email(request, message: UploadedFile = File(...)):  # noqa: B008 - ninja parameter marker

    require_scope(request, "integrations")
    user = request.user
    # The mail gateway's account: a token of the switchboard or the system's administrators. Anyone
    # else would file feedback in the name of any address they write in the mail's From.
    if not user.is_superuser and (
        getattr(request, "api_token", None) is None or not has_any_role(user, INBOUND_MAIL_ROLES)
    ):
        raise ProblemError(
            "permission_denied",
            _("Chỉ cổng thư đến (mã truy cập của tổng đài viên hoặc quản trị hệ thống) được gửi thư vào đây."),
            status=403,
        )
    message.seek(0)
    outcome = email_ingest(raw=message.read())
    if outcome.quarantined is not None:
        return Status(202, {"outcome": "quarantined", "reason": outcome.quarantined.reason})
    if outcome.duplicate:
        return Status(200, {"outcome": "duplicate", "code": outcome.feedback.code})
    return Status(201, {"outcome": "created", "code": outcome.feedback.code})
