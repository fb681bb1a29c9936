"""Writes and form operations: validation, rendering, parsing, PDF, prefill, definitions, drafts.

Contract used by the dossiers app: ``form_validate``, ``form_render``, ``form_parse_post``, ``form_pdf``,
``prefill_for`` and ``FormValidationError`` (``.errors`` = ``[{"path", "message"}]``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from opendvc.accounts.selectors import profile_of
from opendvc.audit.services import audit_record
from opendvc.catalog.models import Component, Procedure
from opendvc.core.links import absolute_url
from opendvc.core.page_tokens import page_token_clean
from opendvc.core.quoting import quoting
from opendvc.notifications.services import notify

from . import render as _render
from .engine import PROFILE_SOURCES, check_definition, compiled_for, iter_fields
from .models import DraftStart, FormAssignment, FormDefinition, FormDraft, FormVersion
from .selectors import (
    draft_started,
    expiry_warning_days,
    form_for_procedure,
    latest_completed_draft,
)


class FormValidationError(Exception):
    """Data that does not fit the form. ``errors``: ``[{"path": "members/0/birth_date", "message": "…"}]``."""

    def __init__(self, errors: list[dict[str, str]], cleaned: dict | None = None) -> None:
        super().__init__("; ".join(f"{e['path']}: {e['message']}" for e in errors[:5]))
        self.errors = errors
        self.cleaned = cleaned or {}


class DefinitionError(Exception):
    """A form definition that cannot be saved or published; ``errors`` as for ``FormValidationError``."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['path']}: {e['message']}" for e in errors[:5]))
        self.errors = errors


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def form_validate(*, form_version: FormVersion, data: dict) -> dict:
    """Cleaned data (ISO dates, ints for money, normalised phone/CCCD…) or ``FormValidationError``.

    No side effects. Unknown fields, wrong types, values outside the choices, dates that do not exist,
    too-long strings, too many repeats, too deep or too large payloads are each reported with their path.
    """
    cleaned, errors = compiled_for(form_version).validate(data)
    if errors:
        raise FormValidationError(errors, cleaned)
    return cleaned


def form_clean_partial(
    *, form_version: FormVersion, data: dict
) -> tuple[dict, list[dict[str, str]]]:
    """Every valid value of ``data`` (required fields not enforced) and the errors of the others."""
    return compiled_for(form_version).validate(data, partial=True)


def form_render(
    *, form_version: FormVersion, data: dict | None, errors: list | None, prefix: str = ""
) -> str:
    """Safe HTML of the form's fields (no ``<form>`` element, no buttons but the row buttons)."""
    return _render.render_fields(form_version.definition, data, errors, prefix)


def form_parse_post(*, form_version: FormVersion, post, prefix: str = "") -> dict:
    """The data dict of a submitted HTML form (raw strings; ``form_validate`` cleans them)."""
    return _render.parse_post(form_version.definition, post, prefix)


def form_row_action(*, form_version: FormVersion, post, prefix: str = "") -> dict | None:
    """When the POST came from a group's "add" or "remove" button: the data to show again with one row
    more or less (nothing is saved). ``None`` for any other submit button."""
    add = post.get(prefix + _render.ADD_BUTTON)
    remove = post.get(prefix + _render.REMOVE_BUTTON)
    if not add and not remove:
        return None
    data = _render.parse_post(form_version.definition, post, prefix, keep_blank_rows=True)
    groups = {s["key"]: s for s in iter_fields(form_version.definition) if s["kind"] == "group"}
    if add in groups:
        rows = data.get(add) or [{}]  # the page always shows at least one row
        if len(rows) < groups[add].get("max_items", 50):
            rows.append({})
        data[add] = rows
    elif remove:
        key, _sep, index = remove.partition("/")
        if key in groups and index.isdigit() and int(index) < len(data.get(key) or []):
            data[key].pop(int(index))
    return data


def error_links(
    *, form_version: FormVersion, errors: list, prefix: str = ""
) -> list[dict[str, str]]:
    return _render.error_links(form_version.definition, errors, prefix)


