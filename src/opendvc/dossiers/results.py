"""Results: the applicant's download of a result (the online return), supplementary files, and the
public list of finished dossiers (Regulation Art. 4.8)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from opendvc.audit.services import audit_record
from opendvc.catalog.selectors import not_offered, procedure_offer
from opendvc.core.files import removed_on_error
from opendvc.core.problems import ProblemError
from opendvc.worktime import to_local

from . import services
from .lifecycle import Action, Document, Role, State
from .models import Dossier, DossierDocument, DossierFile, ResultDownload
from .uploads import UploadError, check_total

PUBLIC_STATES = (State.RETURNED, State.STOPPED)
MAX_PUBLIC_DAYS = 366


def result_withheld(*, dossier: Dossier) -> ProblemError | None:
    """Why the applicant cannot read a result of ``dossier`` yet, or None when they can: the dossier
    has no result (409), or its result is collected at the counter or by post, as below level 4
    (Regulation Art. 2.13), and is not handed over yet (422 ``not_offered_at_level``). The same rule
    for the dossier's page, the citizen's store and the links they share from it."""
    if dossier.status not in (State.RESULT_READY, State.RETURNED):
        return ProblemError("conflict", _("Hồ sơ chưa có kết quả."), status=409)
    if dossier.status == State.RESULT_READY and not procedure_offer(procedure=dossier.procedure).online_return:
        return not_offered(procedure=dossier.procedure, what=_("nhận kết quả trực tuyến"), path="document")
    return None


def result_download(*, dossier: Dossier, document: DossierDocument, user, request=None) -> Dossier:
    """Record that the applicant downloaded a result document (an event: ``ResultDownload`` and the
    audit entry). A download changes no state: an online result is returned when it is issued to the
    citizen (``opendvc.vault.services.result_issue``), so a late download does not make an on-time
    dossier late. Raises 403 for anyone but the applicant, 404 when the document is not a result."""
    if Role.APPLICANT not in services.actor_roles(dossier=dossier, actor=user):
        raise ProblemError("permission_denied", _("Chỉ người nộp hồ sơ được tải kết quả."), status=403)
    if document.dossier_id != dossier.pk or document.kind != Document.RESULT:
        raise ProblemError("not_found", _("Không có kết quả này."), status=404)
    withheld = result_withheld(dossier=dossier)
    if withheld is not None:
        raise withheld
    with transaction.atomic():
        ResultDownload.objects.create(dossier=dossier, document=document, user=user)
        audit_record(actor=user, action="dossier.result_download", target=dossier,
                     changes={"document": document.pk}, request=request)
    return Dossier.objects.get(pk=dossier.pk)


def supplement_add_files(*, dossier: Dossier, actor, files: list[tuple[Any, Any]], request=None) -> list[DossierFile]:
    """Attach the applicant's supplementary files (checked ``uploads.CheckedFile``s) while the dossier
    waits at ``supplement_requested``; the applicant then sends them with the ``supply`` action."""
    if Role.APPLICANT not in services.actor_roles(dossier=dossier, actor=actor):
        raise ProblemError("permission_denied", _("Chỉ người nộp hồ sơ được nộp bổ sung."), status=403)
    stored: list[str] = []
    with removed_on_error(stored), transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        if locked.status != State.SUPPLEMENT_REQUESTED:
            raise ProblemError("conflict", _("Hồ sơ không ở trạng thái chờ bổ sung."), status=409)
        try:
            check_total(sizes=list(locked.files.values_list("size", flat=True)) + [c.size for _, c in files])
        except UploadError as exc:
            raise ProblemError("payload_too_large", exc.message, status=413) from exc
        out = [services.file_attach(dossier=locked, component=component, checked=checked, actor=actor,
                                    stored=stored, component_name=_("Giấy tờ bổ sung"))
               for component, checked in files]
        audit_record(actor=actor, action="dossier.supplement_files", target=locked,
                     changes={"files": [c.name for _, c in files]}, request=request)
    return out


def dossier_supply(*, dossier: Dossier, actor, files: list[tuple[Any, Any]], note: str = "",
                   request=None) -> Dossier:
    """Attach the applicant's supplementary files and send them (``supply``) in one transaction: both
    happen or neither (the stored files are removed again when the action is refused)."""
    stored: list[str] = []
    with removed_on_error(stored), transaction.atomic():
        added = supplement_add_files(dossier=dossier, actor=actor, files=files, request=request)
        stored.extend(f.file.name for f in added)
        return services.dossier_act(dossier=dossier, action=Action.SUPPLY, actor=actor, request=request,
                                    **({"note": note} if note else {}))


def public_results(*, agency=None, date_from: date | None = None, date_to: date | None = None) -> QuerySet:
    """Finished (returned or stopped) dossiers, by finishing date (local, inclusive), newest first.
    Only the public columns are selected: code, procedure, dates and the on-time class."""
    qs = Dossier.objects.filter(status__in=PUBLIC_STATES, finished_at__isnull=False)
    if agency is not None:
        qs = qs.filter(receiving_agency=agency)
    if date_from:
        qs = qs.filter(finished_at__gte=to_local(date_from))
    if date_to:
        qs = qs.filter(finished_at__lt=to_local(date_to + timedelta(days=1)))
    return (qs.select_related("procedure", "receiving_agency")
            .only("code", "status", "received_at", "due_at", "finished_at", "on_time_class",
                  "procedure__code", "procedure__name", "receiving_agency__code", "receiving_agency__name")
            .order_by("-finished_at", "-id"))


# The days a search of the finished dossiers may name: wide enough for any record, narrow enough that
# the day after the last one and the local midnight of the first one exist.
FIRST_PUBLIC_DAY, LAST_PUBLIC_DAY = date(2000, 1, 1), date(2099, 12, 31)


def _dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def check_period(date_from: date | None, date_to: date | None) -> list[dict[str, str]]:
    errors = []
    for path, day in (("from", date_from), ("to", date_to)):
        if day and not FIRST_PUBLIC_DAY <= day <= LAST_PUBLIC_DAY:
            errors.append({"path": path, "message": _("Ngày %(d)s nằm ngoài khoảng tra cứu (%(a)s – %(b)s).") % {
                "d": _dmy(day), "a": _dmy(FIRST_PUBLIC_DAY), "b": _dmy(LAST_PUBLIC_DAY)}})
    if errors:
        return errors
    if date_from and date_to and date_from > date_to:
        errors.append({"path": "from", "message": _("Ngày bắt đầu phải trước ngày kết thúc.")})
    elif date_from and date_to and (date_to - date_from).days > MAX_PUBLIC_DAYS:
        errors.append({"path": "to", "message": _("Chỉ tra cứu tối đa một năm mỗi lần.")})
    return errors
