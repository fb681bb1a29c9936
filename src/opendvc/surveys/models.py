"""Satisfaction surveys sent after a dossier's result is returned: the configurable form, the
invitation per dossier, and the answer (kept per dossier, agency and officer step)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SurveyForm(models.Model):
    """The province's survey: an overall rating plus criteria, each rated 1..``scale``."""

    code = models.SlugField(_("mã phiếu"), max_length=50, unique=True)
    title = models.CharField(_("tên phiếu"), max_length=200)
    intro = models.TextField(_("lời dẫn"), blank=True)
    # [{"code": "tiep-can", "label": "…"}, …]
    criteria = models.JSONField(_("tiêu chí"), default=list, blank=True)
    scale = models.PositiveSmallIntegerField(_("thang điểm"), default=5)
    # An overall rating at or below this is "not satisfied" (becomes a feedback item, Art. 7.4).
    dissatisfied_at_most = models.PositiveSmallIntegerField(
        _("không hài lòng khi điểm chung ≤"), default=2
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_active", "-created_at"]
        verbose_name = _("phiếu khảo sát")
        verbose_name_plural = _("phiếu khảo sát")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """A form every survey page can show and every applicant can answer: the criteria a list of
        ``{"code", "label"}`` with distinct codes, a scale of 2 to 10, and at least one rating above
        the "not satisfied" threshold (and one at or below it)."""
        errors: dict[str, str] = {}
        criteria = self.criteria
        shaped = isinstance(criteria, list) and all(
            isinstance(c, dict)
            and isinstance(c.get("code"), str)
            and c["code"].strip()
            and isinstance(c.get("label"), str)
            and c["label"].strip()
            for c in criteria
        )
        if not shaped:
            errors["criteria"] = _(
                'Tiêu chí phải là danh sách dạng [{"code": "…", "label": "…"}], mỗi tiêu chí có '
                "mã và nội dung."
            )
        elif len({c["code"] for c in criteria}) != len(criteria):
            errors["criteria"] = _("Mã tiêu chí không được trùng nhau.")
        if self.scale is not None and not 2 <= self.scale <= 10:
            errors["scale"] = _("Thang điểm từ 2 đến 10.")
        elif (
            self.scale is not None
            and self.dissatisfied_at_most is not None
            and not 1 <= self.dissatisfied_at_most < self.scale
        ):
            errors["dissatisfied_at_most"] = _(
                "Ngưỡng không hài lòng phải từ 1 đến %(n)s (nhỏ hơn thang điểm)."
            ) % {"n": self.scale - 1}
        if errors:
            raise ValidationError(errors)


class SurveyInvitation(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    form = models.ForeignKey(SurveyForm, on_delete=models.PROTECT, related_name="invitations")
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_invitation",
    )
    dossier_code = models.CharField(max_length=40, unique=True)
    # The agency that sent the survey: a "not satisfied" answer is assigned to it (Art. 7.4).
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="survey_invitations"
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    # The officer steps of the dossier at the time of the survey: [{"action", "role", "officer"}].
    steps = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "created_at"], name="survey_inv_agency")]

    def __str__(self) -> str:
        return self.dossier_code


class SurveyResponse(models.Model):
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.PROTECT, related_name="response"
    )
    form = models.ForeignKey(SurveyForm, on_delete=models.PROTECT, related_name="responses")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="survey_responses"
    )
    dossier_code = models.CharField(max_length=40, db_index=True)
    overall = models.PositiveSmallIntegerField()
    criteria = models.JSONField(default=dict, blank=True)
    steps = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    satisfied = models.BooleanField()
    feedback = models.OneToOneField(
        "feedback.Feedback",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_response",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "created_at"], name="survey_resp_agency")]

    def __str__(self) -> str:
        return f"{self.dossier_code}: {self.overall}"