def form_data_display(*, form_version: FormVersion, data: dict | None) -> list[dict[str, Any]]:
    """The data of a filled form as readable sections (see ``render.form_data_display``); for the
    review page, the dossier pages and the PDFs (template ``eforms/_form_data.html``)."""
    return _render.form_data_display(form_version.definition, data)


def form_display_rows(*, form_version: FormVersion, data: dict | None) -> list[dict[str, Any]]:
    """Sections for the printable form: every field when ``data`` is empty (blank form to fill by
    hand), otherwise the filled values as ``form_data_display`` shows them."""
    return _render.form_data_display(form_version.definition, data, blank=not data)


def form_pdf(*, form_version: FormVersion, data: dict | None, title_note: str = "") -> bytes:
    """A PDF of the form, filled with ``data`` or blank when ``data`` is empty (Level 2 download).

    Always in Vietnamese, whatever the page's language: it is the declaration handed in to the agency
    (printed blank and filled by hand at the counter, or the filled one kept with the dossier), so it
    reads as the form the procedure prescribes, not with the English labels the site may show
    (``label_en``, ``title_en``). WeasyPrint, DejaVu Sans (full Vietnamese coverage). No side effects.
    """
    # Imported on first use: the PDF engine is the heaviest import (core.warmup).
    from weasyprint import HTML

    with translation.override("vi"):
        html = render_to_string(
            "eforms/pdf.html",
            {
                "definition": form_version.definition,
                "version": form_version,
                "sections": form_display_rows(form_version=form_version, data=data),
                "blank": not data,
                "note": title_note,
                "printed_at": timezone.localtime(),
                "portal_name": settings.PORTAL_NAME,
            },
        )
    return HTML(string=html).write_pdf()


def previous_data(*, user, procedure) -> dict:
    """The data of ``user``'s previous filing of ``procedure``, from the function named by the setting
    ``EFORMS_PREVIOUS_DATA`` (``f(*, user, procedure) -> dict | None``; the dossiers app provides it —
    the e-forms app does not import the app that files the forms). Empty when none is configured."""
    path = settings.EFORMS_PREVIOUS_DATA
    if not path or not getattr(user, "is_authenticated", False):
        return {}
    found = import_string(path)(user=user, procedure=procedure)
    return found if isinstance(found, dict) else {}


def prefill_for(*, user, procedure, acting_for=None, previous: dict | None = None) -> dict:
    """Values to start a form with: ``previous`` (the data of the applicant's previous filing of the
    same procedure, passed in by the caller), overlaid with the account's own data for fields marked ``prefill`` (and, when
    ``acting_for`` an organisation, the organisation's name, tax code, address and representative),
    overlaid with the applicant's latest completed e-form draft of the procedure (the one "Nộp hồ sơ"
    continues). The applicant may still change every value. The form's pledge (a ``declaration``
    field) is never taken from the previous filing.

    Only values the current form accepts are returned (everything passes ``form_clean_partial``).
    """
    version = form_for_procedure(procedure=procedure)
    if version is None or not getattr(user, "is_authenticated", False):
        return {}
    data: dict[str, Any] = dict(previous) if isinstance(previous, dict) else {}
    account = {**_account_values(user), **_organisation_values(acting_for)}
    for spec in iter_fields(version.definition):
        if spec.get("kind") == "declaration":
            # A pledge is made anew for each filing: never ticked from an earlier one.
            data.pop(spec["key"], None)
            continue
        source = spec.get("prefill")
        if source and account.get(source) not in (None, ""):
            data[spec["key"]] = account[source]

    draft = latest_completed_draft(user=user, procedure=procedure)
    if draft is not None:  # the form the applicant just finished here wins
        data.update(draft.data)
    cleaned, _errors = form_clean_partial(form_version=version, data=data)
    return cleaned


def prefill_missing(*, user, form_version: FormVersion) -> list[dict[str, str]]:
    """The profile items the form takes from the person's profile that the profile lacks, as
    ``{"source", "label"}`` in the form's order (Regulation Art. 14.3: the account holds the applicant's
    information before filing online). Organisation sources are not counted. No side effects."""
    account = _account_values(user)
    missing: dict[str, str] = {}
    for spec in iter_fields(form_version.definition):
        source = spec.get("prefill")
        if (
            source in PROFILE_SOURCES
            and account.get(source) in (None, "")
            and source not in missing
        ):
            missing[source] = str(PROFILE_SOURCES[source])
    return [{"source": k, "label": v} for k, v in missing.items()]


