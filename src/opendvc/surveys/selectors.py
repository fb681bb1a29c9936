"""Survey reads: the figures used by the satisfaction indicator."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.utils import timezone

from .models import SurveyInvitation, SurveyResponse


def dossier_satisfaction(*, start: datetime, end: datetime) -> dict[int, dict[str, set[str]]]:
    """Per agency: the dossiers returned in [start, end) (invited to the survey) and those of them
    rated not satisfied."""
    out: dict[int, dict[str, set[str]]] = defaultdict(
        lambda: {"codes": set(), "dissatisfied": set()}
    )
    for agency_id, code in SurveyInvitation.objects.filter(
        created_at__gte=start, created_at__lt=end
    ).values_list("agency_id", "dossier_code"):
        out[agency_id]["codes"].add(code)
    for agency_id, code in SurveyResponse.objects.filter(
        satisfied=False, invitation__created_at__gte=start, invitation__created_at__lt=end
    ).values_list("agency_id", "dossier_code"):
        out[agency_id]["dissatisfied"].add(code)
    return dict(out)


def invitation_for(*, dossier, user) -> SurveyInvitation | None:
    """The survey of ``dossier`` for its applicant ``user`` to open from the dossier's page: answered
    (to say so), or still open; None for anyone else, or once it expired unanswered."""
    if not getattr(user, "is_authenticated", False) or dossier is None or dossier.pk is None:
        return None
    invitation = SurveyInvitation.objects.filter(dossier=dossier, applicant=user).first()
    if invitation is None:
        return None
    if invitation.answered_at is None and invitation.expires_at <= timezone.now():
        return None
    return invitation
