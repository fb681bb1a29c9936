"""Every write to feedback items goes through this module.

``feedback_create`` records a new item from any channel; ``feedback_act`` applies one row of the
action table (``TABLE``) on the engine of ``opendvc.core.statemachine``: it locks the row, checks who
may act and the required inputs, applies the action's rule, appends one history entry, writes the audit
entry in the same transaction and sends notifications once the transaction has committed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.accounts.models import PersonProfile
from opendvc.agencies.models import Agency, StaffRole
from opendvc.agencies.selectors import active_roles, ancestor_ids
from opendvc.audit.services import audit_record
from opendvc.catalog.text import fold
from opendvc.core.links import absolute_url
from opendvc.core.problems import ProblemError
from opendvc.core.statemachine import Act, ActionSpec, Outcome, StateMachine
from opendvc.dossiers.models import Dossier
from opendvc.notifications.services import notify
from opendvc.worktime import add_working_time, calendar_for_agency, to_local

from .lifecycle import Action, Role, State
from .masking import KnownValues, highlight_masking, mask_personal_data
from .models import (
    Attachment,
    Channel,
    Feedback,
    FeedbackEvent,
    FeedbackRound,
    Kind,
    PublishedAnswer,
    Satisfaction,
)
from .signals import feedback_acted
from .timing import record_overdue
from .uploads import CheckedFile, check_count

SENDER_TOKEN_SALT = "opendvc.feedback.sender"
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_RE = re.compile(r"^\+?[0-9 .-]{8,15}$")
# The column's length (RFC 5321 limits a path to 254 characters).
EMAIL_MAX = Feedback._meta.get_field("sender_email").max_length
# An officer's or a sender's note and an answer are as long as a sender's content may be (the note
# shorter), on every path (the staff form, the sender's tracking page, the API).
NOTE_MAX, ANSWER_MAX = 5000, 20000


# --- who is acting -------------------------------------------------------------------------------


def actor_roles(*, feedback: Feedback, actor, as_sender: bool = False) -> set[str]:
    """The roles ``actor`` holds for this item (switchboard, focal, head, sender)."""
    roles: set[str] = set()
    if as_sender:
        roles.add(Role.SENDER)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return roles
    if feedback.sender_id and feedback.sender_id == actor.pk:
        roles.add(Role.SENDER)
    held = active_roles(actor)
    if actor.is_superuser or any(r.role == StaffRole.Role.SWITCHBOARD for r in held):
        roles.add(Role.SWITCHBOARD)
    if feedback.agency_id:
        if actor.is_superuser or any(
            r.role == StaffRole.Role.FEEDBACK_FOCAL and r.agency_id == feedback.agency_id
            for r in held
        ):
            roles.add(Role.FOCAL)
        above = {feedback.agency_id, *ancestor_ids(feedback.agency)}
        if actor.is_superuser or any(
            r.role == StaffRole.Role.HEAD and r.agency_id in above for r in held
        ):
            roles.add(Role.HEAD)
    return roles


def available_actions(*, feedback: Feedback, actor, as_sender: bool = False) -> list[str]:
    roles = actor_roles(feedback=feedback, actor=actor, as_sender=as_sender)
    out = []
    for t in MACHINE.allowed(feedback.status, roles):
        if t.action == Action.RESCHEDULE and feedback.rescheduled_at is not None:
            continue
        if t.action == Action.REOPEN and not _may_reopen(feedback, timezone.now()):
            continue
        out.append(t.action)
    return out


def sender_token(feedback: Feedback) -> str:
    """A signed token that lets a sender without an account follow and rate the item."""
    return signing.dumps(str(feedback.public_id), salt=SENDER_TOKEN_SALT)


def feedback_from_token(token: str) -> Feedback | None:
    try:
        public_id = signing.loads(token, salt=SENDER_TOKEN_SALT, max_age=365 * 24 * 3600)
    except signing.BadSignature:
        return None
    return Feedback.objects.filter(public_id=public_id).first()


# --- deadlines -----------------------------------------------------------------------------------


def focal_deadline(*, agency: Agency, forwarded_at: datetime) -> datetime:
    # Regulation Art. 8.2: the focal officer answers within 8 working hours of the instant the
    # switchboard forwarded the item.
    return add_working_time(
        forwarded_at,
        settings.FEEDBACK_FOCAL_HOURS,
        "working_hours",
        calendar=calendar_for_agency(agency),
    )


def head_deadline(*, agency: Agency, forwarded_at: datetime) -> datetime:
    # Regulation Art. 8.2: the head answers within 48 working hours "kể từ thời điểm nhận được nội
    # dung chuyển tới từ tổng đài viên" — from the same forwarding instant, not from the escalation.
    return add_working_time(
        forwarded_at,
        settings.FEEDBACK_HEAD_HOURS,
        "working_hours",
        calendar=calendar_for_agency(agency),
    )


def reschedule_limit(*, agency: Agency, at: datetime) -> datetime:
    """The latest new time a reschedule made at ``at`` may set (Art. 8.3; the bound is the setting
    FEEDBACK_RESCHEDULE_MAX_WORKING_DAYS, working days counted on the agency's calendar)."""
    return add_working_time(
        at,
        settings.FEEDBACK_RESCHEDULE_MAX_WORKING_DAYS,
        "working_days",
        calendar=calendar_for_agency(agency),
    )


def check_new_due(*, feedback: Feedback, new_due_at: Any, now: datetime) -> datetime:
    """The new time of a reschedule, checked (Art. 8.3): in the future, after the current deadline,
    no later than ``reschedule_limit`` and inside the agency's office hours on a working day.
    Raises ProblemError 422 with the reason in Vietnamese; returns the aware instant."""
    if not isinstance(new_due_at, datetime):
        raise _invalid("new_due_at", _("Thời hạn mới không hợp lệ."))
    if timezone.is_naive(new_due_at):
        new_due_at = timezone.make_aware(new_due_at)
    if new_due_at <= now:
        raise _invalid("new_due_at", _("Thời hạn mới phải là một thời điểm trong tương lai."))
    if feedback.due_at and new_due_at <= feedback.due_at:
        raise _invalid(
            "new_due_at",
            _("Thời hạn mới phải sau thời hạn hiện tại (%(d)s).")
            % {"d": timezone.localtime(feedback.due_at).strftime("%H:%M %d/%m/%Y")},
        )
    limit = reschedule_limit(agency=feedback.agency, at=now)
    if new_due_at > limit:
        raise _invalid(
            "new_due_at",
            _(
                "Thời hạn mới không được quá %(n)s ngày làm việc kể từ khi gia hạn "
                "(muộn nhất %(limit)s)."
            )
            % {
                "n": settings.FEEDBACK_RESCHEDULE_MAX_WORKING_DAYS,
                "limit": timezone.localtime(limit).strftime("%H:%M %d/%m/%Y"),
            },
        )
    if not calendar_for_agency(feedback.agency).is_working_instant(to_local(new_due_at)):
        raise _invalid(
            "new_due_at",
            _(
                "Thời hạn mới phải rơi vào giờ làm việc của cơ quan, trong một ngày làm "
                "việc (không vào ngày nghỉ, ngày lễ hay ngoài giờ hành chính)."
            ),
        )
    return new_due_at


# --- creation ------------------------------------------------------------------------------------


def _store_files(feedback: Feedback, files: Iterable[CheckedFile], part: str) -> list[Attachment]:
    out = []
    for f in files:
        att = Attachment(
            feedback=feedback,
            part=part,
            name=f.name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
        )
        att.file.save(f.name, ContentFile(f.content), save=False)
        att.save()
        out.append(att)
    return out


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        "validation_error",
        message,
        status=422,
        extra={"errors": [{"path": field, "message": message}]},
    )


