"""Survey API: read the form of an invitation and submit the answer (the token is the key)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt

from opendvc.api.schemas import problems

from .models import SurveyInvitation
from .services import invitation_expired, survey_answer

router = Router(tags=["Khảo sát mức độ hài lòng"])


class Criterion(Schema):
    code: str
    label: str


class SurveyOut(Schema):
    title: str
    intro: str
    scale: int
    criteria: list[Criterion]
    dossier_code: str
    agency: str
    answered: bool
    expires_at: datetime = Field(description="Hạn trả lời phiếu (ISO 8601)")
    expired: bool = Field(description="Đã quá hạn trả lời: không gửi được đánh giá nữa")


class AnswerIn(Schema):
    overall: StrictInt = Field(description="Mức hài lòng chung, 1..scale")
    criteria: dict[str, StrictInt | None] = Field(
        default_factory=dict,
        description="Điểm theo tiêu chí, 1..scale; null (hoặc bỏ trống) là không đánh giá",
    )
    comment: str = Field("", max_length=5000)


class AnswerOut(Schema):
    satisfied: bool
    feedback_code: str | None


def _invitation(token: str) -> SurveyInvitation:
    inv = SurveyInvitation.objects.select_related("form", "agency").filter(token=token).first()
    if inv is None:
        raise Http404
    return inv


@router.get(
    "/surveys/{token}",
    auth=None,
    response={200: SurveyOut, **problems(404)},
    summary="Phiếu khảo sát của một hồ sơ",
)
def get_survey(request, token: str):
    inv = _invitation(token)
    return {
        "title": inv.form.title,
        "intro": inv.form.intro,
        "scale": inv.form.scale,
        "criteria": inv.form.criteria,
        "dossier_code": inv.dossier_code,
        "agency": inv.agency.name,
        "answered": inv.answered_at is not None,
        "expires_at": inv.expires_at,
        "expired": invitation_expired(inv),
    }


@router.post(
    "/surveys/{token}/answer",
    auth=None,
    response={201: AnswerOut, **problems(404, 409, 422)},
    summary="Gửi đánh giá",
    description=(
        "Đánh giá “không hài lòng” tạo một phản ánh chuyển cho cơ quan đã gửi phiếu (Điều 7.4). "
        "Phiếu đã trả lời (`already_answered`) hoặc đã quá hạn (`survey_expired`, kèm `expires_at`) "
        "được trả lời 409."
    ),
)
def answer(request, token: str, payload: AnswerIn):
    response = survey_answer(
        invitation=_invitation(token),
        overall=payload.overall,
        criteria=payload.criteria,
        comment=payload.comment,
        request=request,
    )
    return Status(
        201,
        {
            "satisfied": response.satisfied,
            "feedback_code": response.feedback.code if response.feedback_id else None,
        },
    )
