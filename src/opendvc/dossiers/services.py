"""Writes on dossiers. ``dossier_transition`` is the only place a dossier's status changes.

Every change runs in one transaction with the dossier row locked (``SELECT … FOR UPDATE``), appends
a ``DossierEvent``, writes the audit entry and queues the notifications (the notification rows are
written in the same transaction; their delivery starts when it commits).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.audit.services import audit_record
from opendvc.core.links import absolute_url
from opendvc.core.problems import ProblemError

from . import codes, eforms_bridge
from .lifecycle import (
    FINISHING_STATES,
    Action,
    Document,
    Role,
    State,
    Transition,
    action_label,
    allowed_actions,
    state_label,
    transition_for,
)
from .models import (
    CHANNEL_METHOD,
    Channel,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierFile,
    IdempotencyRecord,
    Upload,
)
from .uploads import CheckedFile, UploadError, check_total

logger = logging.getLogger("opendvc.dossiers")

STAFF_ROLES = frozenset({Role.RECEIVING_OFFICER, Role.PROCESSING_OFFICER, Role.LEADER, Role.POSTAL_OPERATOR})


# ---------------------------------------------------------------------------------------------
# Who acts
# ---------------------------------------------------------------------------------------------

def actor_roles(*, dossier: Dossier, actor, applicant_suffices: bool = False) -> set[str]:
    """The lifecycle roles ``actor`` holds on ``dossier``: ``applicant`` for the applicant (or a member
    of the organisation they act for); a staff role when it is held in the receiving agency (or above
    it, for leaders and heads — ``agencies.selectors.visible_agency_ids``). With ``applicant_suffices``
    the staff roles are not looked up once the actor is known to be the applicant."""
    from opendvc.accounts.permissions import can_act_for

    roles: set[str] = set()
    if not getattr(actor, "is_authenticated", False):
        return roles
    if dossier.applicant_id == actor.pk or (dossier.acting_for_id and can_act_for(actor, dossier.acting_for)):
        roles.add(Role.APPLICANT)
        if applicant_suffices:
            return roles
    roles |= _staff_roles_at(actor, dossier.receiving_agency_id)
    return roles


# ---------------------------------------------------------------------------------------------
# The transition
# ---------------------------------------------------------------------------------------------

@dataclass
class _Outcome:
    fields: dict[str, Any]
    data: dict[str, Any]
    note: str = ""


def _problem_conflict(dossier: Dossier, action: str) -> ProblemError:
    return ProblemError(
        "conflict",
        _("Hồ sơ %(code)s đang ở trạng thái “%(state)s”; không thể “%(action)s”. Có thể người khác vừa xử lý hồ sơ; "
          "hãy tải lại trang.")
        % {"code": dossier.code or "", "state": state_label(dossier.status), "action": action_label(action)},
        status=409,
        extra={"state": dossier.status, "version": dossier.version},
    )


def _clean_inputs(t: Transition, inputs: dict[str, Any]) -> dict[str, Any]:
    known = set(t.required) | set(t.optional)
    errors = []
    for name in inputs:
        if name not in known:
            errors.append({"path": name, "message": _("Thao tác này không nhận trường “%(name)s”.") % {"name": name}})
    cleaned: dict[str, Any] = {}
    for name in known:
        value = inputs.get(name)
        if isinstance(value, str):
            value = value.strip()
        if name == "items" and value is not None:
            if isinstance(value, str):
                value = [line.strip() for line in value.splitlines()]
            value = [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list | tuple) else value
        if name in t.required and value in (None, "", [], {}):
            errors.append({"path": name, "message": str(REQUIRED_MESSAGES.get(name, _("Trường này là bắt buộc.")))})
        if value not in (None, "", [], {}):
            cleaned[name] = value
    if errors:
        raise ProblemError("validation_error", _("Thiếu hoặc sai thông tin cho thao tác “%(action)s”.")
                           % {"action": action_label(t.action)}, extra={"errors": errors})
    return cleaned


REQUIRED_MESSAGES = {
    "reason": gettext_lazy("Phải nêu lý do."),
    "items": gettext_lazy("Phải liệt kê đầy đủ các giấy tờ, nội dung cần bổ sung, hoàn thiện."),
    "fees": gettext_lazy("Phải nêu các khoản phí, lệ phí."),
    "receipt_number": gettext_lazy("Phải nhập số biên lai."),
    "result": gettext_lazy("Phải có kết quả giải quyết."),
    "method": gettext_lazy("Phải chọn hình thức trả kết quả."),
}


def dossier_transition(
    *,
    dossier: Dossier,
    action: str,
    actor,
    system: bool = False,
    request=None,
    expected_version: int | None = None,
    **inputs: Any,
) -> Dossier:
    """Apply ``action`` to ``dossier`` as ``actor`` (or as the system) according to the transition table.

    Side effects, all in one transaction: locks the dossier row, updates status and the fields the
    action sets (code, dates, due date…), appends a ``DossierEvent``, issues the action's document
    (PDF), writes the audit entry and queues the notifications. Raises ``ProblemError``: 409
    ``conflict`` when the action is not open in the current state (or ``expected_version`` is stale),
    403 ``permission_denied`` for the wrong role, 422 ``validation_error`` for missing inputs.
    Nothing changes when it raises.

    Automatic intake: when an online dossier of a procedure marked ``auto_receive`` is filed (or filed
    again after completion) and ``receives_itself`` holds, the system receives it in the same
    transaction — the same ``receive`` row of the table, appointment, receipt, history and audit as an
    officer's intake, with the system as the actor.
    """
    if action not in Action.values:
        raise ProblemError("validation_error", _("Thao tác “%(action)s” không tồn tại.") % {"action": action},
                           extra={"errors": [{"path": "action", "message": _("Thao tác không hợp lệ.")}]})
    issued: list[DossierDocument] = []
    try:
        if action not in (Action.SUBMIT, Action.RESUBMIT):
            return _transition(dossier=dossier, action=action, actor=actor, system=system, request=request,
                               expected_version=expected_version, inputs=inputs, issued=issued)
        with transaction.atomic():
            done = _transition(dossier=dossier, action=action, actor=actor, system=system, request=request,
                               expected_version=expected_version, inputs=inputs, issued=issued)
            if receives_itself(done):
                done = _transition(dossier=done, action=Action.RECEIVE, actor=None, system=True, request=request,
                                   expected_version=None, inputs={}, issued=issued)
        return done
    except BaseException:
        for doc in issued:
            doc.file.delete(save=False)
        raise


def _transition(*, dossier, action, actor, system, request, expected_version, inputs, issued) -> Dossier:
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("procedure", "procedure_version", "receiving_agency", "applicant", "acting_for")
            .get(pk=dossier.pk)
        )
        if expected_version is not None and locked.version != expected_version:
            raise ProblemError(
                "conflict",
                _("Hồ sơ vừa được người khác thay đổi; hãy tải lại trang để xem trạng thái mới."),
                status=409, extra={"state": locked.status, "version": locked.version},
            )
        t = transition_for(locked.status, action)
        if t is None:
            raise _problem_conflict(locked, action)
        roles = {Role.SYSTEM} if system else actor_roles(dossier=locked, actor=actor,
                                                         applicant_suffices=Role.APPLICANT in t.roles)
        role = next((r for r in sorted(t.roles) if r in roles), None)
        if role is None:
            raise ProblemError(
                "permission_denied",
                _("Bạn không có quyền “%(action)s” đối với hồ sơ này.") % {"action": action_label(action)},
                status=403,
            )
        cleaned = _clean_inputs(t, inputs)
        now = timezone.now()
        handler = HANDLERS.get(action)
        outcome = handler(locked, cleaned, now=now, role=role, actor=actor) if handler else _Outcome({}, {})
        from_state = locked.status
        locked.status = t.next_state
        locked.version += 1
        if t.next_state in FINISHING_STATES:
            locked.finished_at = now
            outcome.fields["finished_at"] = now
        for name, value in outcome.fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", "version", "updated_at", *outcome.fields])
        event = DossierEvent.objects.create(
            dossier=locked, at=now, actor=None if system else actor,
            actor_label=_("Hệ thống") if system else (getattr(actor, "full_name", "") or str(actor))[:200],
            actor_role=role, action=action, from_state=from_state, to_state=t.next_state,
            note=cleaned.get("note") or cleaned.get("reason") or outcome.note or "",
            data={**{k: v for k, v in cleaned.items() if k not in {"note"}}, **outcome.data},
        )
        if t.document and t.document in PDF_DOCUMENTS:
            from .documents import issue_document

            issued.append(issue_document(dossier=locked, event=event, kind=t.document))
        audit_record(
            actor=None if system else actor,
            action=f"dossier.{action}",
            target=locked,
            changes={"status": [from_state, t.next_state], "version": locked.version,
                     **({"procedure": locked.procedure.code, "agency": locked.receiving_agency.code,
                         "channel": locked.channel} if action == Action.SUBMIT else {}),
                     **{k: str(v) for k, v in outcome.fields.items() if k not in {"lookup_key_ciphertext",
                                                                                   "lookup_key_hash"}}},
            request=request,
        )
        _notify(locked, event)
    locked._transition_event = event
    return locked


PDF_DOCUMENTS = frozenset({Document.RECEIPT, Document.COMPLETION_REQUEST, Document.REFUSAL})


# ---------------------------------------------------------------------------------------------
# What each action does besides changing the status
# ---------------------------------------------------------------------------------------------

def _missing_components(dossier: Dossier) -> list[str]:
    from opendvc.catalog.models import Component

    present = DossierFile.objects.filter(dossier=dossier, component__isnull=False).values("component_id")
    return list(
        Component.objects.filter(procedure_id=dossier.procedure_id, required=True, kind=Component.Kind.SUBMIT,
                                 case="").exclude(pk__in=present).values_list("name", flat=True)
    )


DECLARATION_TEXT = gettext_lazy(
    "Tôi xin cam đoan những thông tin kê khai là đúng sự thật và chịu trách nhiệm trước pháp luật "
    "về lời khai của mình."
)


def dossier_profile_missing(*, applicant, procedure) -> list[dict[str, str]]:
    """What the applicant's profile lacks to file ``procedure`` online (Regulation Art. 14.3): the
    profile items its e-form takes from the profile, as ``{"source", "label"}``. Empty for a procedure
    below level 3 or without an e-form. No side effects."""
    from opendvc.catalog.models import Procedure

    if procedure.level < Procedure.Level.ONLINE:
        return []
    form_version = eforms_bridge.form_for(procedure)
    if form_version is None:
        return []
    return eforms_bridge.profile_missing(user=applicant, form_version=form_version)


def _check_submission(dossier: Dossier) -> dict[str, Any]:
    """Form data valid, required components attached and, online, the applicant's profile complete
    enough for the procedure; returns fields to set."""
    errors: list[dict[str, str]] = []
    fields: dict[str, Any] = {}
    form_version = eforms_bridge.form_for(dossier.procedure)
    # A dossier brought to the counter or sent by post carries its declaration on paper: the e-form is
    # checked when it was filled (online, or data the officer entered), not demanded of a paper dossier.
    online = dossier.channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL)
    if form_version is not None and (online or dossier.form_data):
        try:
            fields["form_data"] = eforms_bridge.validate(form_version=form_version, data=dossier.form_data or {})
            fields["form_version_id"] = form_version.pk
        except eforms_bridge.FormInvalid as exc:
            errors.extend({"path": f"data.{e.get('path', '')}", "message": e.get("message", "")} for e in exc.errors)
    if dossier.channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        for name in _missing_components(dossier):
            errors.append({"path": "files", "message": _("Chưa đính kèm thành phần bắt buộc: %(name)s") % {"name": name}})
    if dossier.channel == Channel.ONLINE:
        for item in dossier_profile_missing(applicant=dossier.applicant, procedure=dossier.procedure):
            errors.append({"path": f"profile.{item['source']}",
                           "message": _("Thông tin cá nhân chưa có: %(label)s") % {"label": item["label"]}})
    if errors:
        raise ProblemError("validation_error", _("Hồ sơ chưa đủ điều kiện để nộp; xem danh sách lỗi."),
                           extra={"errors": errors})
    return fields


def _check_filing(dossier: Dossier, inputs, *, now, role) -> dict[str, Any]:
    """``_check_submission`` plus, when the applicant files online, the declaration (Regulation Art.
    14.5); every problem is reported at once. Returns the fields to set, with ``declared_at``."""
    errors: list[dict[str, str]] = []
    fields: dict[str, Any] = {}
    try:
        fields = _check_submission(dossier)
    except ProblemError as exc:
        errors = list(exc.extra.get("errors") or [])
    if role == Role.APPLICANT and dossier.channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        if inputs.get("declaration") is True:
            fields["declared_at"] = now
        else:
            errors.append({"path": "declaration",
                           "message": _("Hãy đánh dấu lời cam đoan trước khi nộp hồ sơ.")})
    if errors:
        raise ProblemError("validation_error", _("Hồ sơ chưa đủ điều kiện để nộp; xem danh sách lỗi."),
                           extra={"errors": errors})
    return fields


def _on_submit(dossier: Dossier, inputs, *, now, role, actor) -> _Outcome:
    if role == Role.RECEIVING_OFFICER and dossier.channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        raise ProblemError("permission_denied", _("Hồ sơ trực tuyến do chính người nộp gửi đi."), status=403)
    fields = _check_filing(dossier, inputs, now=now, role=role)
    key = codes.new_lookup_key()
    from opendvc.accounts import crypto

    fields.update(
        code=codes.allocate_code(agency=dossier.receiving_agency, at=now),
        submitted_at=now,
        lookup_key_hash=codes.hash_lookup_key(key),
        lookup_key_ciphertext=crypto.encrypt(key),
    )
    return _Outcome(fields, {"channel": dossier.channel})


def _on_resubmit(dossier: Dossier, inputs, *, now, role, actor) -> _Outcome:
    fields = _check_filing(dossier, inputs, now=now, role=role)
    fields.update(submitted_at=now, completion_items=[])
    last = _completion_returns(dossier).last()
    snapshot = (last.data or {}).get("snapshot") if last is not None else None
    # What the applicant changed since the return: the officer may ask again only about that.
    return _Outcome(fields, {"changes": _changes_since(snapshot, dossier) if snapshot is not None else None})


def due_for(dossier: Dossier, received_at: datetime) -> tuple[datetime | None, int]:
    """The appointment for a dossier received at ``received_at``: the procedure version's time for the
    dossier's channel, counted on the receiving agency's calendar (worktime). ``None`` when the
    procedure states no time.

    A time in working days follows the procedure's ``working_day_rule``: N × 8 working hours from the
    intake (the default), or the close of the N-th working day after the day of intake (Civil Code 2015
    Art. 147: the first day is not counted; Art. 148: the period ends at the end of its last day). A
    fraction of a working day has no "end of day" and is always counted in working hours."""
    from opendvc.worktime import add_working_time, calendar_for_agency, same_day_due

    calendar = calendar_for_agency(dossier.receiving_agency)
    snapshot = dossier.procedure_version.snapshot if dossier.procedure_version_id else {}
    methods = snapshot.get("methods") or [
        {"method": m.method, "time_amount": m.time_amount, "time_unit": m.time_unit,
         "cutoff": m.cutoff.strftime("%H:%M") if m.cutoff else None}
        for m in dossier.procedure.methods.all()
    ]
    wanted = CHANNEL_METHOD.get(dossier.channel, "online")
    timed = [m for m in methods if m.get("time_amount") is not None and m.get("time_unit")]
    method = next((m for m in timed if m.get("method") == wanted), None) or (timed[0] if timed else None)
    if method is None:
        return None, calendar.version
    amount = Decimal(str(method["time_amount"]))
    if amount == 0:
        return same_day_due(received_at, cutoff=method.get("cutoff") or time(15, 0), calendar=calendar), calendar.version
    whole = amount == amount.to_integral_value()
    value = int(amount) if whole else amount
    rule = dossier.procedure.working_day_rule if whole else "working-hours"
    return add_working_time(received_at, value, method["time_unit"], rule=rule, calendar=calendar), calendar.version


def receives_itself(dossier: Dossier) -> bool:
    """Whether the system receives this filed dossier without an officer: its procedure is marked for
    automatic intake, it was filed online, it is complete (the submission checks passed: form valid,
    every required component attached; a procedure whose required papers depend on the applicant's case
    is left to an officer, who judges the case) and the procedure states a time, so the appointment is
    computed as an officer's intake would compute it (``due_for``)."""
    from opendvc.catalog.models import Component

    procedure = dossier.procedure
    if dossier.status != State.SUBMITTED or not procedure.auto_receive:
        return False
    if dossier.channel not in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        return False
    if Component.objects.filter(procedure_id=procedure.pk, required=True, kind=Component.Kind.SUBMIT).exclude(
            case="").exists():
        return False
    if _missing_components(dossier):
        return False
    return due_for(dossier, timezone.now())[0] is not None


