"""Writes on dossiers. Every action on a dossier (filing, intake, processing, apology, step
hand-overs) goes through ``dossier_act`` (``transitions``): one transaction with the dossier row locked
(``SELECT … FOR UPDATE``), a ``DossierEvent``, the audit entry and the notice (rows written in the same
transaction; delivery starts when it commits).

* ``transitions`` — the action table and ``dossier_act``;
* ``filing`` / ``processing`` / ``late`` / ``steps`` — what each action does besides changing the state;
* this module — drafts, files, filing in one call, counter and postal intake.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.accounts.selectors import resolve_acting_as
from opendvc.accounts.services import applicant_find_or_create
from opendvc.agencies.models import Agency
from opendvc.audit.services import audit_record
from opendvc.catalog.models import Component, Procedure
from opendvc.catalog.selectors import not_offered, procedure_offer
from opendvc.core.files import removed_on_error, storage_access
from opendvc.core.page_tokens import page_token_clean
from opendvc.core.prepared import PreparedRead
from opendvc.core.problems import ProblemError

from .. import eforms_bridge, returns
from ..lifecycle import Action, Role, State
from ..models import (
    Channel,
    Dossier,
    DossierFile,
    IdempotencyRecord,
    Upload,
    dossier_file_path,
)
from ..uploads import CheckedFile, UploadError, check_total
from .filing import (
    DECLARATION_TEXT,
    case_choice,
    case_errors,
    case_known,
    check_submission,
    component_label,
    dossier_profile_missing,
    due_for,
    filing_components,
    missing_message,
    receives_itself,
    required_components,
)
from .transitions import (
    ACTIONS,
    STAFF_ROLES,
    actor_roles,
    allowed_actions,
    dossier_act,
    dossier_file_new,
    staff_roles_at,
)

logger = logging.getLogger("opendvc.dossiers")

# Another name of ``dossier_act`` kept for callers outside this app.
dossier_transition = dossier_act


# ---------------------------------------------------------------------------------------------
# Drafts, files, submissions
# ---------------------------------------------------------------------------------------------


def _store(checked: CheckedFile) -> str:
    """Store a file sent with an action (an attachment, a supplementary paper, a leader's result): a
    storage that cannot be written now refuses the action (``core.files.StorageUnavailable``, 503)."""
    with storage_access():
        return default_storage.save(
            dossier_file_path(None, checked.name), ContentFile(checked.content)
        )


def file_attach(
    *,
    dossier: Dossier,
    component,
    checked: CheckedFile,
    actor,
    stored: list[str],
    component_name: str = "",
) -> DossierFile:
    """Store a checked file and attach it to ``dossier`` (inside the caller's transaction); the stored
    name goes to ``stored`` so that the caller removes the file if the transaction fails
    (``core.files.removed_on_error``)."""
    name = _store(checked)
    stored.append(name)
    return DossierFile.objects.create(
        dossier=dossier,
        component=component,
        component_name=getattr(component, "name", "") or component_name,
        original_name=checked.name,
        file=name,
        sha256=checked.sha256,
        size=checked.size,
        content_type=checked.content_type,
        uploaded_by=actor,
    )


def _return_choice(
    *, procedure, return_method: str | None, return_address
) -> returns.ReturnChoice | None:
    """The applicant's choice of how to receive the result, checked (``returns.choice_clean``, 422), or
    None when they made none (``return_method`` None: the result goes back the way they filed)."""
    if return_method is None:
        return None
    return returns.choice_clean(procedure=procedure, method=return_method, address=return_address)


def applicant_kind_refusal(*, procedure, as_organisation: bool) -> str:
    """Why a dossier of ``procedure`` cannot be filed for a person (``as_organisation`` False) or in an
    organisation's name: the procedure's applicants ("Đối tượng thực hiện", ``Procedure.applicants``)
    name only the other kind. Empty when allowed, or when the catalog does not say."""
    kinds = set(procedure.applicants or ())
    if not kinds & {"individual", "organisation"}:
        return ""
    if as_organisation and "organisation" not in kinds:
        return _(
            "Thủ tục này dành cho cá nhân, không nộp nhân danh tổ chức; hãy chọn nộp với tư cách "
            "cá nhân."
        )
    if not as_organisation and "individual" not in kinds:
        return _(
            "Thủ tục này dành cho tổ chức; hãy chọn nộp với tư cách tổ chức mà bạn đại diện hoặc "
            "được ủy quyền."
        )
    return ""


def acting_for_chosen(*, user, value: str | None) -> tuple[Any, str]:
    """The organisation chosen in "Nộp với tư cách" on the filing page (``"self"`` or empty: None,
    the person files for themselves) and "" — or None and why it cannot be used: the user may not act
    for it (their authorisation was withdrawn after the page was loaded) or there is no such
    organisation. Both are told alike, as the API does (422 ``acting_for``)."""
    try:
        return resolve_acting_as(user, value or ""), ""
    except Http404:
        return None, _(
            "Bạn không (còn) được nộp hồ sơ nhân danh tổ chức này: quyền đại diện hoặc ủy quyền "
            "đã bị thu hồi, hoặc tổ chức không tồn tại. Hãy chọn lại tư cách nộp hồ sơ."
        )


def acting_choices_for(*, procedure, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Of the choices of "Nộp với tư cách" (``accounts.selectors.acting_as_choices``: ``"self"`` or
    ``"org:<id>"``), those the procedure's applicants allow (``applicant_kind_refusal``)."""
    return [
        (value, label)
        for value, label in choices
        if not applicant_kind_refusal(procedure=procedure, as_organisation=value != "self")
    ]


def _new_dossier(
    *,
    applicant,
    procedure,
    receiving_agency,
    actor,
    channel: str,
    acting_for,
    form_data: dict | None,
    agency_checked: bool = False,
    case: str = "",
    return_choice: returns.ReturnChoice | None = None,
) -> Dossier:
    """A new dossier in ``draft`` (not saved), after the checks every new dossier passes: the procedure
    is published, offers online filing for an online dossier (Regulation Art. 2.13) and is received by
    the agency (``agency_checked``: the caller has just read the agency among the procedure's named,
    active receivers). ``return_choice``: how the applicant wants the result (checked)."""
    if procedure.status != Procedure.Status.PUBLISHED:
        raise ProblemError(
            "validation_error",
            _("Thủ tục này hiện không nhận hồ sơ."),
            extra={"errors": [{"path": "procedure", "message": _("Thủ tục không hoạt động.")}]},
        )
    # Regulation Art. 2.13: online filing from level 3; level 2 offers forms to download only.
    online = channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL)
    if online and not procedure_offer(procedure=procedure).online_filing:
        raise not_offered(procedure=procedure, what=_("nộp hồ sơ trực tuyến"))
    if not agency_checked and not receiving_agency_allowed(
        procedure=procedure, agency=receiving_agency
    ):
        if not Agency.objects.filter(procedures=procedure, is_active=True).exists():
            raise no_receiving_agency(procedure=procedure)
        raise ProblemError(
            "validation_error",
            _("Cơ quan được chọn không tiếp nhận thủ tục này."),
            extra={"errors": [{"path": "agency", "message": _("Chọn cơ quan tiếp nhận khác.")}]},
        )
    refusal = applicant_kind_refusal(procedure=procedure, as_organisation=acting_for is not None)
    if refusal:
        raise ProblemError(
            "validation_error",
            refusal,
            extra={"errors": [{"path": "acting_for", "message": refusal}]},
        )
    form_version = eforms_bridge.form_for(procedure)
    return Dossier(
        procedure=procedure,
        procedure_version=procedure.current_version,
        applicant=applicant,
        acting_for=acting_for,
        receiving_agency=receiving_agency,
        channel=channel,
        form_data=form_data or {},
        form_version_id=getattr(form_version, "pk", None),
        created_by=actor,
        case=" ".join((case or "").split()) or None,
        **(return_choice.fields() if return_choice is not None else {}),
    )


def _check_case(components, case: str | None) -> None:
    """422 when ``case`` is not one of the cases the procedure lists its components under."""
    if not case_known(components, case):
        raise ProblemError(
            "validation_error",
            _("Trường hợp đã chọn không có trong thủ tục này."),
            extra={"errors": case_errors(components, case)},
        )


def dossier_create_draft(
    *,
    applicant,
    procedure,
    receiving_agency,
    actor,
    channel: str = Channel.ONLINE,
    acting_for=None,
    form_data: dict | None = None,
    request=None,
    audit: bool = True,
    case: str = "",
    return_method: str | None = None,
    return_address=None,
) -> Dossier:
    """A new dossier in ``draft`` under the procedure's current version. Audited (``audit=False`` when
    the caller files it in the same transaction, whose submission entry records the creation).
    ``case``: the case (trường hợp) of the procedure the applicant chose (``filing.case_choice``);
    ``return_method`` / ``return_address``: how they want the result (``returns.choice_clean``, 422)."""
    if case:
        _check_case(list(procedure.components.all()), case)
    choice = _return_choice(
        procedure=procedure, return_method=return_method, return_address=return_address
    )
    dossier = _new_dossier(
        applicant=applicant,
        procedure=procedure,
        receiving_agency=receiving_agency,
        actor=actor,
        channel=channel,
        acting_for=acting_for,
        form_data=form_data,
        case=case,
        return_choice=choice,
    )
    with transaction.atomic(savepoint=False):
        dossier.save(force_insert=True)
        if audit:
            audit_record(
                actor=actor,
                action="dossier.create_draft",
                target=("dossiers.dossier", dossier.public_id),
                changes={
                    "procedure": procedure.code,
                    "channel": channel,
                    "agency": receiving_agency.code,
                    **({"return_method": choice.method} if choice else {}),
                },
                request=request,
            )
    return dossier


def _page_draft_key(token: str) -> str:
    return f"page-draft:{token}"


def page_draft(*, actor, token: str) -> Dossier | None:
    """The draft that the first save of the filing page carrying ``token`` created (``page_create_draft``),
    or None (no token, or nothing saved with it yet)."""
    token = page_token_clean(token)
    if not token:
        return None
    record = _IDEMPOTENCY_RECORD.first(actor.pk, _page_draft_key(token))
    if record is None or record.dossier_id is None:
        return None
    return Dossier.objects.filter(pk=record.dossier_id, applicant=actor).first()


def page_create_draft(*, token: str, actor, **fields) -> tuple[Dossier, bool]:
    """The first save of a new dossier on the filing page (``dossier_create_draft`` with ``fields``),
    once per page: the page's one-time ``token`` is recorded in the same transaction, so a double click
    or a resent request finds the draft the first one created instead of making a second. Returns
    ``(dossier, created)``; without a usable token every call creates a draft."""
    token = page_token_clean(token)
    if token:
        found = page_draft(actor=actor, token=token)
        if found is not None:
            return found, False
    try:
        with transaction.atomic():
            dossier = dossier_create_draft(actor=actor, **fields)
            if token:
                # A concurrent save with the same token fails on the unique (user, key) and rolls
                # back the draft it made.
                IdempotencyRecord.objects.create(
                    user=actor, key=_page_draft_key(token), dossier=dossier
                )
    except IntegrityError:
        found = page_draft(actor=actor, token=token)
        if found is None:
            raise
        return found, False
    return dossier, True


NO_RECEIVING_AGENCY = gettext_lazy(
    "Thủ tục này chưa nhận hồ sơ trực tuyến: chưa có cơ quan tiếp nhận nào được cấu hình cho thủ tục trên "
    "Cổng. Vui lòng nộp hồ sơ trực tiếp tại cơ quan có thẩm quyền."
)


def no_receiving_agency(*, procedure) -> ProblemError:
    """The 422 for a procedure that names no active receiving agency: it takes no dossier online."""
    return ProblemError(
        "validation_error",
        str(NO_RECEIVING_AGENCY),
        extra={"errors": [{"path": "agency", "message": str(NO_RECEIVING_AGENCY), "choices": []}]},
    )


def receiving_agency_allowed(*, procedure, agency) -> bool:
    """The agency receives the procedure: it is active and named on it in the catalog
    (``selectors.receiving_agencies``). A procedure naming no agency is received by none."""
    if not agency.is_active:
        return False
    return Agency.objects.filter(procedures=procedure, is_active=True, pk=agency.pk).exists()


def _editable(dossier: Dossier, actor) -> None:
    if dossier.status not in (State.DRAFT, State.RETURNED_FOR_COMPLETION):
        raise ProblemError("conflict", _("Hồ sơ đã nộp; không thể sửa."), status=409)
    roles = actor_roles(dossier=dossier, actor=actor)
    if Role.APPLICANT not in roles and not (
        dossier.channel not in (Channel.ONLINE, Channel.NATIONAL_PORTAL)
        and Role.RECEIVING_OFFICER in roles
    ):
        raise ProblemError("permission_denied", _("Bạn không có quyền sửa hồ sơ này."), status=403)


def dossier_update_draft(
    *,
    dossier: Dossier,
    actor,
    form_data: dict | None = None,
    add_files: list[tuple[Any, CheckedFile]] = (),
    reuse_files: list[tuple[Any, DossierFile]] = (),
    remove_file_ids: list[int] = (),
    request=None,
    case: str | None = None,
    return_method: str | None = None,
    return_address=None,
    uploads: list[tuple[Any, Upload]] = (),
) -> Dossier:
    """Save form data, the chosen ``case`` (None: unchanged), how the applicant wants the result
    (``return_method`` / ``return_address``, checked by ``returns.choice_clean``; None: unchanged) and
    files of a draft (or of a dossier returned for completion).

    ``add_files``: (component or None, checked file) pairs; every file is checked before anything is
    stored, and the per-dossier limit applies to the whole. ``uploads``: (component or None, upload)
    pairs of ``actor``'s unclaimed uploads (the files kept from a refused save of the filing page),
    claimed here (422 when one is gone or already used). Stored files are removed again when the
    transaction fails. Audited.
    """
    _editable(dossier, actor)
    if case:
        _check_case(list(dossier.procedure.components.all()), case)
    choice = _return_choice(
        procedure=dossier.procedure, return_method=return_method, return_address=return_address
    )
    stored: list[str] = []
    with removed_on_error(stored), transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        _editable(locked, actor)
        if case is not None and (" ".join(case.split()) or None) != locked.case:
            locked.case = " ".join(case.split()) or None
            locked.save(update_fields=["case", "updated_at"])
        chosen_before = returns.chosen_method(locked)
        if choice is not None and not returns.same_choice(locked, choice):
            fields = choice.fields()
            if locked.status == State.DRAFT:
                for name, value in fields.items():
                    setattr(locked, name, value)
                locked.save(update_fields=[*fields, "updated_at"])
            else:
                # A filed dossier (returned for completion): the change is a line of its history.
                done = dossier_act(
                    dossier=locked,
                    action=Action.CHOOSE_RETURN,
                    actor=actor,
                    request=request,
                    return_method=choice.method,
                    **({"return_address": choice.address.as_dict()} if choice.address else {}),
                )
                for name in fields:
                    setattr(locked, name, getattr(done, name))
        if remove_file_ids:
            DossierFile.objects.filter(dossier=locked, pk__in=list(remove_file_ids)).delete()
        # A stored file already attached to the same component is not attached again (a replayed
        # reuse, or the same document ticked twice): the repeat is a no-op.
        attached = set(locked.files.values_list("component_id", "file"))
        fresh = []
        for component, old in reuse_files:
            key = (getattr(component, "pk", None), old.file.name)
            if key not in attached:
                attached.add(key)
                fresh.append((component, old))
        reuse_files = fresh
        _claimed(actor=actor, uploads=uploads)
        existing = list(locked.files.values_list("size", flat=True))
        check_total(
            sizes=existing
            + [c.size for _, c in add_files]
            + [f.size for _, f in reuse_files]
            + [u.size for _, u in uploads]
        )
        for component, checked in add_files:
            file_attach(
                dossier=locked, component=component, checked=checked, actor=actor, stored=stored
            )
        _files_from_uploads(dossier=locked, actor=actor, uploads=uploads)
        for component, old in reuse_files:
            DossierFile.objects.create(
                dossier=locked,
                component=component,
                component_name=getattr(component, "name", ""),
                original_name=old.original_name,
                file=old.file.name,
                sha256=old.sha256,
                size=old.size,
                content_type=old.content_type,
                uploaded_by=actor,
            )
        if form_data is not None:
            locked.form_data = form_data
            locked.save(update_fields=["form_data", "updated_at"])
        audit_record(
            actor=actor,
            action="dossier.update_draft",
            target=("dossiers.dossier", locked.public_id),
            changes={
                "files_added": [c.name for _, c in add_files]
                + [f.original_name for _, f in reuse_files]
                + [u.original_name for _, u in uploads],
                "files_removed": list(remove_file_ids),
                "form_data": form_data is not None,
                **({"case": locked.case or ""} if case is not None else {}),
                **(
                    {"return_method": [chosen_before or "", choice.method]}
                    if choice is not None
                    else {}
                ),
            },
            request=request,
        )
    return locked


def upload_create(*, owner, checked: CheckedFile, request=None) -> Upload:
    """Store a checked file as an unclaimed upload (API ``POST /files``)."""
    stored = [_store(checked)]
    with removed_on_error(stored), transaction.atomic():
        upload = Upload.objects.create(
            owner=owner,
            original_name=checked.name,
            file=stored[0],
            sha256=checked.sha256,
            size=checked.size,
            content_type=checked.content_type,
        )
        audit_record(
            actor=owner,
            action="dossier.upload",
            target=("dossiers.upload", upload.public_id),
            changes={"name": checked.name, "sha256": checked.sha256, "size": checked.size},
            request=request,
        )
    return upload


def dossier_act_with_files(
    *,
    dossier: Dossier,
    action: str,
    actor,
    files: list[CheckedFile],
    files_input: str,
    request=None,
    expected_version: int | None = None,
    **inputs: Any,
) -> Dossier:
    """Keep ``files`` as uploads of ``actor`` and run ``action`` with their ids as the input
    ``files_input`` (the leader's result files of ``approve``), in one transaction: a refused action
    leaves neither the uploads nor their stored files behind."""
    stored: list[str] = []
    with removed_on_error(stored), transaction.atomic():
        ids = []
        for checked in files:
            upload = upload_create(owner=actor, checked=checked, request=request)
            stored.append(upload.file.name)
            ids.append(str(upload.public_id))
        if ids:
            inputs[files_input] = ids
        return dossier_act(
            dossier=dossier,
            action=action,
            actor=actor,
            request=request,
            expected_version=expected_version,
            **inputs,
        )


def _request_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


_IDEMPOTENCY_RECORD = PreparedRead(
    lambda user_id, key: (
        IdempotencyRecord.objects.filter(user=user_id, key=key)
        .only("id", "dossier_id", "request_hash")
        .order_by("pk")[:1]
    ),
    1,
    "key",
)


def idempotent_dossier(*, user, key: str, payload: Any) -> Dossier | None:
    """The dossier created earlier with this key, or None. A key reused for a different request is a
    422 ``idempotency_key_reused``.

    Almost every key is new: the check reads three columns (its statement built once,
    ``core.prepared``), and only a retry reads its dossier with a second statement."""
    record = _IDEMPOTENCY_RECORD.first(user.pk, key)
    if record is None:
        return None
    dossier_id, request_hash = record.dossier_id, record.request_hash
    if request_hash and payload is not None and request_hash != _request_hash(payload):
        raise ProblemError(
            "idempotency_key_reused",
            _("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác."),
            status=422,
        )
    return Dossier.objects.filter(pk=dossier_id).first() if dossier_id is not None else None


def _claimed(*, actor, uploads: list[tuple[Any, Upload]]) -> list[Upload]:
    """Lock ``actor``'s unclaimed ``uploads`` and check their total size (inside the caller's
    transaction); 422 when one is gone or already used, 413 over the per-dossier limit."""
    if not uploads:
        return []
    locked = {
        u.pk: u
        for u in Upload.objects.select_for_update().filter(
            pk__in=[u.pk for _, u in uploads], owner=actor, claimed_at__isnull=True
        )
    }
    for _component, upload in uploads:
        if upload.pk not in locked:
            raise ProblemError(
                "validation_error",
                _("Tệp đính kèm không tồn tại hoặc đã được dùng."),
                extra={
                    "errors": [
                        {
                            "path": "files",
                            "message": _(
                                "Tệp %(id)s không còn hoặc đã được đính kèm vào một hồ sơ; hãy tải lên lại."
                            )
                            % {"id": upload.public_id},
                        }
                    ]
                },
            )
    try:
        check_total(sizes=[u.size for _, u in uploads])
    except UploadError as exc:
        raise ProblemError("payload_too_large", exc.message, status=413) from exc
    return list(locked.values())


def _files_from_uploads(
    *, dossier: Dossier, actor, uploads: list[tuple[Any, Upload]]
) -> list[DossierFile]:
    """The dossier's files made from ``uploads`` (one insert), and the uploads marked claimed."""
    if not uploads:
        return []
    files = DossierFile.objects.bulk_create(
        [
            DossierFile(
                dossier=dossier,
                component=component,
                component_name=getattr(component, "name", ""),
                original_name=upload.original_name,
                file=upload.file.name,
                sha256=upload.sha256,
                size=upload.size,
                content_type=upload.content_type,
                uploaded_by=actor,
            )
            for component, upload in uploads
        ]
    )
    Upload.objects.filter(pk__in=[u.pk for _, u in uploads]).update(claimed_at=timezone.now())
    return files


def _check_draft_data(*, procedure, data: dict | None) -> None:
    """A draft's form data is checked as the form checks it, except for what is still missing: a draft
    kept 20,000 unknown fields or a megabyte in a 200-character field, shown again on its edit page."""
    if not data:
        return
    form_version = eforms_bridge.form_for(procedure)
    if form_version is None:
        errors = [
            {
                "path": "data",
                "message": _("Thủ tục này không có tờ khai điện tử; không gửi dữ liệu tờ khai."),
            }
        ]
    else:
        errors = [
            {
                "path": f"data.{e['path']}" if e.get("path") else "data",
                "message": e.get("message", ""),
            }
            for e in eforms_bridge.draft_problems(form_version=form_version, data=data)
        ]
    if errors:
        raise ProblemError(
            "validation_error",
            _("Dữ liệu tờ khai chưa hợp lệ; xem danh sách lỗi."),
            extra={"errors": errors},
        )


def dossier_submit_new(
    *,
    applicant,
    procedure,
    receiving_agency,
    actor,
    data: dict | None,
    uploads: list[tuple[Any, Upload]],
    acting_for=None,
    channel: str = Channel.ONLINE,
    submit: bool = True,
    declaration: bool = False,
    idempotency_key: str = "",
    payload: Any = None,
    request=None,
    components=None,
    agency_checked: bool = False,
    case: str = "",
    return_method: str | None = None,
    return_address=None,
) -> tuple[Dossier, bool]:
    """Create a dossier with its form data and previously uploaded files, and (``submit``) file it with
    the applicant's ``declaration`` (Regulation Art. 14.5) — all in one transaction, so a failure
    leaves nothing. With ``idempotency_key``, a retry returns the first
    dossier and creates nothing. Returns ``(dossier, created)``.

    Filed at once, the dossier is inserted already submitted (``dossier_file_new``), and the dossier
    returned holds its files, events and documents as written (``dossier.files.all()``… read nothing
    back). ``components``: the procedure's components when the caller has read them (read here
    otherwise; the required ones are checked against the uploads' components); ``agency_checked``: see ``_new_dossier``;
    ``case``: the case (trường hợp) that applies, whose required components are then required too
    (``filing.required_components``); ``return_method`` / ``return_address``: how the applicant wants
    the result (``returns.choice_clean``, 422; None: the way they filed)."""
    if idempotency_key:
        found = idempotent_dossier(user=actor, key=idempotency_key, payload=payload)
        if found is not None:
            return found, False
    choice = _return_choice(
        procedure=procedure, return_method=return_method, return_address=return_address
    )
    try:
        # One transaction, no savepoints inside: whatever fails rolls the whole submission back.
        with eforms_bridge.memo(), transaction.atomic():
            dossier = _new_dossier(
                applicant=applicant,
                procedure=procedure,
                receiving_agency=receiving_agency,
                actor=actor,
                channel=channel,
                acting_for=acting_for,
                form_data=data,
                agency_checked=agency_checked,
                case=case,
                return_choice=choice,
            )
            if case:
                if components is None:
                    components = list(Component.objects.filter(procedure=procedure))
                _check_case(components, case)
            _claimed(actor=actor, uploads=uploads)
            if submit:
                if components is None:
                    components = Component.objects.filter(procedure=procedure)
                filing_components(
                    dossier,
                    components=components,
                    attached={c.pk for c, _ in uploads if c is not None},
                )
                files: list[DossierFile] = []

                def attach(row: Dossier) -> None:
                    files.extend(_files_from_uploads(dossier=row, actor=actor, uploads=uploads))

                dossier, events, documents = dossier_file_new(
                    dossier=dossier,
                    actor=actor,
                    request=request,
                    declaration=declaration,
                    attach=attach,
                )
                # The response shows what was just written, without reading it back.
                dossier._prefetched_objects_cache = {
                    "files": sorted(
                        files, key=lambda f: (f.component_id is None, f.component_id or 0)
                    ),
                    "documents": list(documents),
                    "events": list(events),
                }
            else:
                _check_draft_data(procedure=procedure, data=data)
                with transaction.atomic(savepoint=False):
                    dossier.save(force_insert=True)
                    audit_record(
                        actor=actor,
                        action="dossier.create_draft",
                        target=("dossiers.dossier", dossier.public_id),
                        changes={
                            "procedure": procedure.code,
                            "channel": channel,
                            "agency": receiving_agency.code,
                            **({"return_method": choice.method} if choice else {}),
                        },
                        request=request,
                    )
                    _files_from_uploads(dossier=dossier, actor=actor, uploads=uploads)
            if idempotency_key:
                # Written last, in the same transaction: a concurrent retry with the same key fails
                # on the unique (user, key) and rolls back everything it made.
                IdempotencyRecord.objects.create(
                    user=actor,
                    key=idempotency_key,
                    dossier=dossier,
                    request_hash=_request_hash(payload) if payload else "",
                )
    except IntegrityError:
        if idempotency_key:
            found = idempotent_dossier(user=actor, key=idempotency_key, payload=payload)
            if found is not None:
                return found, False
        raise
    return dossier, True


def dossier_return_choose(
    *,
    dossier: Dossier,
    actor,
    return_method: Any,
    return_address=None,
    expected_version: int | None = None,
    request=None,
) -> Dossier:
    """The applicant chooses (again) how to receive the result of ``dossier`` (Regulation Art. 6.4):
    online where the level offers it, at the one-stop office, or by post to ``return_address`` (an
    ``Address`` or a dict of its parts). A draft keeps it as the filing page does (audited); a filed
    dossier through ``choose_return`` (history line, audit entry), until the result is returned or
    handed to the post. Raises 409 then (``returns.choice_refusal``), 403 for anyone but the applicant,
    422 for a choice that is not valid (``returns.choice_clean``)."""
    refused = returns.choice_refusal(dossier)
    if refused is not None:
        raise refused
    if isinstance(return_address, returns.Address):
        return_address = return_address.as_dict()
    if dossier.status == State.DRAFT:
        if Role.APPLICANT not in actor_roles(dossier=dossier, actor=actor):
            raise ProblemError(
                "permission_denied", _("Bạn không có quyền sửa hồ sơ này."), status=403
            )
        return dossier_update_draft(
            dossier=dossier,
            actor=actor,
            request=request,
            return_method=return_method if isinstance(return_method, str) else "",
            return_address=return_address,
        )
    if not isinstance(return_method, str | None):
        return_method = ""  # refused by ``returns.choice_clean`` as an unknown method
    inputs: dict[str, Any] = {"return_method": return_method}
    if return_address:
        inputs["return_address"] = return_address
    return dossier_act(
        dossier=dossier,
        action=Action.CHOOSE_RETURN,
        actor=actor,
        request=request,
        expected_version=expected_version,
        **inputs,
    )


def page_submit(
    *,
    dossier: Dossier,
    actor,
    token: str,
    action: str = Action.SUBMIT,
    declaration: bool = False,
    request=None,
) -> tuple[Dossier, bool]:
    """Submit (or resubmit) from the review page with the applicant's ``declaration`` (its time is
    stored, Regulation Art. 14.5). The page's token makes a double click or a retry return the first
    result. Returns ``(dossier, done_now)``."""
    key = f"page:{token}"
    if token:
        record = IdempotencyRecord.objects.filter(user=actor, key=key).first()
        if record is not None and record.dossier_id == dossier.pk:
            return Dossier.objects.get(pk=dossier.pk), False
    try:
        with transaction.atomic():
            if token:
                IdempotencyRecord.objects.create(user=actor, key=key, dossier=dossier)
            dossier = dossier_act(
                dossier=dossier,
                action=action,
                actor=actor,
                request=request,
                declaration=declaration,
            )
    except IntegrityError:
        return Dossier.objects.get(pk=dossier.pk), False
    return dossier, True


# ---------------------------------------------------------------------------------------------
# Counter and postal intake
# ---------------------------------------------------------------------------------------------


def counter_intake(
    *,
    actor,
    procedure,
    receiving_agency,
    channel: str,
    applicant,
    acting_for=None,
    data: dict | None = None,
    files: list[tuple[Any, CheckedFile]] = (),
    receive_now: bool = True,
    due_at: Any = None,
    request=None,
) -> Dossier:
    """Register a dossier brought to the counter or arriving by post: created, filed by the officer
    (same code as online) and, with ``receive_now``, received at once (receipt with the due date; for a
    procedure without a statutory time, ``due_at`` is the appointment the officer set —
    ``appointments.appointment_for_receipt``)."""
    if channel not in (Channel.COUNTER, Channel.POSTAL):
        raise ProblemError(
            "validation_error",
            _("Hình thức nộp không hợp lệ cho tiếp nhận tại quầy."),
            extra={"errors": [{"path": "channel", "message": _("Chọn trực tiếp hoặc bưu chính.")}]},
        )
    roles = {Role.RECEIVING_OFFICER} & staff_roles_at(actor, receiving_agency)
    if not roles:
        raise ProblemError(
            "permission_denied", _("Bạn không phải cán bộ tiếp nhận của cơ quan này."), status=403
        )
    stored: list[str] = []
    with removed_on_error(stored), transaction.atomic():
        dossier = Dossier.objects.create(
            procedure=procedure,
            procedure_version=procedure.current_version,
            applicant=applicant,
            acting_for=acting_for,
            receiving_agency=receiving_agency,
            channel=channel,
            form_data=data or {},
            created_by=actor,
        )
        if not receiving_agency_allowed(procedure=procedure, agency=receiving_agency):
            raise ProblemError(
                "validation_error",
                _("Cơ quan này không tiếp nhận thủ tục được chọn."),
                extra={"errors": [{"path": "procedure", "message": _("Chọn thủ tục khác.")}]},
            )
        check_total(sizes=[c.size for _, c in files])
        for component, checked in files:
            file_attach(
                dossier=dossier, component=component, checked=checked, actor=actor, stored=stored
            )
        dossier = dossier_act(dossier=dossier, action=Action.SUBMIT, actor=actor, request=request)
        if receive_now:
            dossier = dossier_act(
                dossier=dossier,
                action=Action.RECEIVE,
                actor=actor,
                request=request,
                **({"due_at": due_at} if due_at not in (None, "") else {}),
            )
    return dossier


def _page_intake_key(token: str) -> str:
    return f"page-intake:{token}"


def page_intake(*, actor, token: str) -> Dossier | None:
    """The dossier that the intake form carrying ``token`` registered (``intake_register``), or None."""
    token = page_token_clean(token)
    if not token:
        return None
    record = _IDEMPOTENCY_RECORD.first(actor.pk, _page_intake_key(token))
    if record is None or record.dossier_id is None:
        return None
    return Dossier.objects.filter(pk=record.dossier_id).first()


def intake_register(
    *,
    actor,
    procedure,
    receiving_agency,
    channel: str,
    cccd: str = "",
    tax_code: str = "",
    full_name: str = "",
    phone: str = "",
    organisation_name: str = "",
    files: list[tuple[Any, CheckedFile]] = (),
    due_at: Any = None,
    request=None,
    token: str = "",
) -> tuple[Dossier, bool]:
    """The counter or postal intake of a dossier in one transaction: the applicant found or created
    (``applicant_find_or_create``) and the dossier registered and received (``counter_intake``) — a
    refused intake leaves no new person or organisation behind. Once per intake form: the form's
    one-time ``token`` is recorded in the same transaction, so the form sent twice (a double click)
    finds the dossier the first one registered instead of registering a second. Returns
    ``(dossier, created)``."""
    token = page_token_clean(token)
    found = page_intake(actor=actor, token=token)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            applicant, organisation = applicant_find_or_create(
                actor=actor,
                cccd=cccd,
                tax_code=tax_code,
                full_name=full_name,
                phone=phone,
                organisation_name=organisation_name,
                request=request,
            )
            dossier = counter_intake(
                actor=actor,
                procedure=procedure,
                receiving_agency=receiving_agency,
                channel=channel,
                applicant=applicant,
                acting_for=organisation,
                files=files,
                due_at=due_at,
                request=request,
            )
            if token:
                # A concurrent send of the same form fails on the unique (user, key) and rolls back.
                IdempotencyRecord.objects.create(
                    user=actor, key=_page_intake_key(token), dossier=dossier
                )
    except IntegrityError:
        found = page_intake(actor=actor, token=token)
        if found is None:
            raise
        return found, False
    return dossier, True


def cleanup_unclaimed_uploads(*, older_than: datetime) -> int:
    """Delete unclaimed uploads created before ``older_than`` and their stored files (unless a dossier
    file shares the stored name). Returns how many."""
    removed = 0
    for upload in Upload.objects.filter(
        claimed_at__isnull=True, created_at__lt=older_than
    ).iterator():
        name = upload.file.name
        upload.delete()
        if name and not DossierFile.objects.filter(file=name).exists():
            default_storage.delete(name)
        removed += 1
    return removed


__all__ = [
    "ACTIONS",
    "DECLARATION_TEXT",
    "STAFF_ROLES",
    "check_submission",
    "actor_roles",
    "allowed_actions",
    "dossier_act",
    "dossier_profile_missing",
    "dossier_transition",
    "due_for",
    "receives_itself",
    "staff_roles_at",
    "case_choice",
    "case_errors",
    "case_known",
    "component_label",
    "missing_message",
    "required_components",
    "acting_choices_for",
    "applicant_kind_refusal",
]