def _organisation_values(organisation) -> dict[str, Any]:
    if organisation is None:
        return {"applicant_kind": "individual"}
    values: dict[str, Any] = {
        "applicant_kind": "organisation",
        "organisation_name": organisation.name,
        "organisation_tax_code": organisation.tax_code,
        "organisation_representative": organisation.legal_representative,
    }
    if organisation.province_code and organisation.ward_code:
        values["organisation_address"] = {
            "province": organisation.province_code,
            "ward": organisation.ward_code,
            "street": organisation.street or "",
        }
    return values


def _account_values(user) -> dict[str, Any]:
    profile = profile_of(user)
    values: dict[str, Any] = {
        "full_name": getattr(user, "full_name", "") or "",
        "email": getattr(user, "email", "") or "",
        "phone": getattr(user, "phone", "") or "",
        "gender": profile.gender or "",
        "date_of_birth": profile.date_of_birth.isoformat() if profile.date_of_birth else "",
    }
    if profile.pk:
        values["cccd"] = profile.cccd or ""
    for kind in ("permanent", "current"):
        province = getattr(profile, f"{kind}_province_code", None)
        ward = getattr(profile, f"{kind}_ward_code", None)
        if province and ward:
            values[f"{kind}_address"] = {
                "province": province,
                "ward": ward,
                "street": getattr(profile, f"{kind}_street", "") or "",
            }
    return values


# ---------------------------------------------------------------------------------------------
# Definitions (back office)
# ---------------------------------------------------------------------------------------------


def definition_check(*, definition: Any, key: str = "") -> list[dict[str, str]]:
    """All problems of a definition, including procedure codes that are not in the catalog and
    procedures that already use another form (``key`` = this form's key)."""
    problems = check_definition(definition)
    if problems:
        return problems

    codes = definition.get("procedures", [])
    known = set(Procedure.objects.filter(code__in=codes).values_list("code", flat=True))
    taken = dict(
        FormAssignment.objects.filter(procedure__code__in=codes)
        .exclude(form_version__form__key=key)
        .values_list("procedure__code", "form_version__form__key")
    )
    for index, code in enumerate(codes):
        path = f"procedures/{index}"
        if code not in known:
            message = _("Không có thủ tục mã “%(code)s” trong danh mục.") % {"code": code}
            problems.append({"path": path, "message": message})
        elif code in taken:
            message = _(
                "Thủ tục %(code)s đang dùng biểu mẫu “%(form)s”; bỏ thủ tục khỏi biểu mẫu đó trước."
            ) % {"code": code, "form": taken[code]}
            problems.append({"path": path, "message": message})
    # A file slot is bound to a dossier component (thành phần hồ sơ) of every procedure using the form.

    for s_index, section in enumerate(definition["sections"]):
        for f_index, spec in enumerate(section["fields"]):
            if spec["kind"] != "file" or not codes:
                continue
            found = set(
                Component.objects.filter(
                    procedure__code__in=codes, name=spec["component"]
                ).values_list("procedure__code", flat=True)
            )
            missing = [c for c in codes if c in known and c not in found]
            if missing:
                problems.append(
                    {
                        "path": f"sections/{s_index}/fields/{f_index}/component",
                        # The component's name is the procedure's, kept in Vietnamese.
                        "message": quoting(
                            _("Thành phần hồ sơ “%(component)s” không có trong thủ tục %(codes)s."),
                            {"component": spec["component"][:80]},
                            {"codes": ", ".join(missing)},
                        ),
                    }
                )
    return problems


