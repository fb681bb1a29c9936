"""Survey writes: the invitation after a dossier is returned, and the answer.

``survey_invite(dossier=…)`` is called when a dossier reaches the ``returned`` state (connected to
the dossier's save in ``apps.SurveysConfig.ready``); it is idempotent per dossier.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opendvc.audit.services import audit_record
from opendvc.core.links import absolute_url
from opendvc.core.prepared import PreparedRead, row_insert
from opendvc.core.problems import ProblemError
from opendvc.core.quoting import quoting
from opendvc.feedback.models import Channel, Kind
from opendvc.feedback.services import feedback_create
from opendvc.notifications.services import notify

from .models import SurveyForm, SurveyInvitation, SurveyResponse

INVITATION_DAYS = 30
# A 12-criteria form in the style provinces publish (access, procedures, officers, results, handling
# of feedback); administrators edit it or add another in the admin.
DEFAULT_CRITERIA = [
    {"code": "tiep-can", "label": "Dễ dàng tìm được thông tin về thủ tục"},
    {"code": "cong-khai", "label": "Thủ tục được công khai đầy đủ, chính xác"},
    {"code": "thanh-phan", "label": "Thành phần hồ sơ phải nộp là hợp lý"},
    {"code": "phi", "label": "Phí, lệ phí đúng quy định, thanh toán thuận tiện"},
    {"code": "nop-ho-so", "label": "Nộp hồ sơ (trực tuyến hoặc trực tiếp) thuận tiện"},
    {"code": "thai-do", "label": "Cán bộ tiếp nhận có thái độ lịch sự, tôn trọng"},
    {"code": "huong-dan", "label": "Cán bộ hướng dẫn đầy đủ, dễ hiểu, một lần"},
    {"code": "bo-sung", "label": "Không phải bổ sung hồ sơ nhiều lần"},
    {"code": "dung-hen", "label": "Nhận kết quả đúng hẹn"},
    {"code": "ket-qua", "label": "Kết quả đúng quy định, chính xác"},
    {"code": "theo-doi", "label": "Dễ theo dõi tình trạng hồ sơ"},
    {"code": "phan-anh", "label": "Phản ánh, kiến nghị được tiếp nhận và trả lời thỏa đáng"},
]


# The reads of every invitation (one per returned dossier), built once per process (``core.prepared``).
_ACTIVE_FORM = PreparedRead(
    lambda: SurveyForm.objects.filter(is_active=True).order_by("-created_at", "-pk")[:1]
)
_INVITATION_OF = PreparedRead(
    lambda code: SurveyInvitation.objects.filter(dossier_code=code).order_by("pk")[:1], "code"
)


def active_form() -> SurveyForm:
    """The form in use; the default 12-criteria form is created the first time one is needed."""
    form = _ACTIVE_FORM.first()
    if form is None:
        form, _created = SurveyForm.objects.get_or_create(
            code="mac-dinh",
            defaults={
                "title": "Phiếu khảo sát mức độ hài lòng",
                "criteria": DEFAULT_CRITERIA,
                "intro": "Xin Ông/Bà cho biết mức độ hài lòng khi giải quyết thủ tục hành chính.",
            },
        )
    return form


def _steps(dossier) -> list[dict[str, str]]:
    events = getattr(dossier, "events", None)
    if events is None:
        return []
    return [
        {"action": e.action, "role": e.actor_role, "officer": e.actor_label}
        for e in events.all()
        if e.actor_role and e.actor_role != "applicant"
    ]


def survey_invite(*, dossier, notice: bool = True) -> SurveyInvitation | None:
    """Invite the applicant of a returned dossier to the survey (email and in-app).

    Idempotent per dossier. Side effects: the invitation row, an audit entry, and after commit the
    two notifications — unless ``notice`` is false: the caller puts the invitation's link
    (``survey_link``) in its own message to the applicant (the online return's, which tells of the
    result and asks for the rating in one email). Returns ``None`` for a dossier without a code."""
    code = getattr(dossier, "code", None)
    if not code:
        return None
    with transaction.atomic():
        existing = _INVITATION_OF.first(code)
        if existing is not None:
            return existing
        now = timezone.now()
        inv = SurveyInvitation(
            form=active_form(),
            dossier=dossier if getattr(dossier, "pk", None) else None,
            dossier_code=code,
            agency=dossier.receiving_agency,
            procedure=getattr(dossier, "procedure", None),
            applicant=getattr(dossier, "applicant", None),
            steps=_steps(dossier),
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        # One INSERT built once per process (nothing listens to the invitation's save signals).
        row_insert(inv)
        audit_record(
            actor=None,
            action="survey.invite",
            target=("surveys.surveyinvitation", inv.pk),
            changes={"dossier": code, "agency": inv.agency.code},
        )
        if notice:
            transaction.on_commit(lambda: _notify_invitation(inv))
    return inv


def survey_link(inv: SurveyInvitation) -> str:
    return absolute_url("surveys:answer", args=[inv.token])


def _notify_invitation(inv: SurveyInvitation) -> None:
    if inv.applicant is None:
        return
    notify(
        template="survey_invitation",
        recipient=inv.applicant,
        context={
            "name": inv.applicant.full_name or "",
            "code": inv.dossier_code,
            "agency": inv.agency.name,
            "link": survey_link(inv),
        },
    )


COMMENT_MAX = 5000


def invitation_expired(inv: SurveyInvitation, *, now=None) -> bool:
    """Whether the invitation can no longer be answered: its ``expires_at`` has passed."""
    return inv.expires_at < (now or timezone.now())


def _closed(inv: SurveyInvitation) -> ProblemError | None:
    """The refusal of an answer to an invitation already answered or expired (409), or ``None``."""
    if inv.answered_at is not None:
        return ProblemError(
            "already_answered",
            _("Phiếu khảo sát này đã được trả lời. Cảm ơn Ông/Bà."),
            status=409,
            title=_("Phiếu khảo sát đã được trả lời"),
        )
    if invitation_expired(inv):
        return ProblemError(
            "survey_expired",
            _("Phiếu khảo sát đã hết hạn trả lời."),
            status=409,
            title=_("Phiếu khảo sát đã hết hạn"),
            extra={"expires_at": inv.expires_at.isoformat()},
        )
    return None


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        "validation_error",
        message,
        status=422,
        title=_("Đánh giá không hợp lệ"),
        extra={"errors": [{"path": field, "message": message}]},
    )


def survey_answer(
    *,
    invitation: SurveyInvitation,
    overall: int,
    criteria: dict[str, Any] | None = None,
    comment: str = "",
    request=None,
) -> SurveyResponse:
    """Record the answer. A "not satisfied" overall rating creates a feedback item forwarded to the
    agency that sent the survey (Regulation Art. 7.4), starting its 8 working-hour deadline.
    Raises ProblemError: 409 when already answered or expired (whatever the ratings), 422 for ratings
    out of range."""
    if (closed := _closed(invitation)) is not None:
        raise closed
    form = invitation.form
    # A boolean is an int to Python, not a rating.
    if isinstance(overall, bool) or not isinstance(overall, int) or not 1 <= overall <= form.scale:
        raise _invalid(
            "overall", _("Vui lòng chọn mức đánh giá chung từ 1 đến %(n)s.") % {"n": form.scale}
        )
    criteria = dict(criteria or {})
    known = {c["code"]: c["label"] for c in form.criteria}
    clean: dict[str, int] = {}
    for key, value in criteria.items():
        if key not in known:
            raise _invalid(
                f"criteria.{key}", _("Tiêu chí “%(k)s” không có trong phiếu.") % {"k": key}
            )
        if value is None or value == "":
            continue
        try:
            rating = 0 if isinstance(value, bool) else int(value)
        except (TypeError, ValueError):
            rating = 0
        if not 1 <= rating <= form.scale:
            raise _invalid(
                f"criteria.{key}",
                # The criterion as the form writes it (Vietnamese), marked so on an English page.
                quoting(
                    _("Điểm của tiêu chí “%(k)s” phải từ 1 đến %(n)s."),
                    {"k": known[key]},
                    {"n": form.scale},
                ),
            )
        clean[key] = rating
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise _invalid("comment", _("Ý kiến khác dài tối đa %(n)s ký tự.") % {"n": COMMENT_MAX})
    satisfied = overall > form.dissatisfied_at_most
    with transaction.atomic():
        inv = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("agency", "applicant")
            .get(pk=invitation.pk)
        )
        if (closed := _closed(inv)) is not None:
            raise closed
        inv.answered_at = timezone.now()
        inv.save(update_fields=["answered_at"])
        response = SurveyResponse.objects.create(
            invitation=inv,
            form=form,
            agency=inv.agency,
            dossier_code=inv.dossier_code,
            overall=overall,
            criteria=clean,
            steps=inv.steps,
            comment=comment,
            satisfied=satisfied,
        )
        audit_record(
            actor=inv.applicant,
            action="survey.answer",
            target=("surveys.surveyresponse", response.pk),
            changes={"dossier": inv.dossier_code, "overall": overall, "satisfied": satisfied},
            request=request,
        )
        if not satisfied:
            applicant = inv.applicant
            # The feedback item is the agency's record (Regulation Art. 7.4): written in Vietnamese
            # whatever language the applicant chose for the survey page.
            with translation.override("vi"):
                low = [known[k] for k, v in clean.items() if v <= form.dissatisfied_at_most]
                content = _("Đánh giá chung: %(o)s/%(n)s.") % {"o": overall, "n": form.scale}
                if low:
                    content += "\n" + _("Tiêu chí chưa hài lòng: %(l)s.") % {"l": "; ".join(low)}
                if comment:
                    content += "\n" + _("Ý kiến: %(c)s") % {"c": comment}
                subject = _("Không hài lòng với việc giải quyết hồ sơ %(code)s") % {
                    "code": inv.dossier_code
                }
                sender_name = (
                    "" if applicant else _("Người nộp hồ sơ %(code)s") % {"code": inv.dossier_code}
                )
            fb = feedback_create(
                channel=Channel.SURVEY,
                kind=Kind.COMPLAINT,
                subject=subject,
                content=content,
                sender=applicant,
                sender_name=sender_name,
                procedure=inv.procedure,
                dossier_code=inv.dossier_code,
                assign_to=inv.agency,
                request=request,
            )
            response.feedback = fb
            response.save(update_fields=["feedback"])
    return response