def validate_sender(
    *,
    sender,
    sender_name: str,
    sender_phone: str,
    sender_email: str,
    sender_address: str = "",
    by_post: bool = False,
) -> None:
    """An account, or a name with a phone number or an email address — or, for a paper letter
    (``by_post``), a postal address the answer can be sent to (raises ProblemError 422)."""
    if len(sender_email) > EMAIL_MAX:
        raise _invalid(
            "sender_email", _("Địa chỉ email dài tối đa %(n)s ký tự.") % {"n": EMAIL_MAX}
        )
    if sender_email and not _EMAIL_RE.match(sender_email):
        raise _invalid("sender_email", _("Địa chỉ email không hợp lệ."))
    if sender_phone and not _PHONE_RE.match(sender_phone):
        raise _invalid("sender_phone", _("Số điện thoại không hợp lệ."))
    if sender is not None:
        return
    if not sender_name.strip():
        raise _invalid("sender_name", _("Vui lòng nhập họ và tên người gửi."))
    if by_post and sender_address.strip():
        return
    if not (sender_phone or sender_email):
        if by_post:
            raise _invalid(
                "sender_address",
                _(
                    "Vui lòng nhập địa chỉ, số điện thoại hoặc email của người gửi "
                    "để gửi câu trả lời."
                ),
            )
        raise _invalid(
            "sender_phone", _("Vui lòng nhập số điện thoại hoặc email để nhận câu trả lời.")
        )


# Invisible formatting characters (bidi overrides such as U+202E, zero-width marks: Unicode category
# Cf) and control characters other than line breaks and tabs (Cc) are not kept: a subject of
# right-to-left overrides only passed for a title, and one inside a text showed the rest of its line
# reversed to the officers.
_KEPT_CONTROLS = frozenset("\n\r\t")


def clean_text(value: str | None) -> str:
    """Typed text as stored: NFC, without invisible formatting and control characters (line breaks
    and tabs kept), trimmed."""
    text = unicodedata.normalize("NFC", value or "")
    return "".join(
        ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in {"Cc", "Cf"}
    ).strip()


def check_text(*, subject: str, content: str) -> None:
    """The title and the text of a new item, as stored (``clean_text``): present and within their
    lengths (raises ProblemError 422)."""
    subject, content = clean_text(subject), clean_text(content)
    if not subject:
        raise _invalid("subject", _("Vui lòng nhập tiêu đề."))
    if len(subject) > 300:
        raise _invalid("subject", _("Tiêu đề dài tối đa 300 ký tự."))
    if not content:
        raise _invalid("content", _("Vui lòng nhập nội dung phản ánh, kiến nghị."))
    if len(content) > 20000:
        raise _invalid("content", _("Nội dung dài tối đa 20.000 ký tự."))


