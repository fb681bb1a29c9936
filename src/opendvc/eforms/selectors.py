"""Reads: the form of a procedure, drafts of an applicant, where a form is used."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from opendvc.catalog.models import Procedure
from opendvc.core.prepared import PreparedRead

from .models import FormAssignment, FormDefinition, FormDraft, FormVersion

# What to read with a procedure so that ``form_for_procedure`` needs no query of its own.
WITH_FORM = ("form_assignment__form_version__form",)

# Read on every dossier page: the statements built once per process (``core.prepared``).
_ASSIGNMENT = PreparedRead(
    lambda procedure_id: FormAssignment.objects.select_related("form_version", "form_version__form")
    .filter(procedure=procedure_id)
    .order_by("pk")[:1],
    1,
)
_VERSION = PreparedRead(
    lambda pk: FormVersion.objects.select_related("form").filter(pk=pk)[:1], 1
)


def form_for_procedure(*, procedure) -> FormVersion | None:
    """The published form version currently assigned to a catalog ``Procedure`` (``None`` without one).
    No query when ``procedure`` was read with it (``select_related(*WITH_FORM)``)."""
    if Procedure.form_assignment.is_cached(procedure):
        try:
            return procedure.form_assignment.form_version
        except FormAssignment.DoesNotExist:
            return None
    assignment = _ASSIGNMENT.first(procedure.pk)
    return assignment.form_version if assignment else None


def form_version_by_id(pk: int | None) -> FormVersion | None:
    """A published form version by its id (the one a dossier's data was filled in), or ``None``."""
    if not pk:
        return None
    return _VERSION.first(pk)


def public_form_for_code(code: str) -> tuple[object, FormVersion] | None:
    """``(procedure, form version)`` of a published procedure, or ``None``."""
    procedure = Procedure.objects.filter(code=code, status=Procedure.Status.PUBLISHED).first()
    if procedure is None:
        return None
    version = form_for_procedure(procedure=procedure)
    return (procedure, version) if version else None


def drafts_of(user) -> QuerySet[FormDraft]:
    """The user's drafts that have not expired, most recently saved first."""
    return (
        FormDraft.objects.filter(user=user, expires_at__gte=timezone.now())
        .select_related("procedure", "form_version", "form_version__form")
        .order_by("-updated_at")
    )


def draft_of(*, user, public_id) -> FormDraft:
    """One of the user's live drafts, or 404 (also for someone else's draft)."""
    draft = drafts_of(user).filter(public_id=public_id).first()
    if draft is None:
        raise Http404
    return draft


def draft_started(*, user, token: str) -> FormDraft | None:
    """The user's draft created by the first save of the form page that carried ``token`` (expired
    ones included, until they are purged), or ``None``."""
    if not token:
        return None
    return FormDraft.objects.filter(user=user, start__user=user, start__token=token).first()


def latest_completed_draft(*, user, procedure) -> FormDraft | None:
    """The user's most recent completed (valid) draft of the procedure that has not expired."""
    return drafts_of(user).filter(procedure=procedure, completed_at__isnull=False).first()


def expiry_warning_days() -> int:
    return settings.EFORMS_DRAFT_WARNING_DAYS


def expires_soon(draft: FormDraft, *, now: dt.datetime | None = None) -> bool:
    return draft.expires_at - (now or timezone.now()) <= dt.timedelta(days=expiry_warning_days())


def definitions() -> QuerySet[FormDefinition]:
    return FormDefinition.objects.prefetch_related("versions").order_by("title")


def assignments_of(form: FormDefinition) -> QuerySet[FormAssignment]:
    """Procedures using any version of the form, with the version each uses."""
    return (
        FormAssignment.objects.filter(form_version__form=form)
        .select_related("procedure", "form_version")
        .order_by("procedure__code")
    )