def _on_receive(dossier: Dossier, inputs, *, now, role, actor) -> _Outcome:
    from .appointments import appointment_for_receipt

    appointment = appointment_for_receipt(dossier=dossier, at=now, given=inputs.get("due_at"))
    due, version = appointment.due_at, appointment.calendar_version
    return _Outcome({"received_at": now, "due_at": due, "calendar_version": version},
                    {"due_at": due.isoformat(), "calendar_version": version})


def _completion_returns(dossier: Dossier):
    return DossierEvent.objects.filter(dossier=dossier, action=Action.RETURN_FOR_COMPLETION).order_by("at", "pk")


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _dossier_snapshot(dossier: Dossier) -> dict[str, Any]:
    """What the applicant can change while completing: the files per component and each form field."""
    return {
        "files": [[f.component_name or f.original_name, f.sha256] for f in dossier.files.all()],
        "form": {str(k): _digest(v) for k, v in (dossier.form_data or {}).items()},
    }


def _changes_since(snapshot: dict[str, Any], dossier: Dossier) -> list[str]:
    """Names of the components whose files and of the form fields whose values differ from ``snapshot``."""
    now = _dossier_snapshot(dossier)

    def by_name(rows):
        out: dict[str, set[str]] = {}
        for name, sha in rows:
            out.setdefault(name, set()).add(sha)
        return out

    before, after = by_name(snapshot.get("files") or []), by_name(now["files"])
    changed = [name for name in dict.fromkeys([*before, *after]) if before.get(name) != after.get(name)]
    old_form, new_form = snapshot.get("form") or {}, now["form"]
    changed += [key for key in dict.fromkeys([*old_form, *new_form]) if old_form.get(key) != new_form.get(key)]
    return changed