def feedback_create(
    *,
    channel: str,
    subject: str,
    content: str,
    kind: str = Kind.COMPLAINT,
    sender=None,
    sender_name: str = "",
    sender_phone: str = "",
    sender_email: str = "",
    sender_address: str = "",
    suggested_agency: Agency | None = None,
    procedure=None,
    dossier_code: str = "",
    consent_publish: bool = False,
    files: Iterable[CheckedFile] = (),
    entered_by=None,
    external_id: str | None = None,
    created_at: datetime | None = None,
    assign_to: Agency | None = None,
    entered_role: str = Role.SWITCHBOARD,
    request=None,
) -> Feedback:
    """Record a new item. Side effects: stores attachments, appends the first history entry, writes
    the audit entry, and after commit acknowledges receipt to the sender. With ``assign_to`` (survey
    answers, Art. 7.4) the item is forwarded to that agency at once, starting the 8-hour deadline."""
    if channel not in Channel.values:
        raise _invalid("channel", _("Kênh tiếp nhận không hợp lệ."))
    if kind not in Kind.values:
        raise _invalid("kind", _("Loại phản ánh, kiến nghị không hợp lệ."))
    subject, content = clean_text(subject), clean_text(content)
    check_text(subject=subject, content=content)
    if sender is not None and not getattr(sender, "is_authenticated", False):
        sender = None
    if sender is not None:
        sender_name = sender_name or sender.full_name
        sender_email = sender_email or (sender.email or "")
    if channel == Channel.SURVEY:
        # Survey answers come from the dossier's applicant, already known to the agency (Art. 7.4).
        validate_sender(
            sender=sender,
            sender_name=sender_name or "-",
            sender_phone=sender_phone,
            sender_email=sender_email or "survey@invalid.invalid",
        )
    else:
        validate_sender(
            sender=sender,
            sender_name=sender_name,
            sender_phone=sender_phone,
            sender_email=sender_email,
            sender_address=sender_address,
            by_post=channel == Channel.PAPER,
        )
    files = list(files)
    check_count(len(files))
    dossier = None
    if dossier_code:
        dossier = Dossier.objects.filter(code=dossier_code.strip()).first()
    with transaction.atomic():
        if external_id:
            existing = Feedback.objects.select_for_update().filter(external_id=external_id).first()
            if existing is not None:
                return existing
        try:
            with transaction.atomic():
                fb = Feedback.objects.create(
                    channel=channel,
                    kind=kind,
                    sender=sender,
                    sender_name=sender_name[:200],
                    sender_phone=sender_phone,
                    sender_email=sender_email,
                    sender_address=sender_address[:300],
                    subject=subject,
                    content=content,
                    suggested_agency=suggested_agency,
                    procedure=procedure,
                    dossier=dossier,
                    dossier_code=dossier_code.strip()[:40],
                    consent_publish=consent_publish,
                    entered_by=entered_by,
                    external_id=external_id or None,
                    created_at=created_at or timezone.now(),
                )
        except IntegrityError:
            # The same form sent twice at once (a double click): the first request recorded it.
            existing = Feedback.objects.filter(external_id=external_id).first() if external_id else None
            if existing is None:
                raise
            return existing
        local = timezone.localtime(fb.created_at)
        fb.code = f"PA-{local:%Y%m%d}-{fb.pk:06d}"
        fb.save(update_fields=["code"])
        _store_files(fb, files, Attachment.Part.SENDER)
        FeedbackEvent.objects.create(
            feedback=fb,
            action="create",
            from_status="",
            to_status=fb.status,
            actor=entered_by or sender,
            actor_role=entered_role if entered_by else (Role.SENDER if sender else Role.SYSTEM),
            data={"channel": channel, "files": [f.name for f in files]},
            # The history starts when the item was received (an imported item's sending instant).
            created_at=fb.created_at,
        )
        audit_record(
            actor=entered_by or sender,
            action="feedback.create",
            target=fb,
            changes={"channel": channel, "kind": kind, "files": len(files)},
            request=request,
        )
        transaction.on_commit(lambda: _notify_sender(fb, "feedback_received"))
        if assign_to is not None:
            # The history is the agency's record: in Vietnamese whatever the page's language.
            with translation.override("vi"):
                note = (
                    _("Chuyển theo phiếu khảo sát (Điều 7.4).")
                    if channel == Channel.SURVEY
                    else _("Văn bản gửi trực tiếp đến cơ quan, cơ quan vào sổ (Điều 7.3).")
                )
            fb = feedback_act(
                feedback=fb,
                action=Action.FORWARD,
                actor=entered_by,
                system=True,
                inputs={"agency": assign_to, "note": note},
                request=request,
            )
    return fb


