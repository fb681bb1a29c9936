"""Writes on linked dossiers: opening the parts at intake, the hand-offs, each agency's actions and the
closing of the one dossier.

Every change of a part goes through ``part_act`` (the engine of ``opendvc.core.statemachine``: one
transaction with the part locked, a ``PartEvent``, the audit entry, the notice to the applicant). What
follows from it — the hand-off to the next agencies when a part has its result, the parts that cannot
be done when the one they need is refused, pausing the other parts when the bundle's rule says so — is
written in the same transaction.

The parent dossier keeps its own lifecycle (``dossiers.services.dossier_act``): the one-stop office
receives it (one code, one receipt, one appointment), the system starts processing it, and the
receiving agency's leader closes it with every result (``linked_dossier_finish``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.core.links import absolute_url
from opendvc.core.prepared import PreparedRead, first_row
from opendvc.core.problems import ProblemError
from opendvc.core.statemachine import Act, ActionSpec, Outcome, StateMachine
from opendvc.dossiers.lifecycle import Action as DossierAction
from opendvc.dossiers.lifecycle import State as DossierState
from opendvc.dossiers.models import Dossier
from opendvc.dossiers.services import dossier_act, staff_roles_at
from opendvc.notifications.services import notify
from opendvc.worktime import (
    add_working_time,
    calendar_for_agency,
    timeliness,
    to_local,
    working_hours_between,
)

from .models import (
    TERMINAL_PART_STATES,
    Handoff,
    LinkedDossier,
    LinkedMember,
    LinkedProcedure,
    MemberAgency,
    MemberRole,
    Part,
    PartEvent,
    PartResultFile,
    PartState,
)
from .selectors import is_applicant
from .signals import part_acted

S = PartState
APPLICANT, RECEIVING, PROCESSING, LEADER, SYSTEM = (
    "applicant",
    "receiving_officer",
    "processing_officer",
    "leader",
    "system",
)


class PartAction:
    ACCEPT = "accept"
    REQUEST_COMPLETION = "request_completion"
    SUPPLY = "supply"
    REFUSE = "refuse"
    COMPLETE = "complete"
    CANCEL = "cancel"


ACTION_LABELS = {
    PartAction.ACCEPT: gettext_lazy("Nhận hồ sơ liên thông"),
    PartAction.REQUEST_COMPLETION: gettext_lazy("Yêu cầu bổ sung, hoàn thiện"),
    PartAction.SUPPLY: gettext_lazy("Nộp bổ sung"),
    PartAction.REFUSE: gettext_lazy("Từ chối giải quyết"),
    PartAction.COMPLETE: gettext_lazy("Có kết quả"),
    PartAction.CANCEL: gettext_lazy("Không thực hiện"),
    "pause": gettext_lazy("Tạm dừng chờ bổ sung"),
    "resume": gettext_lazy("Tiếp tục giải quyết"),
    "handoff": gettext_lazy("Chuyển hồ sơ"),
}


def _deadline(start: datetime, amount: Decimal, unit: str, agency) -> datetime:
    value = int(amount) if amount == amount.to_integral_value() else amount
    return add_working_time(start, value, unit, calendar=calendar_for_agency(agency))


# -- the part's handlers ------------------------------------------------------------------------------


def _on_accept(part: Part, inputs, *, now, role, actor) -> Outcome:
    member = part.member
    due = _deadline(now, member.allotment_amount, member.allotment_unit, part.agency)
    handoff = part.handoffs_in.filter(accepted_at=None).order_by("-sent_at").first()
    if handoff is not None:
        handoff.accepted_at, handoff.accepted_by = now, actor
        handoff.on_time_class = timeliness(done_at=now, due_at=handoff.due_at)
        handoff.save(update_fields=["accepted_at", "accepted_by", "on_time_class"])
    return Outcome(
        {"started_at": now, "due_at": due, "officer": actor},
        {"due_at": due.isoformat(), "handoff_class": handoff.on_time_class if handoff else ""},
    )


def _pause(part: Part, now: datetime) -> dict[str, Any]:
    return {"paused_at": now} if part.paused_at is None else {}


def _resume(part: Part, now: datetime) -> dict[str, Any]:
    """The due instant moves by the working hours the part waited (DOMAIN: the clock is paused while
    waiting for the applicant and resumes with the time that remained)."""
    if part.paused_at is None or part.due_at is None:
        return {"paused_at": None}
    waited = working_hours_between(part.paused_at, now, calendar=calendar_for_agency(part.agency))
    due = (
        add_working_time(
            part.due_at, waited, "working_hours", calendar=calendar_for_agency(part.agency)
        )
        if waited > 0
        else part.due_at
    )
    return {"paused_at": None, "due_at": due}


def _on_request_completion(part: Part, inputs, *, now, role, actor) -> Outcome:
    return Outcome(
        {
            **_pause(part, now),
            "completion_items": inputs["items"],
            "reason": inputs["reason"],
            "officer": actor,
        },
        {"items": inputs["items"]},
    )


def _on_supply(part: Part, inputs, *, now, role, actor) -> Outcome:
    fields = _resume(part, now)
    return Outcome(
        {**fields, "completion_items": []},
        {"due_at": fields["due_at"].isoformat()} if fields.get("due_at") else {},
    )


def _finish(part: Part, now: datetime) -> dict[str, Any]:
    return {
        "finished_at": now,
        "on_time_class": timeliness(done_at=now, due_at=part.due_at) if part.due_at else "",
    }


def _on_refuse(part: Part, inputs, *, now, role, actor) -> Outcome:
    return Outcome({**_finish(part, now), "reason": inputs["reason"], "officer": actor})


def _on_complete(part: Part, inputs, *, now, role, actor) -> Outcome:
    return Outcome({**_finish(part, now), "result": inputs["result"], "officer": actor})


def _on_cancel(part: Part, inputs, *, now, role, actor) -> Outcome:
    return Outcome({"finished_at": now, "reason": inputs["reason"]})


STAFF_ACCEPT = frozenset({RECEIVING, PROCESSING, LEADER})
STAFF_DECIDE = frozenset({PROCESSING, LEADER})
OPEN = frozenset({S.PROCESSING})

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        PartAction.ACCEPT,
        frozenset({S.HANDED_OFF}),
        S.PROCESSING,
        STAFF_ACCEPT | {SYSTEM},
        optional=("note",),
        handler=_on_accept,
    ),
    ActionSpec(
        PartAction.REQUEST_COMPLETION,
        OPEN,
        S.COMPLETION_REQUESTED,
        STAFF_DECIDE,
        required=("reason", "items"),
        handler=_on_request_completion,
        notice="linked_part_completion",
    ),
    ActionSpec(
        PartAction.SUPPLY,
        frozenset({S.COMPLETION_REQUESTED}),
        S.PROCESSING,
        frozenset({APPLICANT}),
        optional=("note",),
        handler=_on_supply,
    ),
    # Decree 61/2018/NĐ-CP Art. 15: a refusal states its reason.
    ActionSpec(
        PartAction.REFUSE,
        OPEN,
        S.REFUSED,
        frozenset({LEADER}),
        required=("reason",),
        handler=_on_refuse,
        notice="linked_part_refused",
    ),
    ActionSpec(
        PartAction.COMPLETE,
        OPEN,
        S.DONE,
        frozenset({LEADER}),
        required=("result",),
        optional=("note",),
        handler=_on_complete,
        notice="linked_part_done",
    ),
    ActionSpec(
        PartAction.CANCEL,
        frozenset({S.WAITING, S.HANDED_OFF}),
        S.CANCELLED,
        frozenset({SYSTEM}),
        required=("reason",),
        handler=_on_cancel,
    ),
)


class PartMachine(StateMachine):
    domain = "linked_part"
    model = Part
    signal = part_acted
    table = ACTIONS
    required_messages = {
        "reason": gettext_lazy("Phải nêu lý do."),
        "items": gettext_lazy("Phải liệt kê các giấy tờ, nội dung cần bổ sung."),
        "result": gettext_lazy("Phải ghi kết quả giải quyết (tên, số giấy tờ)."),
    }

    def lock(self, row):
        return (
            Part.objects.select_for_update(of=("self",))
            .select_related("member", "member__bundle", "agency", "dossier")
            .get(pk=row.pk)
        )

    def roles_of(self, row, actor, spec: ActionSpec, **context: Any) -> set[str]:
        if not getattr(actor, "is_authenticated", False):
            return set()
        roles = set(staff_roles_at(actor, row.agency_id))
        if is_applicant(actor, row.dossier):
            roles.add(APPLICANT)
        return roles

    def normalise(self, name: str, value: Any) -> Any:
        if name == "items" and isinstance(value, str):
            value = value.splitlines()
        if name == "items" and isinstance(value, list | tuple):
            # Blank items ask for nothing: the list is then empty, and the action's check refuses it.
            value = [str(item).strip() for item in value if item is not None and str(item).strip()]
        return super().normalise(name, value)

    def denied(self, row, spec: ActionSpec) -> ProblemError:
        return ProblemError(
            "permission_denied",
            _("Bạn không có quyền “%(action)s” đối với phần hồ sơ của %(agency)s.")
            % {"action": ACTION_LABELS[spec.action], "agency": row.agency.name},
            status=403,
        )

    def not_open(self, row, spec: ActionSpec) -> ProblemError:
        return ProblemError(
            "conflict",
            _("Phần hồ sơ đang ở trạng thái “%(state)s”; không thể “%(action)s”.")
            % {"state": PartState(row.status).label, "action": ACTION_LABELS[spec.action]},
            status=409,
            extra={"state": row.status, "version": row.version},
        )

    def append_event(self, act: Act) -> PartEvent:
        return PartEvent.objects.create(
            part=act.row,
            at=act.now,
            actor=act.actor if not act.system else None,
            actor_label=_("Hệ thống")
            if act.system
            else (getattr(act.actor, "full_name", "") or str(act.actor))[:200],
            action=act.spec.action,
            from_state=act.from_state,
            to_state=act.to_state,
            note=act.inputs.get("reason")
            or act.inputs.get("note")
            or act.inputs.get("result")
            or "",
            data={
                k: v
                for k, v in {**act.inputs, **act.outcome.data}.items()
                if k not in ("note", "reason")
            },
        )

    def notify(self, act: Act) -> None:
        part = act.row
        dossier = part.dossier
        notify(
            template=act.spec.notice,
            recipient=dossier.applicant,
            context={
                "code": dossier.code or "",
                "part": part.member.name,
                "agency": part.agency.name,
                "reason": act.inputs.get("reason", ""),
                "result": act.inputs.get("result", ""),
                "items": "\n".join(f"- {i}" for i in act.inputs.get("items") or []),
                "url": absolute_url("linked:dossier", args=[dossier.public_id]),
            },
        )


MACHINE = PartMachine()


def _system_event(
    part: Part, action: str, *, now: datetime, note: str = "", data: dict | None = None
) -> None:
    PartEvent.objects.create(
        part=part,
        at=now,
        actor=None,
        actor_label=_("Hệ thống"),
        action=action,
        from_state=part.status,
        to_state=part.status,
        note=note,
        data=data or {},
    )


def _handoff(*, part: Part, from_part: Part | None, now: datetime) -> Handoff:
    """Hand the file to ``part``'s agency: the part waits for that agency to accept it, on the hand-off's
    own clock (the member's ``handoff_amount``; 0 = by the next opening)."""
    member = part.member
    due = (
        _deadline(now, member.handoff_amount, member.handoff_unit, part.agency)
        if member.handoff_amount
        else add_working_time(now, 0, "working_hours", calendar=calendar_for_agency(part.agency))
    )
    handoff = Handoff.objects.create(
        dossier=part.dossier, from_part=from_part, to_part=part, sent_at=now, due_at=due
    )
    Part.objects.filter(pk=part.pk).update(
        status=S.HANDED_OFF, version=part.version + 1, updated_at=now
    )
    PartEvent.objects.create(
        part=part,
        at=now,
        actor=None,
        actor_label=_("Hệ thống"),
        action="handoff",
        from_state=S.WAITING,
        to_state=S.HANDED_OFF,
        note=from_part.agency.name if from_part else _("Bộ phận một cửa"),
        data={"due_at": due.isoformat(), "from": from_part.member.key if from_part else ""},
    )
    return handoff


def _member_map(dossier: Dossier) -> dict[str, Part]:
    return {
        p.member.key: p
        for p in Part.objects.filter(dossier=dossier).select_related("member", "agency")
    }


def _follow(*, part: Part, now: datetime) -> None:
    """After ``part`` ended: hand off to the members whose every predecessor has its result; cancel,
    with the reason, the members that need a refused or cancelled part."""
    parts = _member_map(part.dossier)
    changed = True
    while changed:
        changed = False
        for p in parts.values():
            if p.status != S.WAITING:
                continue
            before = [parts[k] for k in p.member.after if k in parts]
            failed = [b for b in before if b.status in (S.REFUSED, S.CANCELLED)]
            if failed:
                MACHINE.act(
                    row=p,
                    action=PartAction.CANCEL,
                    actor=None,
                    system=True,
                    inputs={
                        "reason": _(
                            "Không thực hiện vì phần “%(part)s” (%(agency)s) không có kết quả."
                        )
                        % {"part": failed[0].member.name, "agency": failed[0].agency.name}
                    },
                )
                p.refresh_from_db()
                changed = True
            elif before and all(b.status == S.DONE for b in before):
                _handoff(part=p, from_part=max(before, key=lambda b: b.finished_at), now=now)
                p.refresh_from_db()
                changed = True


def _pause_others(*, part: Part, now: datetime, resume: bool) -> None:
    """The bundle's rule ``wait_all``: the other open parts wait (clock paused) while one waits for the
    applicant, and resume together."""
    if part.member.bundle.completion_rule != LinkedProcedure.CompletionRule.WAIT_ALL:
        return
    others = (
        Part.objects.select_for_update()
        .filter(dossier=part.dossier, status=S.PROCESSING)
        .exclude(pk=part.pk)
    )
    if resume and Part.objects.filter(dossier=part.dossier, status=S.COMPLETION_REQUESTED).exists():
        return  # another part still waits for the applicant
    for other in others.select_related("agency"):
        fields = _resume(other, now) if resume else _pause(other, now)
        if not fields:
            continue
        for k, v in fields.items():
            setattr(other, k, v)
        other.save(update_fields=[*fields, "updated_at"])
        _system_event(other, "resume" if resume else "pause", now=now, note=part.member.name)


def part_act(
    *,
    part: Part,
    action: str,
    actor,
    system: bool = False,
    request=None,
    expected_version: int | None = None,
    **inputs: Any,
) -> Part:
    """Apply ``action`` to one agency's part of a linked dossier.

    Side effects, in one transaction: the part's state and clock (accept starts the agency's allotment;
    a completion request pauses it, the supply resumes it with the time that remained), a ``PartEvent``,
    the audit entry, the notice to the applicant; then: a result hands the file to the next agencies
    (``Handoff``, each with its own clock); a refusal cancels the parts that need it (the others go on);
    under the bundle's ``wait_all`` rule a completion request pauses the other open parts. Raises
    ``ProblemError`` as ``dossier_act`` does (409, 403, 422); nothing changes when it raises."""
    with transaction.atomic():
        act = MACHINE.act(
            row=part,
            action=action,
            actor=actor,
            system=system,
            request=request,
            expected_version=expected_version,
            inputs=inputs,
        )
        done = act.row
        if action == PartAction.COMPLETE:
            part_result_files_issue(part=done)
        if action in (PartAction.COMPLETE, PartAction.REFUSE):
            _follow(part=done, now=act.now)
        elif action == PartAction.REQUEST_COMPLETION:
            _pause_others(part=done, now=act.now, resume=False)
        elif action == PartAction.SUPPLY:
            _pause_others(part=done, now=act.now, resume=True)
    return done


# -- the one dossier ------------------------------------------------------------------------------------


# Asked at every intake (is the dossier part of a linked procedure?): the statements built once per
# process (``core.prepared``).
_MARKED = PreparedRead(
    lambda dossier_id: first_row(LinkedDossier.objects.filter(dossier=dossier_id).select_related("bundle")),
    1,
)
_CATALOG_BUNDLE = PreparedRead(
    lambda procedure_id: first_row(
        LinkedProcedure.objects.filter(procedure_id=procedure_id, is_active=True)
    ),
    1,
)


_OPEN_PART = PreparedRead(
    lambda dossier_id: Part.objects.filter(dossier=dossier_id)
    .exclude(status__in=sorted(str(state) for state in TERMINAL_PART_STATES))
    .values("pk")[:1],
    1,
)


def part_open(dossier: Dossier) -> bool:
    """Whether an agency's part of the (linked) dossier is still being handled (asked at every
    approval)."""
    return bool(_OPEN_PART.list(dossier.pk))


def bundle_of(dossier: Dossier) -> LinkedProcedure | None:
    """The linked procedure a dossier was filed for: marked at filing (``LinkedDossier``), or the
    dossier's procedure is a linked procedure of the catalog."""
    marked = _MARKED.first(dossier.pk)
    if marked is not None:
        return marked.bundle
    return _CATALOG_BUNDLE.first(dossier.procedure_id)


def member_agency_for(*, member: LinkedMember, receiving_agency):
    """The agency that takes ``member``'s part of a dossier received by ``receiving_agency``: the
    commune's police or social insurance office as mapped for that commune (``MemberAgency``, edited in
    the admin), a fixed agency when the member names one, else the receiving agency itself. Raises
    ``ProblemError`` (409 ``member_agency_missing``) naming the commune and the office when no mapping
    exists — the dossier cannot be handed to an agency nobody named."""
    if member.agency_role:
        mapped = (
            MemberAgency.objects.filter(receiving_agency=receiving_agency, role=member.agency_role)
            .select_related("agency")
            .first()
        )
        if mapped is not None:
            return mapped.agency
        message = _(
            "Chưa khai báo %(role)s nhận phần “%(part)s” của hồ sơ liên thông tiếp nhận tại "
            "%(agency)s. Quản trị viên cần khai báo trong mục “Cơ quan liên thông theo xã tiếp "
            "nhận” của trang quản trị."
        ) % {
            "role": MemberRole(member.agency_role).label,
            "part": member.name,
            "agency": receiving_agency.name,
        }
        raise ProblemError(
            "member_agency_missing",
            message,
            status=409,
            extra={
                "errors": [{"path": f"members.{member.key}.agency", "message": message}],
                "role": member.agency_role,
            },
        )
    return member.agency or receiving_agency


def linked_agencies_check(*, bundle: LinkedProcedure, receiving_agency) -> dict[str, object]:
    """Every member's agency for a dossier received by ``receiving_agency`` (member key → agency);
    raises ``ProblemError`` (409) as ``member_agency_for`` for the first member without one."""
    return {
        m.key: member_agency_for(member=m, receiving_agency=receiving_agency)
        for m in bundle.members.select_related("agency").order_by("position")
    }


def _agency_for(member: LinkedMember, dossier: Dossier):
    return member_agency_for(member=member, receiving_agency=dossier.receiving_agency)


def linked_parts_open(*, dossier: Dossier, bundle: LinkedProcedure | None = None) -> list[Part]:
    """Create the parts of a received linked dossier (one per member agency) and hand the file to the
    members that start at intake, from the one-stop office. Idempotent: a dossier whose parts exist is
    left as it is. Side effects: ``Part``, ``Handoff`` and ``PartEvent`` rows."""
    bundle = bundle or bundle_of(dossier)
    if bundle is None:
        return []
    with transaction.atomic():
        Dossier.objects.select_for_update().filter(pk=dossier.pk).first()
        existing = list(Part.objects.filter(dossier=dossier))
        if existing:
            return existing
        now = dossier.received_at or timezone.now()
        parts = [
            Part.objects.create(dossier=dossier, member=m, agency=_agency_for(m, dossier))
            for m in bundle.members.order_by("position")
        ]
        for part in parts:
            if not part.member.after:
                _handoff(part=part, from_part=None, now=now)
    return list(Part.objects.filter(dossier=dossier).select_related("member", "agency"))


def linked_dossier_finish(*, dossier: Dossier, actor, request=None) -> Dossier:
    """Close the one dossier when every part has ended: the receiving agency's leader approves it with
    every result (``dossier_act`` ``approve``; the one-stop office then returns them), or stops it
    with the reasons when no part has a result. Raises ``ProblemError`` (409) while a part is open."""
    parts = list(Part.objects.filter(dossier=dossier).select_related("member", "agency"))
    if not parts or any(p.status not in TERMINAL_PART_STATES for p in parts):
        raise ProblemError(
            "conflict", _("Còn phần hồ sơ đang giải quyết ở cơ quan liên thông."), status=409
        )
    results = [
        f"{p.member.name} ({p.agency.name}): {p.result}" for p in parts if p.status == S.DONE
    ]
    refusals = [
        f"{p.member.name} ({p.agency.name}): {p.reason}" for p in parts if p.status != S.DONE
    ]
    if results:
        text = "; ".join(results) + (
            "" if not refusals else " — " + _("Không có kết quả: ") + "; ".join(refusals)
        )
        return dossier_act(
            dossier=dossier, action=DossierAction.APPROVE, actor=actor, request=request, result=text
        )
    return dossier_act(
        dossier=dossier,
        action=DossierAction.STOP,
        actor=actor,
        request=request,
        reason="; ".join(refusals),
    )


def dossier_start_linked(*, dossier: Dossier) -> None:
    """On intake of a linked dossier: the system moves it to processing and opens its parts."""
    if bundle_of(dossier) is None:
        return
    if dossier.status == DossierState.RECEIVED:
        dossier = dossier_act(
            dossier=dossier,
            action=DossierAction.START_PROCESSING,
            actor=None,
            system=True,
            note=str(_("Chuyển các cơ quan liên thông")),
        )
    linked_parts_open(dossier=dossier)


def local(value):
    return to_local(value) if value else None


# -- the result files of a part -------------------------------------------------------------------------

RESULT_FILE_STATES = frozenset({S.PROCESSING, S.DONE})


def part_result_file_add(
    *, part: Part, checked, actor, title: str = "", request=None
) -> PartResultFile:
    """Attach a result document of ``part``'s agency, uploaded by that part's leader (a file already
    passed through the portal's upload check, ``core.uploads.check_file``). While the part is open the
    file waits for the result; once the part has its result it is placed at once in the applicant's
    document store. Side effects: the stored bytes, a ``PartResultFile``, a ``PartEvent``, the audit
    entry. Raises ``ProblemError``: 403 for anyone but the leader of the part's agency, 409 when the
    part was refused or is not being handled."""
    from opendvc.audit.services import audit_record
    from opendvc.core.files import removed_on_error

    if LEADER not in set(staff_roles_at(actor, part.agency_id)):
        raise ProblemError(
            "permission_denied",
            _("Chỉ lãnh đạo của %(agency)s mới được tải lên kết quả của phần này.")
            % {"agency": part.agency.name},
            status=403,
        )
    stored: list[str] = []
    with removed_on_error(stored), transaction.atomic():
        locked = (
            Part.objects.select_for_update(of=("self",))
            .select_related("member", "agency", "dossier")
            .get(pk=part.pk)
        )
        if locked.status not in RESULT_FILE_STATES:
            raise ProblemError(
                "conflict",
                _("Phần hồ sơ đang ở trạng thái “%(state)s”; không thể tải lên kết quả.")
                % {"state": PartState(locked.status).label},
                status=409,
                extra={"state": locked.status},
            )
        row = PartResultFile(
            part=locked,
            original_name=checked.name[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            title=(title or locked.member.result_name or checked.name).strip()[:300],
            uploaded_by=actor,
        )
        row.file.save(checked.name, ContentFile(checked.content), save=False)
        stored.append(row.file.name)
        row.save()
        PartEvent.objects.create(
            part=locked,
            at=timezone.now(),
            actor=actor,
            actor_label=(getattr(actor, "full_name", "") or str(actor))[:200],
            action="result_file",
            from_state=locked.status,
            to_state=locked.status,
            note=row.title,
            data={"name": row.original_name, "sha256": row.sha256, "size": row.size},
        )
        audit_record(
            actor=actor,
            action="linked.result_file",
            target=row,
            changes={"part": locked.pk, "name": row.original_name, "sha256": row.sha256},
            request=request,
        )
        if locked.status == S.DONE:
            part_result_files_issue(part=locked)
    return row


def part_result_files_issue(*, part: Part) -> list:
    """Place every result file of ``part`` not yet there in the applicant's document store (by
    reference to the stored bytes, no copy), issued by the part's agency (Regulation QĐ 31/2020/QĐ-UBND
    Art. 6.2). Idempotent."""
    from opendvc.vault.models import StoredDocument

    dossier = part.dossier
    placed = []
    for row in PartResultFile.objects.filter(part=part, vault_entry__isnull=True):
        doc = StoredDocument.objects.create(
            owner=dossier.applicant,
            organisation=dossier.acting_for,
            source=StoredDocument.Source.RESULT,
            document_type=(part.member.result_name or row.title)[:200],
            title=f"{row.title} — {dossier.code or ''}"[:300],
            issuer=part.agency.name[:300],
            number=(dossier.code or "")[:100],
            issued_on=to_local(timezone.now()).date(),
            original_name=row.original_name,
            file=row.file.name,
            sha256=row.sha256,
            size=row.size,
            content_type=row.content_type,
        )
        PartResultFile.objects.filter(pk=row.pk).update(vault_entry=doc)
        placed.append(doc)
    return placed