def _covered(change: str, items: list[str]) -> bool:
    """A change is covered by a listed item when one names the other (accents, case, ``_`` ignored)."""
    from opendvc.catalog.text import fold

    name = fold(change)
    return bool(name) and any(name in fold(item) or (fold(item) and fold(item) in name) for item in items)


def _once(items: list[str]) -> list[str]:
    """The items with repetitions removed (the same words, whatever the accents and case), in order."""
    from opendvc.catalog.text import fold

    seen: set[str] = set()
    out = []
    for item in items:
        key = fold(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _on_return_for_completion(dossier: Dossier, inputs, *, now, role, actor) -> _Outcome:
    """NĐ 61/2018, Art. 15.2 and 16: the one-stop office guides the applicant to complete the dossier
    once, listing everything (``hướng dẫn một lần, đầy đủ``). A later return of the same dossier is
    refused unless the resubmission changed something the earlier lists did not cover (a paper or a
    field the applicant added or changed beyond what was asked); the notice then shows the earlier
    lists as well."""
    items = _once(inputs["items"])
    data: dict[str, Any] = {"items": items, "snapshot": _dossier_snapshot(dossier)}
    earlier = list(_completion_returns(dossier))
    if earlier:
        earlier_items = _once([i for e in earlier for i in (e.data or {}).get("items") or []])
        resubmit = DossierEvent.objects.filter(dossier=dossier, action=Action.RESUBMIT,
                                               pk__gt=earlier[-1].pk).order_by("pk").last()
        changes = (resubmit.data or {}).get("changes") if resubmit is not None else []
        uncovered = None if changes is None else [c for c in changes if not _covered(c, earlier_items)]
        if uncovered is not None and not uncovered:
            raise ProblemError(
                "completion_already_requested",
                _("Hồ sơ %(code)s đã được hướng dẫn bổ sung, hoàn thiện một lần, đầy đủ (Nghị định 61/2018/NĐ-CP, "
                  "Điều 15–16). Lần nộp lại chỉ sửa những nội dung đã yêu cầu; không được yêu cầu thêm — hãy tiếp "
                  "nhận hoặc từ chối hồ sơ.") % {"code": dossier.code or ""},
                status=409, title=_("Đã yêu cầu bổ sung, hoàn thiện một lần"),
                extra={"earlier_items": earlier_items, "changes": changes or []},
            )
        data.update(earlier_items=earlier_items, uncovered_changes=uncovered or [])
    return _Outcome({"completion_items": items}, data)


HANDLERS = {
    Action.SUBMIT: _on_submit,
    Action.RESUBMIT: _on_resubmit,
    Action.RECEIVE: _on_receive,
    Action.RETURN_FOR_COMPLETION: _on_return_for_completion,
}


# ---------------------------------------------------------------------------------------------
# Notifications (rows written in the transaction; email delivery starts on commit)
# ---------------------------------------------------------------------------------------------

NOTIFY_TEMPLATES = {
    Action.SUBMIT: "dossier_submitted",
    Action.RESUBMIT: "dossier_submitted",
    Action.RECEIVE: "dossier_received",
    Action.RETURN_FOR_COMPLETION: "dossier_returned_for_completion",
    Action.REFUSE: "dossier_refused",
}


def _notify(dossier: Dossier, event: DossierEvent) -> None:
    template = NOTIFY_TEMPLATES.get(event.action)
    if template is None:
        return

    from opendvc.notifications.services import notify
    from opendvc.worktime import to_local

    context = {
        "code": dossier.code or "",
        "procedure": dossier.procedure.name,
        "agency": dossier.receiving_agency.name,
        "due_at": to_local(dossier.due_at).strftime("%H:%M %d/%m/%Y") if dossier.due_at else "",
        "items": "\n".join(f"- {i}" for i in dossier.completion_items or []),
        "reason": event.note,
        "url": absolute_url("dossiers:mine_detail", args=[dossier.public_id]),
    }
    notify(template=template, context=context, recipient=dossier.applicant)


# ---------------------------------------------------------------------------------------------
# Drafts, files, submissions
# ---------------------------------------------------------------------------------------------

def _store(checked: CheckedFile) -> str:
    from .models import dossier_file_path

    return default_storage.save(dossier_file_path(None, checked.name), ContentFile(checked.content))


def dossier_create_draft(
    *, applicant, procedure, receiving_agency, actor, channel: str = Channel.ONLINE, acting_for=None,
    form_data: dict | None = None, request=None, audit: bool = True,
) -> Dossier:
    """A new dossier in ``draft`` under the procedure's current version. Audited (``audit=False`` when
    the caller files it in the same transaction, whose submission entry records the creation)."""
    from opendvc.catalog.models import Procedure

    if procedure.status != Procedure.Status.PUBLISHED:
        raise ProblemError("validation_error", _("Thủ tục này hiện không nhận hồ sơ."),
                           extra={"errors": [{"path": "procedure", "message": _("Thủ tục không hoạt động.")}]})
    if channel in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        from opendvc.catalog.selectors import not_offered, procedure_offer

        # Regulation Art. 2.13: online filing from level 3; level 2 offers forms to download only.
        if not procedure_offer(procedure=procedure).online_filing:
            raise not_offered(procedure=procedure, what=_("nộp hồ sơ trực tuyến"))
    if not receiving_agency_allowed(procedure=procedure, agency=receiving_agency):
        raise ProblemError("validation_error", _("Cơ quan được chọn không tiếp nhận thủ tục này."),
                           extra={"errors": [{"path": "agency", "message": _("Chọn cơ quan tiếp nhận khác.")}]})
    form_version = eforms_bridge.form_for(procedure)
    with transaction.atomic(savepoint=False):
        dossier = Dossier.objects.create(
            procedure=procedure, procedure_version=procedure.current_version, applicant=applicant,
            acting_for=acting_for, receiving_agency=receiving_agency, channel=channel,
            form_data=form_data or {}, form_version_id=getattr(form_version, "pk", None), created_by=actor,
        )
        if audit:
            audit_record(actor=actor, action="dossier.create_draft", target=("dossiers.dossier", dossier.public_id),
                         changes={"procedure": procedure.code, "channel": channel,
                                  "agency": receiving_agency.code}, request=request)
    return dossier


def receiving_agency_allowed(*, procedure, agency) -> bool:
    """The agency receives the procedure (named on it; or, when none is named, of one of its tiers)."""
    from opendvc.agencies.models import Agency

    if not agency.is_active:
        return False
    named = Agency.objects.filter(procedures=procedure, is_active=True)
    if named.filter(pk=agency.pk).exists():
        return True
    return not named.exists() and procedure.tiers.filter(pk=agency.tier_id).exists()


def _editable(dossier: Dossier, actor) -> None:
    if dossier.status not in (State.DRAFT, State.RETURNED_FOR_COMPLETION):
        raise ProblemError("conflict", _("Hồ sơ đã nộp; không thể sửa."), status=409)
    roles = actor_roles(dossier=dossier, actor=actor)
    if Role.APPLICANT not in roles and not (dossier.channel not in (Channel.ONLINE, Channel.NATIONAL_PORTAL)
                                            and Role.RECEIVING_OFFICER in roles):
        raise ProblemError("permission_denied", _("Bạn không có quyền sửa hồ sơ này."), status=403)


def dossier_update_draft(
    *, dossier: Dossier, actor, form_data: dict | None = None, add_files: list[tuple[Any, CheckedFile]] = (),
    reuse_files: list[tuple[Any, DossierFile]] = (), remove_file_ids: list[int] = (), request=None,
) -> Dossier:
    """Save form data and files of a draft (or of a dossier returned for completion).

    ``add_files``: (component or None, checked file) pairs; every file is checked before anything is
    stored, and the per-dossier limit applies to the whole. Stored files are removed again when the
    transaction fails. Audited.
    """
    _editable(dossier, actor)
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
            _editable(locked, actor)
            if remove_file_ids:
                DossierFile.objects.filter(dossier=locked, pk__in=list(remove_file_ids)).delete()
            existing = list(locked.files.values_list("size", flat=True))
            check_total(sizes=existing + [c.size for _, c in add_files] + [f.size for _, f in reuse_files])
            for component, checked in add_files:
                name = _store(checked)
                stored.append(name)
                DossierFile.objects.create(
                    dossier=locked, component=component, component_name=getattr(component, "name", ""),
                    original_name=checked.name, file=name, sha256=checked.sha256, size=checked.size,
                    content_type=checked.content_type, uploaded_by=actor,
                )
            for component, old in reuse_files:
                DossierFile.objects.create(
                    dossier=locked, component=component, component_name=getattr(component, "name", ""),
                    original_name=old.original_name, file=old.file.name, sha256=old.sha256, size=old.size,
                    content_type=old.content_type, uploaded_by=actor,
                )
            if form_data is not None:
                locked.form_data = form_data
                locked.save(update_fields=["form_data", "updated_at"])
            audit_record(actor=actor, action="dossier.update_draft", target=("dossiers.dossier", locked.public_id),
                         changes={"files_added": [c.name for _, c in add_files] + [f.original_name for _, f in reuse_files],
                                  "files_removed": list(remove_file_ids), "form_data": form_data is not None},
                         request=request)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return locked


def upload_create(*, owner, checked: CheckedFile, request=None) -> Upload:
    """Store a checked file as an unclaimed upload (API ``POST /files``)."""
    name = _store(checked)
    try:
        with transaction.atomic():
            upload = Upload.objects.create(owner=owner, original_name=checked.name, file=name, sha256=checked.sha256,
                                           size=checked.size, content_type=checked.content_type)
            audit_record(actor=owner, action="dossier.upload", target=("dossiers.upload", upload.public_id),
                         changes={"name": checked.name, "sha256": checked.sha256, "size": checked.size},
                         request=request)
    except BaseException:
        default_storage.delete(name)
        raise
    return upload


def _request_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def idempotent_dossier(*, user, key: str, payload: Any) -> Dossier | None:
    """The dossier created earlier with this key, or None. A key reused for a different request is a
    422 ``idempotency_key_reused``."""
    record = IdempotencyRecord.objects.filter(user=user, key=key).select_related("dossier").first()
    if record is None:
        return None
    if record.request_hash and payload is not None and record.request_hash != _request_hash(payload):
        raise ProblemError("idempotency_key_reused",
                           _("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác."), status=422)
    return record.dossier


def dossier_submit_new(
    *, applicant, procedure, receiving_agency, actor, data: dict | None, uploads: list[tuple[Any, Upload]],
    acting_for=None, channel: str = Channel.ONLINE, submit: bool = True, declaration: bool = False,
    idempotency_key: str = "", payload: Any = None, request=None,
) -> tuple[Dossier, bool]:
    """Create a dossier with its form data and previously uploaded files, and (``submit``) file it with
    the applicant's ``declaration`` (Regulation Art. 14.5) — all in one transaction, so a failure
    leaves nothing. With ``idempotency_key``, a retry returns the first
    dossier and creates nothing. Returns ``(dossier, created)``."""
    if idempotency_key:
        found = idempotent_dossier(user=actor, key=idempotency_key, payload=payload)
        if found is not None:
            return found, False
    try:
        with eforms_bridge.memo(), transaction.atomic():
            if idempotency_key:
                record = IdempotencyRecord.objects.create(user=actor, key=idempotency_key,
                                                          request_hash=_request_hash(payload) if payload else "")
            dossier = dossier_create_draft(applicant=applicant, procedure=procedure, receiving_agency=receiving_agency,
                                           actor=actor, channel=channel, acting_for=acting_for, form_data=data,
                                           request=request, audit=not submit)
            locked_uploads = {u.pk: u for u in Upload.objects.select_for_update().filter(
                pk__in=[u.pk for _, u in uploads], owner=actor, claimed_at__isnull=True)} if uploads else {}
            sizes = []
            for _component, upload in uploads:
                if upload.pk not in locked_uploads:
                    raise ProblemError("validation_error", _("Tệp đính kèm không tồn tại hoặc đã được dùng."),
                                       extra={"errors": [{"path": "files", "message": str(upload.public_id)}]})
                sizes.append(upload.size)
            try:
                check_total(sizes=sizes)
            except UploadError as exc:
                raise ProblemError("payload_too_large", exc.message, status=413) from exc
            for component, upload in uploads:
                DossierFile.objects.create(
                    dossier=dossier, component=component, component_name=getattr(component, "name", ""),
                    original_name=upload.original_name, file=upload.file.name, sha256=upload.sha256, size=upload.size,
                    content_type=upload.content_type, uploaded_by=actor,
                )
            if uploads:
                Upload.objects.filter(pk__in=list(locked_uploads)).update(claimed_at=timezone.now())
            if submit:
                dossier = dossier_transition(dossier=dossier, action=Action.SUBMIT, actor=actor, request=request,
                                             declaration=declaration)
            if idempotency_key:
                record.dossier = dossier
                record.save(update_fields=["dossier"])
    except IntegrityError:
        if idempotency_key:
            found = idempotent_dossier(user=actor, key=idempotency_key, payload=payload)
            if found is not None:
                return found, False
        raise
    return dossier, True


def page_submit(*, dossier: Dossier, actor, token: str, action: str = Action.SUBMIT, declaration: bool = False,
                request=None) -> tuple[Dossier, bool]:
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
            dossier = dossier_transition(dossier=dossier, action=action, actor=actor, request=request,
                                         declaration=declaration)
    except IntegrityError:
        return Dossier.objects.get(pk=dossier.pk), False
    return dossier, True


# ---------------------------------------------------------------------------------------------
# Counter and postal intake
# ---------------------------------------------------------------------------------------------

def applicant_find_or_create(*, actor, cccd: str = "", tax_code: str = "", full_name: str = "",
                             phone: str = "", organisation_name: str = "", request=None):
    """The applicant of a counter/postal dossier: a person found by CCCD (or created with it), and for
    a business the organisation found by tax code (or created). Returns ``(user, organisation|None)``.
    Creating a person or organisation is audited."""
    from django.contrib.auth import get_user_model

    from opendvc.accounts import crypto
    from opendvc.accounts.models import Organisation, PersonProfile
    from opendvc.accounts.validators import normalize_cccd

    errors = []
    digits = normalize_cccd(cccd or "")
    if not (len(digits) == 12 and digits.isdigit()):
        errors.append({"path": "cccd", "message": _("Số CCCD phải gồm đúng 12 chữ số.")})
    tax = "".join(ch for ch in (tax_code or "") if ch.isdigit() or ch == "-").replace("-", "")
    if tax_code and len(tax) not in (10, 13):
        errors.append({"path": "tax_code", "message": _("Mã số thuế phải có 10 hoặc 13 chữ số.")})
    if errors:
        raise ProblemError("validation_error", _("Thông tin người nộp chưa hợp lệ."), extra={"errors": errors})
    with transaction.atomic():
        profile = PersonProfile.objects.select_related("user").filter(cccd_hash=crypto.lookup_hash(digits)).first()
        if profile is not None:
            user = profile.user
        else:
            from django.core.exceptions import ValidationError

            from opendvc.accounts.validators import normalize_phone

            missing = []
            if not (full_name or "").strip():
                missing.append({"path": "full_name", "message": _("Nhập họ và tên.")})
            try:
                normalised_phone = normalize_phone(phone or "")
            except ValidationError:
                normalised_phone = ""
                missing.append({"path": "phone", "message": _("Nhập số điện thoại liên hệ hợp lệ.")})
            if missing:
                raise ProblemError("validation_error",
                                   _("Chưa có người dùng với số CCCD này; hãy nhập họ và tên và số điện thoại liên hệ."),
                                   extra={"errors": missing})
            User = get_user_model()
            if User.objects.filter(phone_hash=crypto.lookup_hash(normalised_phone)).exists():
                raise ProblemError("validation_error",
                                   _("Số điện thoại này đã thuộc một tài khoản khác; hãy tìm người nộp theo số CCCD "
                                     "của tài khoản đó."),
                                   extra={"errors": [{"path": "phone", "message": _("Số điện thoại đã được dùng.")}]})
            user = User.objects.create_user(email=None, password=None, phone=normalised_phone,
                                            full_name=full_name.strip())
            profile = PersonProfile(user=user)
            profile.cccd = digits
            profile.save()
            audit_record(actor=actor, action="dossier.intake_person_created", target=user,
                         changes={"cccd": crypto.mask(digits)}, request=request)
        organisation = None
        if tax:
            organisation = Organisation.objects.filter(tax_code=tax).first()
            if organisation is None:
                if not (organisation_name or "").strip():
                    raise ProblemError("validation_error", _("Chưa có tổ chức với mã số thuế này; hãy nhập tên tổ chức."),
                                       extra={"errors": [{"path": "organisation_name", "message": _("Nhập tên tổ chức.")}]})
                organisation = Organisation.objects.create(name=organisation_name.strip(), tax_code=tax,
                                                           legal_representative=user.full_name)
                audit_record(actor=actor, action="dossier.intake_organisation_created", target=organisation,
                             changes={"tax_code": tax}, request=request)
    return user, organisation


def counter_intake(
    *, actor, procedure, receiving_agency, channel: str, applicant, acting_for=None, data: dict | None = None,
    files: list[tuple[Any, CheckedFile]] = (), receive_now: bool = True, due_at: Any = None, request=None,
) -> Dossier:
    """Register a dossier brought to the counter or arriving by post: created, filed by the officer
    (same code as online) and, with ``receive_now``, received at once (receipt with the due date; for a
    procedure without a statutory time, ``due_at`` is the appointment the officer set —
    ``appointments.appointment_for_receipt``)."""
    if channel not in (Channel.COUNTER, Channel.POSTAL):
        raise ProblemError("validation_error", _("Hình thức nộp không hợp lệ cho tiếp nhận tại quầy."),
                           extra={"errors": [{"path": "channel", "message": _("Chọn trực tiếp hoặc bưu chính.")}]})
    roles = {Role.RECEIVING_OFFICER} & _staff_roles_at(actor, receiving_agency)
    if not roles:
        raise ProblemError("permission_denied", _("Bạn không phải cán bộ tiếp nhận của cơ quan này."), status=403)
    stored: list[str] = []
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                procedure=procedure, procedure_version=procedure.current_version, applicant=applicant,
                acting_for=acting_for, receiving_agency=receiving_agency, channel=channel, form_data=data or {},
                created_by=actor,
            )
            if not receiving_agency_allowed(procedure=procedure, agency=receiving_agency):
                raise ProblemError("validation_error", _("Cơ quan này không tiếp nhận thủ tục được chọn."),
                                   extra={"errors": [{"path": "procedure", "message": _("Chọn thủ tục khác.")}]})
            check_total(sizes=[c.size for _, c in files])
            for component, checked in files:
                name = _store(checked)
                stored.append(name)
                DossierFile.objects.create(
                    dossier=dossier, component=component, component_name=getattr(component, "name", ""),
                    original_name=checked.name, file=name, sha256=checked.sha256, size=checked.size,
                    content_type=checked.content_type, uploaded_by=actor,
                )
            dossier = dossier_transition(dossier=dossier, action=Action.SUBMIT, actor=actor, request=request)
            if receive_now:
                dossier = dossier_transition(dossier=dossier, action=Action.RECEIVE, actor=actor, request=request,
                                             **({"due_at": due_at} if due_at not in (None, "") else {}))
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return dossier