def paper_agencies(actor) -> list[Agency]:
    """The agencies whose paper letters ``actor`` may register: those where they are the focal
    officer or the head (Art. 7.3)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    if actor.is_superuser:
        return list(Agency.objects.filter(is_active=True).order_by("sort_name", "code"))
    ids = {
        r.agency_id
        for r in active_roles(actor)
        if r.role in (StaffRole.Role.FEEDBACK_FOCAL, StaffRole.Role.HEAD)
    }
    return list(Agency.objects.filter(pk__in=ids, is_active=True).order_by("sort_name", "code"))


def feedback_register_paper(
    *, agency: Agency, actor, subject: str, content: str, request=None, **fields: Any
) -> Feedback:
    """Register a paper letter handed to ``agency`` itself (Regulation Art. 7.3) in the agency's own
    queue: recorded on the paper channel, entered by ``actor`` and forwarded to the agency at once,
    which starts its 8 working-hour deadline (Art. 8.2). ``fields`` are those of
    ``feedback_create`` (sender, kind, procedure, files…). Raises ProblemError 403 when ``actor``
    is neither the focal officer nor the head of ``agency``."""
    if agency not in paper_agencies(actor):
        raise ProblemError(
            "permission_denied",
            _(
                "Chỉ cán bộ đầu mối hoặc thủ trưởng của cơ quan được vào sổ văn bản gửi đến cơ quan."
            ),
            status=403,
        )
    roles = {r.role for r in active_roles(actor) if r.agency_id == agency.pk}
    role = Role.FOCAL if StaffRole.Role.FEEDBACK_FOCAL in roles or not roles else Role.HEAD
    return feedback_create(
        channel=Channel.PAPER,
        subject=subject,
        content=content,
        entered_by=actor,
        entered_role=role,
        assign_to=agency,
        request=request,
        **fields,
    )


# --- transitions ---------------------------------------------------------------------------------


def _may_reopen(fb: Feedback, now: datetime) -> bool:
    if (
        fb.reopened_at is not None
        or fb.answered_at is None
        or fb.satisfaction == Satisfaction.SATISFIED
    ):
        return False
    return now <= fb.answered_at + timedelta(days=settings.FEEDBACK_REOPEN_DAYS)


# What each action does besides changing the state: ``handler(fb, inputs, *, now, role, actor)`` on the
# locked item (the engine saves it, appends the history entry, writes the audit entry and sends the
# notice after commit).


def _on_forward(fb: Feedback, inputs, *, now, role, actor) -> Outcome:
    agency = inputs["agency"]
    if not isinstance(agency, Agency) or not agency.is_active:
        raise _invalid("agency", _("Cơ quan xử lý không hợp lệ."))
    if inputs.get("kind"):
        if inputs["kind"] not in Kind.values:
            raise _invalid("kind", _("Loại phản ánh, kiến nghị không hợp lệ."))
        fb.kind = inputs["kind"]
    if inputs.get("procedure") is not None:
        fb.procedure = inputs["procedure"]
    fb.agency = agency
    fb.forwarded_at = now
    fb.focal_due_at = focal_deadline(agency=agency, forwarded_at=now)
    fb.escalated_at = fb.head_due_at = None
    fb.original_due_at = fb.due_at = fb.focal_due_at
    fb.head_notified_at = None
    return Outcome(data={"agency": agency.code, "kind": fb.kind, "due_at": fb.due_at.isoformat()})


def _end_round(fb: Feedback, *, now, action: str) -> None:
    """Keep the forwarding that ``action`` ends as it stands (``FeedbackRound``), before the item's
    row is overwritten: the reports as of an earlier cut-off read it. Nothing to keep for an item
    that was never counted at an agency."""
    if fb.agency_id is None or fb.forwarded_at is None:
        return
    FeedbackRound.objects.create(
        feedback=fb,
        agency_id=fb.agency_id,
        forwarded_at=fb.forwarded_at,
        escalated_at=fb.escalated_at,
        answered_at=fb.answered_at,
        overdue_since=fb.overdue_since,
        rescheduled_at=fb.rescheduled_at,
        ended_at=now,
        ended_by=action,
    )


def _on_send_back(fb: Feedback, inputs, *, now, role, actor) -> Outcome:
    data: dict[str, Any] = {"agency": fb.agency.code if fb.agency else ""}
    # Forwarded to the wrong agency: that forwarding ends here. Its lateness and its reschedule stay
    # in the history (this entry, the audit trail and the ended forwarding); the next agency's
    # deadlines start afresh, with its own one reschedule (Regulation Art. 8.3).
    _end_round(fb, now=now, action=Action.SEND_BACK)
    if fb.overdue_since is not None:
        data["overdue_since"] = fb.overdue_since.isoformat()
    fb.agency = None
    fb.forwarded_at = fb.focal_due_at = fb.escalated_at = fb.head_due_at = None
    fb.original_due_at = fb.due_at = fb.overdue_since = None
    fb.rescheduled_at, fb.reschedule_reason = None, ""
    return Outcome(data=data)


def _on_escalate(fb: Feedback, inputs, *, now, role, actor) -> Outcome:
    fb.escalated_at = now
    fb.head_due_at = head_deadline(agency=fb.agency, forwarded_at=fb.forwarded_at)
    fb.original_due_at = fb.head_due_at
    # The time agreed with the sender in a reschedule still binds when it is later.
    fb.due_at = (
        max(fb.head_due_at, fb.due_at) if fb.rescheduled_at and fb.due_at else fb.head_due_at
    )
    return Outcome(data={"due_at": fb.head_due_at.isoformat()})


def _on_reschedule(fb: Feedback, inputs, *, now, role, actor) -> Outcome:
    if fb.rescheduled_at is not None:
        # Regulation Art. 8.3: the agency may reschedule with the sender at most once (per
        # forwarding: a send-back or a reopening ends it, ``_end_round``).
        raise ProblemError(
            "already_rescheduled",
            _(
                "Phản ánh này đã được gia hạn một lần (ngày %(d)s); theo Điều 8.3 chỉ được gia hạn một lần."
            )
            % {"d": timezone.localtime(fb.rescheduled_at).strftime("%d/%m/%Y")},
            status=409,
        )
    new_due = check_new_due(feedback=fb, new_due_at=inputs["new_due_at"], now=now)
    fb.rescheduled_at = now
    fb.reschedule_reason = inputs["note"]
    data = {
        "previous_due_at": fb.due_at.isoformat() if fb.due_at else None,
        "due_at": new_due.isoformat(),
    }
    fb.due_at = new_due
    return Outcome(data=data)


def _on_answer(fb: Feedback, inputs, *, now, role, actor) -> Outcome:
    files: list[CheckedFile] = list(inputs.get("files") or [])
    check_count(len(files))
    fb.answer = inputs["answer"]
    fb.answered_at = now
    fb.answered_by = actor if getattr(actor, "is_authenticated", False) else None
    # On time unless the item was already late (``timing``; recorded before the action).
    fb.answered_on_time = fb.overdue_since is None
    _store_files(fb, files, Attachment.Part.ANSWER)
    return Outcome(data={"on_time": fb.answered_on_time, "files": [f.name for f in files]})


def _on_mark_satisfied(fb: Feedback, inputs, *, now, role, actor) -> Outcome:
    fb.satisfaction = Satisfaction.SATISFIED
    return Outcome(data={"satisfaction": fb.satisfaction})


def _on_mark_not_satisfied(fb: Feedback, inputs, *, now, role, actor) -> Outcome:
    fb.satisfaction = Satisfaction.NOT_SATISFIED
    return Outcome(data={"satisfaction": fb.satisfaction})


def _on_reopen(fb: Feedback, inputs, *, now, role, actor) -> Outcome:
    if not _may_reopen(fb, now):
        raise ProblemError(
            "reopen_not_allowed",
            _("Chỉ được đề nghị xem xét lại một lần, trong %(n)s ngày kể từ khi nhận câu trả lời.")
            % {"n": settings.FEEDBACK_REOPEN_DAYS},
            status=409,
        )
    fb.satisfaction = Satisfaction.NOT_SATISFIED
    fb.reopened_at = now
    # The answered forwarding ends; the new one runs at the same agency with fresh deadlines. The
    # lateness recorded in the first stays (``timing``: never cleared, Art. 8.2 "tiếp tục hiển thị").
    # Its reschedule does not: the time agreed with the sender was for the answer now given, and the
    # fresh deadlines below replace it, so the new forwarding may agree its own once (Art. 8.3); the
    # ended one keeps it (``_end_round``, the history entry of the reschedule).
    _end_round(fb, now=now, action=Action.REOPEN)
    data = {"previous_answer": fb.answer, "previous_answered_at": fb.answered_at.isoformat()}
    fb.answer, fb.answered_at, fb.answered_by, fb.answered_on_time = "", None, None, None
    fb.forwarded_at = now
    fb.focal_due_at = focal_deadline(agency=fb.agency, forwarded_at=now)
    fb.escalated_at = fb.head_due_at = None
    fb.original_due_at = fb.due_at = fb.focal_due_at
    fb.head_notified_at = None
    fb.rescheduled_at, fb.reschedule_reason = None, ""
    return Outcome(data=data)


def _on_withdraw(fb: Feedback, inputs, *, now, role, actor) -> Outcome:
    # The instant is kept: a report as of an earlier cut-off counts the item as it stood then.
    fb.withdrawn_at = now
    return Outcome()


S, A, R = State, Action, Role
SWITCHBOARD, SENDER, HEAD = frozenset({R.SWITCHBOARD}), frozenset({R.SENDER}), frozenset({R.HEAD})
STAFF_AT_AGENCY = frozenset({R.FOCAL, R.HEAD})
NOTE = ("note",)

# The feedback's action table (Regulation Chapter III, Art. 7–8). A row per (action, who may take it):
# at the agency the focal officer or the head act until the item is escalated, then the head alone.
TABLE: tuple[ActionSpec, ...] = (
    # The system forwards on its own the items an agency registered or a survey sent (Art. 7.3, 7.4).
    ActionSpec(
        A.FORWARD,
        frozenset({S.RECEIVED}),
        S.FORWARDED,
        frozenset({R.SWITCHBOARD, R.SYSTEM}),
        required=("agency",),
        optional=("kind", "procedure", "note"),
        handler=_on_forward,
        notice="feedback_forwarded",
    ),
    ActionSpec(
        A.REJECT,
        frozenset({S.RECEIVED}),
        S.REJECTED,
        SWITCHBOARD,
        required=NOTE,
        notice="feedback_rejected",
    ),
    ActionSpec(
        A.WITHDRAW,
        frozenset({S.RECEIVED, S.FORWARDED, S.ESCALATED}),
        S.WITHDRAWN,
        SENDER,
        optional=NOTE,
        handler=_on_withdraw,
    ),
    ActionSpec(
        A.SEND_BACK,
        frozenset({S.FORWARDED}),
        S.RECEIVED,
        STAFF_AT_AGENCY,
        required=NOTE,
        handler=_on_send_back,
    ),
    ActionSpec(
        A.ESCALATE,
        frozenset({S.FORWARDED}),
        S.ESCALATED,
        frozenset({R.FOCAL}),
        optional=NOTE,
        handler=_on_escalate,
        notice="feedback_escalated",
    ),
    # Art. 8.3: at most once per forwarding (``_on_reschedule``); the state stays.
    ActionSpec(
        A.RESCHEDULE,
        frozenset({S.FORWARDED}),
        S.FORWARDED,
        STAFF_AT_AGENCY,
        required=("note", "new_due_at"),
        handler=_on_reschedule,
        notice="feedback_rescheduled",
    ),
    ActionSpec(
        A.RESCHEDULE,
        frozenset({S.ESCALATED}),
        S.ESCALATED,
        HEAD,
        required=("note", "new_due_at"),
        handler=_on_reschedule,
        notice="feedback_rescheduled",
    ),
    ActionSpec(
        A.ANSWER,
        frozenset({S.FORWARDED}),
        S.ANSWERED,
        STAFF_AT_AGENCY,
        required=("answer",),
        optional=("note", "files"),
        handler=_on_answer,
        notice="feedback_answered",
    ),
    ActionSpec(
        A.ANSWER,
        frozenset({S.ESCALATED}),
        S.ANSWERED,
        HEAD,
        required=("answer",),
        optional=("note", "files"),
        handler=_on_answer,
        notice="feedback_answered",
    ),
    ActionSpec(
        A.MARK_SATISFIED,
        frozenset({S.ANSWERED}),
        S.CLOSED,
        SENDER,
        optional=NOTE,
        handler=_on_mark_satisfied,
    ),
    ActionSpec(
        A.MARK_NOT_SATISFIED,
        frozenset({S.ANSWERED}),
        S.CLOSED,
        SENDER,
        optional=NOTE,
        handler=_on_mark_not_satisfied,
    ),
    # Not satisfied may reopen once, within FEEDBACK_REOPEN_DAYS of the answer (``_on_reopen``).
    ActionSpec(
        A.REOPEN,
        frozenset({S.ANSWERED, S.CLOSED}),
        S.FORWARDED,
        SENDER,
        optional=NOTE,
        handler=_on_reopen,
        notice="feedback_reopened",
    ),
)

# Notices to the agency's staff (by staff role); the others go to the sender.
STAFF_NOTICES = {
    "feedback_forwarded": StaffRole.Role.FEEDBACK_FOCAL,
    "feedback_escalated": StaffRole.Role.HEAD,
    "feedback_reopened": StaffRole.Role.FEEDBACK_FOCAL,
}
# Notices that carry the note (the reason) to the sender.
NOTICES_WITH_NOTE = frozenset({"feedback_rejected", "feedback_rescheduled"})

REQUIRED_MESSAGES = {
    (A.FORWARD, "agency"): gettext_lazy("Vui lòng chọn cơ quan xử lý."),
    (A.REJECT, "note"): gettext_lazy("Vui lòng ghi lý do không xử lý."),
    (A.SEND_BACK, "note"): gettext_lazy("Vui lòng ghi lý do trả lại tổng đài."),
    (A.RESCHEDULE, "note"): gettext_lazy("Vui lòng ghi lý do gia hạn."),
    (A.RESCHEDULE, "new_due_at"): gettext_lazy(
        "Vui lòng chọn thời hạn mới đã thống nhất với người gửi."
    ),
    (A.ANSWER, "answer"): gettext_lazy("Vui lòng nhập nội dung trả lời."),
}

# Who acts, when the actor holds several roles for the item.
ROLE_ORDER = (Role.SYSTEM, Role.HEAD, Role.FOCAL, Role.SWITCHBOARD, Role.SENDER)


class FeedbackMachine(StateMachine):
    domain = "feedback"
    model = Feedback
    signal = feedback_acted
    table = TABLE
    required_messages = REQUIRED_MESSAGES

    def lock(self, row):
        return (
            Feedback.objects.select_for_update(of=("self",)).select_related("agency").get(pk=row.pk)
        )

    def roles_of(self, row, actor, spec: ActionSpec, *, as_sender: bool = False) -> set[str]:
        return actor_roles(feedback=row, actor=actor, as_sender=as_sender)

    def pick_role(self, spec: ActionSpec, roles: set[str]) -> str | None:
        return next((r for r in ROLE_ORDER if r in roles and r in spec.roles), None)

    def unknown_inputs(self, spec: ActionSpec, inputs: dict[str, Any]) -> list[dict[str, str]]:
        # The staff form posts the fields of every action; those an action does not take are ignored.
        return []

    def stale(self, row) -> ProblemError:
        return ProblemError(
            "conflict",
            _(
                "Phản ánh, kiến nghị đã thay đổi kể từ khi trang được mở (có thể do nút được bấm "
                "hai lần, hoặc do người khác vừa xử lý); hãy xem trạng thái hiện tại của phản "
                "ánh, kiến nghị trước khi thao tác lại."
            ),
            status=409,
            extra={"state": row.status, "version": row.version},
        )

    def not_open(self, row, spec: ActionSpec) -> ProblemError:
        return ProblemError(
            "conflict",
            _("Không thể thực hiện thao tác này khi phản ánh đang ở trạng thái “%(state)s”.")
            % {"state": row.get_status_display()},
            status=409,
            extra={"state": row.status, "version": row.version},
        )

    def denied(self, row, spec: ActionSpec) -> ProblemError:
        return ProblemError(
            "permission_denied",
            _("Bạn không có quyền thực hiện thao tác này với phản ánh này."),
            status=403,
        )

    def invalid(self, spec: ActionSpec, errors: list[dict[str, str]]) -> ProblemError:
        return ProblemError(
            "validation_error", errors[0]["message"], status=422, extra={"errors": errors}
        )

    def prepare(self, row, now) -> None:
        # Trễ hạn is recorded at the instant the binding deadline passed, before any action moves it
        # (an escalation, a reschedule or an answer after that instant does not undo it).
        record_overdue(row, now)

    def save(self, row, fields: list[str]) -> None:
        row.save()

    def append_event(self, act: Act) -> FeedbackEvent:
        return FeedbackEvent.objects.create(
            feedback=act.row,
            action=act.spec.action,
            from_status=act.from_state,
            to_status=act.to_state,
            actor=act.actor if getattr(act.actor, "is_authenticated", False) else None,
            actor_role=act.role,
            note=act.inputs.get("note") or "",
            data=act.outcome.data,
            created_at=act.now,
        )

    def audit_changes(self, act: Act) -> dict[str, Any]:
        return {"status": [act.from_state, act.to_state], **act.outcome.data}

    def notify(self, act: Act) -> None:
        fb, template = act.row, act.spec.notice
        if template in STAFF_NOTICES:
            transaction.on_commit(lambda: _notify_staff(fb, STAFF_NOTICES[template], template))
        else:
            extra = {"note": act.inputs.get("note") or ""} if template in NOTICES_WITH_NOTE else {}
            transaction.on_commit(lambda: _notify_sender(fb, template, **extra))


MACHINE = FeedbackMachine()


def feedback_act(
    *,
    feedback: Feedback,
    action: str,
    actor,
    inputs: dict[str, Any] | None = None,
    as_sender: bool = False,
    system: bool = False,
    expected_version: int | None = None,
    request=None,
    at: datetime | None = None,
) -> Feedback:
    """Apply ``action`` (a row of ``TABLE``) to the item, as ``actor``. Raises ProblemError: 409
    ``conflict`` when the action is out of turn or for a stale ``expected_version`` (the same code as
    the dossiers'), 422 ``validation_error`` for an unknown action, 403 when the actor holds no role for it, 409 ``already_rescheduled`` /
    ``reopen_not_allowed`` for the once-only rules, 422 for a missing or bad input.

    Side effects (``opendvc.core.statemachine``): updates the item (deadlines computed with the
    working-time engine), appends one history entry, writes the audit entry, stores answer files, and
    notifies the people concerned after commit (``feedback_acted`` too).

    ``at``: the instant the action took place when it is recorded after it (the demo data's history;
    ``StateMachine.act``): the deadlines count from it; never later than now, never before the item
    was received."""
    if at is not None and at < feedback.created_at:
        raise ValueError("An action cannot precede the item's receipt.")
    for field, limit, message in (
        ("note", NOTE_MAX, gettext_lazy("Ghi chú, lý do dài tối đa 5.000 ký tự.")),
        ("answer", ANSWER_MAX, gettext_lazy("Nội dung trả lời dài tối đa 20.000 ký tự.")),
    ):
        value = (inputs or {}).get(field)
        if isinstance(value, str) and len(value) > limit:
            raise _invalid(field, str(message))
    return MACHINE.act(
        row=feedback,
        action=action,
        actor=actor,
        system=system,
        request=request,
        expected_version=expected_version,
        inputs=inputs,
        context={"as_sender": as_sender},
        at=at,
    ).row


# Another name of ``feedback_act`` kept for callers outside this app.
feedback_transition = feedback_act


def feedback_mark_overdue(*, now: datetime | None = None) -> int:
    """Record trễ hạn on items whose binding deadline passed (at that instant, never cleared) and,
    once per forwarding, tell the head of the agency when the focal officer's 8 hours passed
    unanswered. Returns how many heads were notified."""
    now = now or timezone.now()
    Feedback.objects.overdue(now).filter(overdue_since__isnull=True).update(
        overdue_since=F("due_at")
    )
    notified = 0
    late = Feedback.objects.filter(
        status=State.FORWARDED, focal_due_at__lt=now, head_notified_at__isnull=True
    )
    for pk in late.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            fb = (
                Feedback.objects.select_for_update(of=("self",)).select_related("agency").get(pk=pk)
            )
            if fb.status != State.FORWARDED or fb.head_notified_at is not None:
                continue
            fb.head_notified_at = now
            fb.save(update_fields=["head_notified_at"])
            audit_record(
                actor=None,
                action="feedback.focal_deadline_passed",
                target=fb,
                changes={"focal_due_at": fb.focal_due_at.isoformat()},
            )
            transaction.on_commit(
                lambda fb=fb: _notify_staff(fb, StaffRole.Role.HEAD, "feedback_focal_overdue")
            )
            notified += 1
    return notified


# --- notifications -------------------------------------------------------------------------------


def _context(fb: Feedback, **extra) -> dict[str, Any]:
    return {
        "code": fb.code,
        "subject": fb.subject,
        "name": fb.sender_display,
        "agency": fb.agency.name if fb.agency_id else "",
        "due_at": timezone.localtime(fb.due_at).strftime("%H:%M %d/%m/%Y") if fb.due_at else "",
        "link": absolute_url("feedback:track", args=[sender_token(fb)]),
        "staff_link": absolute_url("feedback:staff_detail", args=[fb.code]),
        **extra,
    }


def _notify_sender(fb: Feedback, template: str, **extra) -> None:
    fb.refresh_from_db()
    if fb.sender_id is None and not fb.sender_email:
        return
    notify(
        template=template,
        context=_context(fb, **extra),
        recipient=fb.sender,
        to_address=fb.sender_email if fb.sender_id is None else "",
    )


def _notify_staff(fb: Feedback, role: str, template: str) -> None:
    fb.refresh_from_db()
    if fb.agency_id is None:
        return
    # The agency's own officers; for a head, the nearest agency up the tree that has one.
    for agency_id in [
        fb.agency_id,
        *(ancestor_ids(fb.agency) if role == StaffRole.Role.HEAD else []),
    ]:
        holders = StaffRole.objects.filter(
            agency_id=agency_id, role=role, is_active=True
        ).select_related("user")
        users = {sr.user_id: sr.user for sr in holders}
        for user in users.values():
            notify(template=template, context=_context(fb), recipient=user)
        if users:
            return


# --- public questions and answers (Art. 3.2) -----------------------------------------------------


def publish_names(fb: Feedback) -> list[str]:
    """The names the sender gave (and the account's name), to be masked."""
    names = [fb.sender_name]
    if fb.sender_id:
        names.append(fb.sender.full_name)
    return [n for n in names if n]


def publish_known_values(fb: Feedback):
    """Everything the item and the sender's account hold about the sender — names, addresses,
    phones, emails, identifiers, date of birth — each masked wherever it appears in the text."""
    known = KnownValues(
        names=publish_names(fb),
        addresses=[fb.sender_address],
        phones=[fb.sender_phone],
        emails=[fb.sender_email],
    )
    user = fb.sender if fb.sender_id else None
    if user is not None:
        known.phones.append(user.phone)
        known.emails.append(user.email or "")
        profile = PersonProfile.objects.filter(user=user).first()
        if profile is not None:
            known.identifiers.append(profile.cccd)
            known.addresses += [
                profile.permanent_street,
                profile.current_street,
                profile.permanent_address,
                profile.current_address,
            ]
            if profile.date_of_birth:
                known.dates.append(profile.date_of_birth)
        known.identifiers += [org.tax_code for org in user.organisations.all()]
    for attr in ("addresses", "phones", "emails", "identifiers"):
        setattr(known, attr, [v for v in getattr(known, attr) if v])
    return known


def publish_preview(*, feedback: Feedback) -> dict[str, str]:
    """The masked title, question and answer an officer reviews before publishing."""
    known = publish_known_values(feedback)
    return {
        "title": mask_personal_data(feedback.subject, known=known),
        "question": mask_personal_data(feedback.content, known=known),
        "answer": mask_personal_data(feedback.answer, known=known),
    }


def publish_changes(*, feedback: Feedback) -> dict[str, str]:
    """The original title, question and answer as HTML with every masked piece highlighted."""
    known = publish_known_values(feedback)
    return {
        key: highlight_masking(value, known=known)
        for key, value in (
            ("title", feedback.subject),
            ("question", feedback.content),
            ("answer", feedback.answer),
        )
    }


def feedback_publish(
    *, feedback: Feedback, actor, title: str, question: str, answer: str, request=None
):
    """Publish an answered item whose sender consented, with the text the officer confirmed; the
    personal-data masking runs once more on it. Side effects: the public record, an audit entry."""
    roles = actor_roles(feedback=feedback, actor=actor)
    if not roles & {Role.FOCAL, Role.HEAD}:
        raise ProblemError(
            "permission_denied",
            _("Chỉ cán bộ của cơ quan trả lời mới được công khai phản ánh này."),
            status=403,
        )
    if feedback.status not in (State.ANSWERED, State.CLOSED) or not feedback.answer:
        raise ProblemError(
            "not_answered", _("Chỉ công khai được phản ánh đã có câu trả lời."), status=409
        )
    if not feedback.consent_publish:
        raise ProblemError(
            "no_consent", _("Người gửi không đồng ý công khai phản ánh này."), status=409
        )
    known = publish_known_values(feedback)
    title, question, answer = (
        mask_personal_data((v or "").strip(), known=known) for v in (title, question, answer)
    )
    if not (title and question and answer):
        raise _invalid("title", _("Tiêu đề, câu hỏi và câu trả lời không được để trống."))
    with transaction.atomic():
        if PublishedAnswer.objects.filter(feedback=feedback).exists():
            raise ProblemError(
                "already_published", _("Phản ánh này đã được công khai."), status=409
            )
        pa = PublishedAnswer.objects.create(
            feedback=feedback,
            title=title[:300],
            question=question,
            answer=answer,
            agency=feedback.agency,
            procedure=feedback.procedure,
            published_by=actor,
            search_doc=" " + fold(f"{title} {question} {answer}") + " ",
        )
        audit_record(
            actor=actor,
            action="feedback.publish",
            target=feedback,
            changes={"published": pa.pk},
            request=request,
        )
    return pa