def definition_save(*, key: str, definition: Any, actor, request=None) -> FormDefinition:
    """Create or update the working copy of a form (published versions are untouched).

    Raises ``DefinitionError`` when the definition is not sound. Side effects: writes the
    ``FormDefinition`` and an audit entry.
    """
    problems = definition_check(definition=definition, key=key)
    if problems:
        raise DefinitionError(problems)
    with transaction.atomic():
        form, created = FormDefinition.objects.select_for_update().get_or_create(
            key=key,
            defaults={
                "title": definition["title"],
                "working_copy": definition,
                "updated_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        if not created:
            if form.working_copy == definition:
                return form
            form.working_copy = definition
            form.title = definition["title"]
            form.updated_by = actor if getattr(actor, "pk", None) else None
            form.save()
        audit_record(
            actor=actor,
            action="eforms.definition.created" if created else "eforms.definition.edited",
            target=form,
            changes={"title": form.title},
            request=request,
        )
    return form


def _definition_hash(definition: dict) -> str:
    return hashlib.sha256(
        json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def definition_publish(*, form: FormDefinition, actor, request=None) -> FormVersion:
    """Publish the working copy as a new immutable version and assign it to the procedures it lists.

    Returns the current version unchanged when the content is the same. Drafts and dossiers keep the
    version they were started with. Side effects: ``FormVersion``, ``FormAssignment`` rows, audit entry.
    """
    problems = definition_check(definition=form.working_copy, key=form.key)
    if problems:
        raise DefinitionError(problems)

    with transaction.atomic():
        form = FormDefinition.objects.select_for_update().get(pk=form.pk)
        digest = _definition_hash(form.working_copy)
        latest = form.versions.order_by("-number").first()
        if latest is not None and latest.content_hash == digest:
            version = latest
        else:
            version = FormVersion.objects.create(
                form=form,
                number=(latest.number if latest else 0) + 1,
                definition=form.working_copy,
                content_hash=digest,
                published_by=actor if getattr(actor, "pk", None) else None,
            )
        codes = form.working_copy.get("procedures", [])
        assigned = []
        for procedure in Procedure.objects.filter(code__in=codes):
            FormAssignment.objects.update_or_create(
                procedure=procedure, defaults={"form_version": version}
            )
            assigned.append(procedure.code)
        # Procedures taken off the list no longer offer this form (their drafts keep their version).
        dropped = FormAssignment.objects.filter(form_version__form=form).exclude(
            procedure__code__in=codes
        )
        unassigned = sorted(dropped.values_list("procedure__code", flat=True))
        dropped.delete()
        if version is not latest or unassigned:
            audit_record(
                actor=actor,
                action="eforms.version.published",
                target=version,
                changes={
                    "form": form.key,
                    "version": version.number,
                    "procedures": sorted(assigned),
                    "unassigned": unassigned,
                },
                request=request,
            )
    return version


# ---------------------------------------------------------------------------------------------
# Drafts
# ---------------------------------------------------------------------------------------------


def draft_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.EFORMS_DRAFT_DAYS)


def draft_start(
    *, user, procedure, data: dict | None = None, request=None, token: str = ""
) -> tuple[FormDraft, list]:
    """Start a draft on the form version currently assigned to the procedure, keeping the valid values
    of ``data``. Returns the draft and the errors of the values that were not kept. ``token``: the form
    page's one-time token, recorded with the draft (``DraftStart``; see ``draft_start_once``).

    Side effects: a ``FormDraft`` row and an audit entry. Raises ``LookupError`` when the procedure
    has no form.
    """
    version = form_for_procedure(procedure=procedure)
    if version is None:
        raise LookupError(_("Thủ tục này chưa có tờ khai điện tử."))
    cleaned, errors = form_clean_partial(form_version=version, data=data or {})
    with transaction.atomic():
        draft = FormDraft.objects.create(
            user=user,
            procedure=procedure,
            form_version=version,
            data=cleaned,
            expires_at=timezone.now() + draft_lifetime(),
        )
        if token:
            # Unique per user: a concurrent save with the same token fails here and rolls back.
            DraftStart.objects.create(user=user, token=token, draft=draft)
        audit_record(
            actor=user,
            action="eforms.draft.created",
            target=draft,
            changes={"procedure": procedure.code, "form_version": version.pk},
            request=request,
        )
    return draft, errors


def draft_start_once(
    *, user, procedure, token: str, data: dict | None = None, request=None
) -> tuple[FormDraft, list, bool]:
    """The first save of the form page (``draft_start``), once per page: the page's one-time ``token``
    is recorded with the draft (unique per user), so a double click or a resent request finds the draft
    the first save created instead of starting another. Returns ``(draft, errors, created)``; an
    earlier draft is returned unchanged, with no errors. Without a usable token every call starts a
    draft, and so does a token whose draft has expired (the page was kept open for weeks)."""
    token = page_token_clean(token)
    found = draft_started(user=user, token=token)
    if found is not None:
        if found.expires_at >= timezone.now():
            return found, [], False
        token = ""
    try:
        with transaction.atomic():
            draft, errors = draft_start(
                user=user, procedure=procedure, data=data, request=request, token=token
            )
    except IntegrityError:
        # A concurrent save with the same token was written first: its draft is the one.
        found = draft_started(user=user, token=token)
        if found is None:
            raise
        return found, [], False
    return draft, errors, True


def draft_save(*, draft: FormDraft, data: dict) -> list[dict[str, str]]:
    """Save the valid values of ``data`` into the draft (autosave and "save draft"); returns the errors
    of the others. Side effects: updates the draft and pushes its expiry back. Not audited: only the
    applicant's own unfinished input changes.
    """
    cleaned, errors = form_clean_partial(form_version=draft.form_version, data=data)
    draft.data = cleaned
    draft.expires_at = timezone.now() + draft_lifetime()
    draft.expiry_warned_at = None
    draft.save(update_fields=["data", "updated_at", "expires_at", "expiry_warned_at"])
    return errors


def draft_complete(*, draft: FormDraft, data: dict, request=None) -> dict:
    """Check the whole form; when it is valid mark the draft complete (ready to become a dossier).

    On errors the valid values are saved anyway and ``FormValidationError`` is raised.
    Side effects: updates the draft; audit entry on completion.
    """
    try:
        cleaned = form_validate(form_version=draft.form_version, data=data)
    except FormValidationError:
        draft_save(draft=draft, data=data)
        raise
    with transaction.atomic():
        draft.data = cleaned
        draft.completed_at = timezone.now()
        draft.expires_at = timezone.now() + draft_lifetime()
        draft.save(update_fields=["data", "completed_at", "updated_at", "expires_at"])
        audit_record(
            actor=draft.user,
            action="eforms.draft.completed",
            target=draft,
            changes={"procedure": draft.procedure.code},
            request=request,
        )
    return cleaned


def draft_reopen(*, draft: FormDraft) -> None:
    """Back to editing after completion (the applicant wants to change something)."""
    if draft.completed_at is not None:
        draft.completed_at = None
        draft.save(update_fields=["completed_at", "updated_at"])


def draft_delete(*, draft: FormDraft, actor, request=None) -> None:
    """Delete a draft; audited."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="eforms.draft.deleted",
            target=draft,
            changes={"procedure": draft.procedure.code},
            request=request,
        )
        draft.delete()


def warn_expiring_drafts(*, now: dt.datetime | None = None) -> int:
    """Tell each applicant once (email and in-app) that a draft expires within
    ``EFORMS_DRAFT_WARNING_DAYS``; returns how many were warned. Side effects: notifications and
    ``expiry_warned_at`` (reset whenever the draft is saved again)."""
    now = now or timezone.now()
    due = FormDraft.objects.filter(
        expiry_warned_at__isnull=True,
        expires_at__gte=now,
        expires_at__lte=now + dt.timedelta(days=expiry_warning_days()),
    ).select_related("user", "procedure")
    warned = 0
    for draft in due:
        with transaction.atomic():
            notify(
                template="eforms_draft_expiring",
                recipient=draft.user,
                context={
                    "procedure": draft.procedure,
                    "expires_at": timezone.localtime(draft.expires_at),
                    "url": absolute_url("eforms:draft", args=[draft.public_id]),
                },
            )
            FormDraft.objects.filter(pk=draft.pk).update(expiry_warned_at=now)
        warned += 1
    return warned


def purge_expired_drafts(*, now: dt.datetime | None = None) -> int:
    """Delete drafts past their expiry; returns how many. Side effect: one audit entry for the batch."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = FormDraft.objects.filter(expires_at__lt=now)
        count = expired.count()
        if count:
            expired.delete()
            audit_record(
                actor=None, action="eforms.draft.expired", target=None, changes={"deleted": count}
            )
    return count