def _staff_roles_at(actor, agency) -> set[str]:
    """Staff lifecycle roles ``actor`` holds over ``agency`` (an Agency or its id)."""
    from opendvc.agencies.selectors import visible_agency_ids

    agency_id = getattr(agency, "pk", agency)
    out = set()
    for role in STAFF_ROLES:
        ids = visible_agency_ids(actor, roles={role})
        if ids is not None and agency_id in ids:
            out.add(role)
    return out


def sweep_orphan_files(*, older_than: datetime, days: int = 3) -> int:
    """Delete stored files of the day folders up to ``days`` before ``older_than`` that were written
    before ``older_than`` and that no upload, dossier file or document refers to — what a process
    killed between storing a file and committing its row leaves behind. Returns how many."""
    from datetime import timedelta

    from .models import DOCUMENTS_DIR, FILES_DIR

    removed = 0
    for offset in range(days + 1):
        day = (older_than - timedelta(days=offset)).astimezone(UTC)
        for root in (FILES_DIR, DOCUMENTS_DIR):
            folder = f"{root}/{day:%Y/%m/%d}"
            try:
                _dirs, names = default_storage.listdir(folder)
            except (FileNotFoundError, NotADirectoryError):
                continue
            paths = [f"{folder}/{n}" for n in names]
            for start in range(0, len(paths), 500):
                chunk = paths[start : start + 500]
                known = set(Upload.objects.filter(file__in=chunk).values_list("file", flat=True))
                known |= set(DossierFile.objects.filter(file__in=chunk).values_list("file", flat=True))
                known |= set(DossierDocument.objects.filter(file__in=chunk).values_list("file", flat=True))
                for path in chunk:
                    if path not in known and default_storage.get_modified_time(path) < older_than:
                        default_storage.delete(path)
                        removed += 1
    return removed


def cleanup_unclaimed_uploads(*, older_than: datetime) -> int:
    """Delete unclaimed uploads created before ``older_than`` and their stored files (unless a dossier
    file shares the stored name). Returns how many."""
    removed = 0
    for upload in Upload.objects.filter(claimed_at__isnull=True, created_at__lt=older_than).iterator():
        name = upload.file.name
        upload.delete()
        if name and not DossierFile.objects.filter(file=name).exists():
            default_storage.delete(name)
        removed += 1
    return removed


__all__ = ["dossier_transition", "allowed_actions"]


# Part 2 (processing): the department actions' handlers, notifications and documents.
from . import processing as _processing  # noqa: E402

_processing.register()
