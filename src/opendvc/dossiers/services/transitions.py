"""The dossier's action table and ``dossier_act``, the one entry every page, the API, the jobs and the
payment gateway use to act on a dossier (docs/adr/0005).

Each row of ``ACTIONS`` says, for one action: from which states it is open, the state it leads to
(``None``: the state stays), who may take it, its inputs, what it does besides changing the state
(``handler``), the notice the applicant gets and the documents issued. ``DossierMachine`` runs the
rows on the engine of ``opendvc.core.statemachine``: one transaction with the dossier row locked, the
history line (``DossierEvent``), the documents (PDF), the audit entry, the notice (rows written in the
transaction, delivered after commit) and, on commit, the ``dossier_acted`` signal.

Legal sources: Regulation (QĐ 31/2020/QĐ-UBND) Art. 6 (the applicant files online), Art. 13.4
(officers receive online dossiers on working days), Art. 14.4 (the applicant supplements or amends);
Decree 61/2018/NĐ-CP Art. 15 (return for completion lists every missing item once, refusal states the
reason), Art. 19 (receipt with the appointment date; apology with a new date).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opendvc.accounts.permissions import can_act_for
from opendvc.agencies.selectors import TREE_ROLES, active_roles, descendant_ids
from opendvc.core.links import absolute_url
from opendvc.core.prepared import PreparedRead, row_insert, row_update
from opendvc.core.problems import ProblemError
from opendvc.core.statemachine import Act, ActionSpec, StateMachine, too_long
from opendvc.notifications.services import notify
from opendvc.workflow.services import holds_turn, open_run
from opendvc.worktime import to_local

from ..documents import documents_schedule, issue_document
from ..lifecycle import (
    FINISHING_STATES,
    Action,
    Document,
    Role,
    State,
    StepAction,
    action_label,
    state_label,
)
from ..models import Dossier, DossierDocument, DossierEvent
from ..returns import CHOICE_STATES, on_choose_return
from ..returns import METHODS as RETURN_METHODS
from ..signals import dossier_acted
from . import filing, late, processing, steps

S, A, R, D = State, Action, Role, Document
APPLICANT = frozenset({R.APPLICANT})
RECEIVING = frozenset({R.RECEIVING_OFFICER})
STEP_HOLDER = frozenset({R.STEP_HOLDER})
# States in which the dossier is being handled with a due date: where an apology may be issued.
HANDLING = frozenset(
    {S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUIRED, S.RESULT_READY}
)


def _from(*states: str) -> frozenset[str]:
    return frozenset(states)


ACTIONS: tuple[ActionSpec, ...] = (
    # Online: the applicant files; at the counter or by post, the receiving officer files for them.
    # ``declaration``: the applicant's "Tôi xin cam đoan…" (Regulation Art. 14.5), required online. The
    # applicant's acknowledgement is the notice (no document).
    ActionSpec(
        A.SUBMIT,
        _from(S.DRAFT),
        S.SUBMITTED,
        frozenset({R.APPLICANT, R.RECEIVING_OFFICER}),
        optional=("declaration",),
        handler=filing.on_submit,
        notice="dossier_submitted",
    ),
    ActionSpec(A.DELETE, _from(S.DRAFT), S.DELETED, APPLICANT),
    # The system receives a complete online dossier of a procedure marked for automatic intake
    # (``catalog.Procedure.auto_receive``; ``dossier_act``).
    ActionSpec(
        A.RECEIVE,
        _from(S.SUBMITTED),
        S.RECEIVED,
        frozenset({R.RECEIVING_OFFICER, R.SYSTEM}),
        optional=("note", "due_at"),
        handler=filing.on_receive,
        notice="dossier_received",
        documents=(D.RECEIPT,),
    ),
    ActionSpec(
        A.RETURN_FOR_COMPLETION,
        _from(S.SUBMITTED),
        S.RETURNED_FOR_COMPLETION,
        RECEIVING,
        required=("items",),
        optional=("note",),
        handler=filing.on_return_for_completion,
        notice="dossier_returned_for_completion",
        documents=(D.COMPLETION_REQUEST,),
    ),
    ActionSpec(
        A.REFUSE,
        _from(S.SUBMITTED),
        S.REFUSED,
        RECEIVING,
        required=("reason",),
        notice="dossier_refused",
        documents=(D.REFUSAL,),
    ),
    ActionSpec(A.WITHDRAW, _from(S.SUBMITTED), S.WITHDRAWN, APPLICANT, optional=("reason",)),
    ActionSpec(
        A.RESUBMIT,
        _from(S.RETURNED_FOR_COMPLETION),
        S.SUBMITTED,
        APPLICANT,
        optional=("note", "declaration"),
        handler=filing.on_resubmit,
        notice="dossier_submitted",
    ),
    ActionSpec(
        A.START_PROCESSING,
        _from(S.RECEIVED),
        S.PROCESSING,
        frozenset({R.RECEIVING_OFFICER, R.SYSTEM}),
        optional=("note",),
        handler=processing.on_start_processing,
    ),
    # The system's rights on REQUEST_SUPPLEMENT, STOP and APPROVE are those of an agency that processes in
    # its one-stop software: its outcome comes back through the signed webhook
    # (``integrations.onestop.inbound``, Regulation QĐ 31/2020/QĐ-UBND Art. 9.2, 10.2).
    ActionSpec(
        A.REQUEST_SUPPLEMENT,
        _from(S.PROCESSING),
        S.SUPPLEMENT_REQUESTED,
        frozenset({R.PROCESSING_OFFICER, R.LEADER, R.SYSTEM}),
        required=("items",),
        optional=("note",),
        handler=processing.on_request_supplement,
        notice="dossier_supplement_requested",
        documents=(D.SUPPLEMENT_NOTICE,),
    ),
    # ``files``: ids of the applicant's uploads (``POST /files``); at least one supplementary file is
    # required (``filing.on_supply``, Regulation Art. 14.4).
    ActionSpec(
        A.SUPPLY,
        _from(S.SUPPLEMENT_REQUESTED),
        S.PROCESSING,
        APPLICANT,
        optional=("note", "files"),
        handler=filing.on_supply,
    ),
    ActionSpec(
        A.REQUIRE_PAYMENT,
        _from(S.PROCESSING),
        S.PAYMENT_REQUIRED,
        frozenset({R.PROCESSING_OFFICER, R.SYSTEM}),
        required=("fees",),
        optional=("note",),
        handler=processing.on_require_payment,
        notice="dossier_payment_required",
    ),
    # Fees are settled by an officer recording a counter payment or by the system on a payment the
    # gateway confirmed — never by the applicant's word (Regulation Art. 2.13: online payment is a
    # level-4 service, confirmed by the payment platform).
    ActionSpec(
        A.PAY,
        _from(S.PAYMENT_REQUIRED),
        S.PROCESSING,
        frozenset({R.RECEIVING_OFFICER, R.SYSTEM}),
        required=("receipt_number",),
        optional=("note",),
        handler=processing.on_pay,
        documents=(D.PAYMENT_RECEIPT,),
    ),
    ActionSpec(
        A.STOP,
        _from(S.PROCESSING),
        S.STOPPED,
        frozenset({R.LEADER, R.SYSTEM}),
        required=("reason",),
        handler=processing.on_stop,
        notice="dossier_stopped",
        documents=(D.STOP_NOTICE,),
    ),
    ActionSpec(
        A.APPROVE,
        _from(S.PROCESSING),
        S.RESULT_READY,
        frozenset({R.LEADER, R.SYSTEM}),
        required=("result",),
        optional=("note", "result_files"),
        handler=processing.on_approve,
        notice="dossier_result_ready",
        documents=(D.RESULT,),
    ),
    # The system returns an online result when it is issued to the applicant (``vault.services.result_issue``).
    ActionSpec(
        A.RETURN_RESULT,
        _from(S.RESULT_READY),
        S.RETURNED,
        frozenset({R.RECEIVING_OFFICER, R.POSTAL_OPERATOR, R.SYSTEM}),
        required=("method",),
        optional=("note", "recipient", "identity_document"),
        handler=processing.on_return_result,
        documents=(D.DELIVERY_RECORD,),
    ),
    # Not moving the state: the apology with a new appointment (Decree 61/2018/NĐ-CP Art. 19.4) ...
    ActionSpec(
        A.APOLOGY,
        HANDLING,
        None,
        late.APOLOGY_ROLES,
        required=("reason",),
        optional=("new_due_at",),
        handler=late.on_apology,
        check=late.check_apology,
        notice="dossier_apology",
        documents=(D.APOLOGY,),
    ),
    # ... the applicant's choice of how to receive the result (Regulation Art. 6.4: online from level 4,
    # at the one-stop office, by post to an address), changeable until the result is returned or handed
    # to the post (``returns.on_choose_return``; a draft keeps it without a history line,
    # ``services.dossier_update_draft``) ...
    ActionSpec(
        A.CHOOSE_RETURN,
        CHOICE_STATES - {S.DRAFT},
        None,
        APPLICANT,
        required=("return_method",),
        optional=("return_address",),
        handler=on_choose_return,
    ),
    # ... and the hand-overs between internal steps, recorded on the steps (``opendvc.workflow``).
    # ``step``: the open step the page showed (``StepRun`` id); a hand-over of a step already left (the
    # same button pressed twice) is refused, since a hand-over does not bump the dossier's version.
    ActionSpec(
        StepAction.CLAIM,
        _from(S.PROCESSING),
        None,
        STEP_HOLDER,
        optional=("step",),
        handler=steps.on_claim,
        records_event=False,
        audit_action="workflow.step_claim",
    ),
    ActionSpec(
        StepAction.FORWARD,
        _from(S.PROCESSING),
        None,
        STEP_HOLDER,
        optional=("note", "step"),
        handler=steps.on_forward,
        records_event=False,
        audit_action="workflow.step_forward",
    ),
    ActionSpec(
        StepAction.SEND_BACK,
        _from(S.PROCESSING),
        None,
        STEP_HOLDER,
        required=("reason",),
        optional=("step",),
        handler=steps.on_send_back,
        records_event=False,
        audit_action="workflow.step_send_back",
    ),
)

STAFF_ROLES = frozenset(
    {Role.RECEIVING_OFFICER, Role.PROCESSING_OFFICER, Role.LEADER, Role.POSTAL_OPERATOR}
)


def staff_roles_at(actor, agency) -> set[str]:
    """Staff lifecycle roles ``actor`` holds over ``agency`` (an Agency or its id): a role held in
    the agency itself, or a leader's held in an agency above it (``agencies.selectors
    .visible_agency_ids``: leaders see the agencies below theirs). The agency tree is read only for a
    leader's role held elsewhere (one statement fewer for a leader acting in their own agency)."""
    agency_id = getattr(agency, "pk", agency)
    out: set[str] = set()
    above: list[int] = []
    for sr in active_roles(actor):
        if sr.role not in STAFF_ROLES:
            continue
        if sr.agency_id == agency_id:
            out.add(sr.role)
        elif sr.role in TREE_ROLES:
            above.append(sr.agency_id)
    if Role.LEADER not in out and any(agency_id in descendant_ids(pk) for pk in above):
        out.add(Role.LEADER)
    return out


def actor_roles(*, dossier: Dossier, actor, applicant_suffices: bool = False) -> set[str]:
    """The lifecycle roles ``actor`` holds on ``dossier``: ``applicant`` for the applicant (or a member
    of the organisation they act for); a staff role when it is held in the receiving agency (or above
    it, for leaders and heads — ``agencies.selectors.visible_agency_ids``). With ``applicant_suffices``
    the staff roles are not looked up once the actor is known to be the applicant."""
    roles: set[str] = set()
    if not getattr(actor, "is_authenticated", False):
        return roles
    if dossier.applicant_id == actor.pk or (
        dossier.acting_for_id and can_act_for(actor, dossier.acting_for)
    ):
        roles.add(Role.APPLICANT)
        if applicant_suffices:
            return roles
    roles |= staff_roles_at(actor, dossier.receiving_agency_id)
    return roles


REQUIRED_MESSAGES: dict[Any, Any] = {
    "reason": gettext_lazy("Phải nêu lý do."),
    "items": gettext_lazy("Phải liệt kê đầy đủ các giấy tờ, nội dung cần bổ sung, hoàn thiện."),
    "fees": gettext_lazy("Phải nêu các khoản phí, lệ phí."),
    "receipt_number": gettext_lazy("Phải nhập số biên lai."),
    "result": gettext_lazy("Phải có kết quả giải quyết."),
    "method": gettext_lazy("Phải chọn hình thức trả kết quả."),
    "return_method": gettext_lazy("Hãy chọn hình thức nhận kết quả."),
    (Action.APOLOGY, "reason"): gettext_lazy("Phải nêu lý do chậm trả kết quả."),
    (StepAction.SEND_BACK, "reason"): gettext_lazy("Phải nêu lý do trả lại."),
}


def _label(action: str) -> str:
    return str(StepAction(action).label) if action in StepAction.values else action_label(action)


# The dossier locked for an action, with what the handlers, documents and notices read: the statement
# built once per process (``core.prepared``) instead of by the ORM at every action.
_LOCKED = PreparedRead(
    lambda pk: (
        Dossier.objects.select_for_update(of=("self",))
        .select_related(
            "procedure", "procedure_version", "receiving_agency", "applicant", "acting_for"
        )
        .filter(pk=pk)
    ),
    1,
)


# Inputs the history line does not copy: the note (its own column) and the postal address typed for a
# return, whose phone number stays out of the append-only history (the handler records the address).
UNRECORDED_INPUTS = frozenset({"note", "return_address"})


# The papers or changes an agency asks for (completion, supplement): a line each, a list that fits a
# notice.
ITEMS_MAX = 50
ITEM_MAX = 500

# Inputs that are a line or a few lines of text (the API's schema types them so; a peer's JSON, such as
# the one-stop software's webhook, may send anything): a number, a list or an object there was copied
# into the history, the national portal's progress message and the notices, and failed there (a 500).
TEXT_INPUTS = frozenset(
    {"reason", "note", "result", "receipt_number", "method", "recipient", "identity_document"}
)


class DossierMachine(StateMachine):
    domain = "dossier"
    model = Dossier
    signal = dossier_acted
    table = ACTIONS
    required_messages = REQUIRED_MESSAGES
    # Notes, reasons, the recipient's name… are a few lines; the result's text is printed on the
    # result (a decision may run to pages). A megabyte of text in a reason was stored and shown.
    text_max = 2000
    text_limits = {"result": 20000}

    def lock(self, row):
        locked = _LOCKED.first(row.pk)
        if locked is None:
            raise Dossier.DoesNotExist(f"dossier {row.pk}")
        return locked

    def save(self, row, fields: list[str]) -> None:
        # The fields the action set, and ``updated_at``, in one UPDATE built once per set of fields
        # (no receiver listens to the dossier's save signals: the domain's signal is ``dossier_acted``).
        row_update(row, list(dict.fromkeys([*fields, "updated_at"])))

    def roles_of(self, row, actor, spec: ActionSpec, **context: Any) -> set[str]:
        if spec.roles == STEP_HOLDER:
            if not getattr(actor, "is_authenticated", False):
                return set()
            claiming = spec.action == StepAction.CLAIM
            return (
                {Role.STEP_HOLDER}
                if holds_turn(user=actor, run=open_run(row), claiming=claiming)
                else set()
            )
        return actor_roles(
            dossier=row, actor=actor, applicant_suffices=Role.APPLICANT in spec.roles
        )

    def unknown_action(self, action: str) -> ProblemError:
        return ProblemError(
            "validation_error",
            _("Thao tác “%(action)s” không tồn tại.") % {"action": action},
            extra={"errors": [{"path": "action", "message": _("Thao tác không hợp lệ.")}]},
        )

    def stale(self, row) -> ProblemError:
        return ProblemError(
            "conflict",
            # A stale version is as often the same person's second press of the button as another's
            # action: the message blames no one.
            _(
                "Hồ sơ đã thay đổi kể từ khi trang được mở (có thể do nút được bấm hai lần, hoặc do "
                "người khác vừa xử lý); hãy xem trạng thái hiện tại của hồ sơ trước khi thao tác lại."
            ),
            status=409,
            extra={"state": row.status, "version": row.version},
        )

    def not_open(self, row, spec: ActionSpec) -> ProblemError:
        return ProblemError(
            "conflict",
            _(
                "Hồ sơ %(code)s đang ở trạng thái “%(state)s”; không thể “%(action)s”. Có thể người khác vừa xử lý "
                "hồ sơ; hãy tải lại trang."
            )
            % {
                "code": row.code or "",
                "state": state_label(row.status),
                "action": _label(spec.action),
            },
            status=409,
            extra={"state": row.status, "version": row.version},
        )

    def denied(self, row, spec: ActionSpec) -> ProblemError:
        if spec.roles == STEP_HOLDER:
            return ProblemError(
                "permission_denied",
                _("Bạn không phụ trách bước xử lý hiện tại của hồ sơ này."),
                status=403,
            )
        if spec.action == Action.APOLOGY:
            return ProblemError(
                "permission_denied",
                _(
                    "Chỉ lãnh đạo hoặc bộ phận một cửa của cơ quan mới được xin "
                    "lỗi và hẹn lại ngày trả."
                ),
                status=403,
            )
        return ProblemError(
            "permission_denied",
            _("Bạn không có quyền “%(action)s” đối với hồ sơ này.")
            % {"action": _label(spec.action)},
            status=403,
        )

    def invalid(self, spec: ActionSpec, errors: list[dict[str, str]]) -> ProblemError:
        return ProblemError(
            "validation_error",
            _("Thiếu hoặc sai thông tin cho thao tác “%(action)s”.")
            % {"action": _label(spec.action)},
            extra={"errors": errors},
        )

    def normalise(self, name: str, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
        if name == "items" and value is not None:
            if isinstance(value, str):
                value = [line.strip() for line in value.splitlines()]
            if isinstance(value, list | tuple):
                # Only lines of text are items; anything else stays as it came, to be refused
                # (``input_problems``): "None" or "{'a': 1}" was shown to the applicant as a paper.
                value = [v.strip() if isinstance(v, str) else v for v in value]
                value = [v for v in value if v != ""]
        return value

    def input_problems(self, name: str, value: Any) -> list[dict[str, str]]:
        if name in TEXT_INPUTS and value is not None and not isinstance(value, str | Promise):
            return [{"path": name, "message": _("Phải là chuỗi ký tự.")}]
        if name != "items" or value is None:
            return super().input_problems(name, value)
        if not isinstance(value, list):
            return [{"path": name, "message": _("Các mục phải là một danh sách các dòng chữ.")}]
        if len(value) > ITEMS_MAX:
            return [{"path": name, "message": _("Tối đa %(n)s mục.") % {"n": ITEMS_MAX}}]
        problems = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                problems.append(
                    {"path": f"{name}.{index}", "message": _("Mỗi mục phải là một dòng chữ.")}
                )
            elif len(item) > ITEM_MAX:
                problems.append(
                    {"path": f"{name}.{index}", "message": too_long(ITEM_MAX, len(item))}
                )
        return problems

    def finishing(self, act: Act) -> dict[str, Any]:
        # A handler may time the end itself (a return timed at the post's delivery).
        if act.to_state not in FINISHING_STATES or "finished_at" in act.outcome.fields:
            return {}
        return {"finished_at": act.now}

    def append_event(self, act: Act) -> DossierEvent:
        cleaned = act.inputs
        event = DossierEvent(
            dossier=act.row,
            at=act.now,
            actor=act.actor,
            actor_label=_("Hệ thống")
            if act.system
            else (getattr(act.actor, "full_name", "") or str(act.actor))[:200],
            actor_role=act.role,
            action=act.spec.action,
            from_state=act.from_state,
            to_state=act.to_state,
            note=cleaned.get("note") or cleaned.get("reason") or act.outcome.note or "",
            data={
                **{k: v for k, v in cleaned.items() if k not in UNRECORDED_INPUTS},
                **act.outcome.data,
            },
        )
        # One INSERT built once per process (the history is append-only; nothing listens to its save).
        row_insert(event)
        return event

    def documents_for(self, act: Act) -> tuple[str, ...]:
        # A payment the gateway confirmed has one receipt: the electronic receipt of the payment
        # platform (``opendvc.payments.receipts``, numbered in this transaction, rendered, sealed and
        # filed after commit). A second "biên lai" of the pay action would be a second receipt, with
        # another number, for the same amount collected once (Decree 11/2020/NĐ-CP Art. 9: one
        # receipt per fee collected). The officer's counter payment keeps the row's receipt.
        if act.spec.action == Action.PAY and act.role == Role.SYSTEM:
            return ()
        # The hand-over record of a return is made when the result changes hands (at the counter, by
        # post); an online return issues the signed result itself into the applicant's store.
        if act.spec.action == Action.RETURN_RESULT:
            method = RETURN_METHODS.get(act.inputs.get("method"))
            if method is not None and not method.hands_over:
                return ()
        return act.spec.documents

    def issue(self, act: Act, kind: str) -> DossierDocument:
        return issue_document(dossier=act.row, event=act.event, kind=kind)

    def issued(self, act: Act, documents: tuple[DossierDocument, ...]) -> None:
        # The PDFs are made out of the request (after commit by a worker, or after the response).
        documents_schedule(documents=documents)

    def discard(self, issued: list[Any]) -> None:
        for doc in issued:
            doc.file.delete(save=False)

    def audit_changes(self, act: Act) -> dict[str, Any]:
        d = act.row
        secret = {"lookup_key_ciphertext", "lookup_key_hash"}
        return {
            "status": [act.from_state, act.to_state],
            "version": d.version,
            **(
                {
                    "procedure": d.procedure.code,
                    "agency": d.receiving_agency.code,
                    "channel": d.channel,
                }
                if act.spec.action == Action.SUBMIT
                else {}
            ),
            **{k: str(v) for k, v in act.outcome.fields.items() if k not in secret},
        }

    def notify(self, act: Act) -> None:
        d = act.row
        context = {
            "code": d.code or "",
            "procedure": d.procedure.name,
            "agency": d.receiving_agency.name,
            "due_at": to_local(d.due_at).strftime("%H:%M %d/%m/%Y") if d.due_at else "",
            "items": "\n".join(f"- {i}" for i in d.completion_items or []),
            "reason": act.event.note if act.event is not None else "",
            "url": absolute_url("dossiers:mine_detail", args=[d.public_id]),
            **act.outcome.notice,
        }
        notify(template=act.spec.notice, context=context, recipient=d.applicant)


MACHINE = DossierMachine()


def allowed_actions(state: str, roles: set[str] | frozenset[str]) -> list[ActionSpec]:
    """Rows that move the state, open from ``state`` to any of ``roles`` (the apology and the step
    hand-overs are offered on the step pages)."""
    return [s for s in MACHINE.allowed(state, roles) if s.next_state is not None]


def dossier_act(
    *,
    dossier: Dossier,
    action: str,
    actor,
    system: bool = False,
    request=None,
    expected_version: int | None = None,
    **inputs: Any,
) -> Dossier:
    """Apply ``action`` (a row of ``ACTIONS``) to ``dossier`` as ``actor`` (or as the system).

    Side effects, all in one transaction: locks the dossier row, sets the state and the fields the
    action sets (code, dates, due date…), appends a ``DossierEvent``, issues the row's documents (PDF),
    writes the audit entry, queues the notice; ``dossier_acted`` is sent on commit. Raises
    ``ProblemError``: 409 ``conflict`` when the action is not open in the current state (or
    ``expected_version`` is stale), 403 ``permission_denied`` for the wrong role, 422
    ``validation_error`` for an unknown action or missing inputs. Nothing changes when it raises.

    Automatic intake: when an online dossier of a procedure marked ``auto_receive`` is filed (or filed
    again after completion) and ``filing.receives_itself`` holds, the system receives it in the same
    transaction — the same ``receive`` row, appointment, receipt, history and audit as an officer's
    intake, with the system as the actor.
    """
    if action not in (Action.SUBMIT, Action.RESUBMIT):
        # One action: the engine's own transaction (a savepoint fewer inside a caller's).
        return MACHINE.act(
            row=dossier,
            action=action,
            actor=actor,
            system=system,
            request=request,
            expected_version=expected_version,
            inputs=inputs,
        ).row
    issued: list[DossierDocument] = []
    try:
        with transaction.atomic():
            done = MACHINE.act(
                row=dossier,
                action=action,
                actor=actor,
                system=system,
                request=request,
                expected_version=expected_version,
                inputs=inputs,
                issued=issued,
            ).row
            received = _received_if_complete(done, request=request, issued=issued)
            done = received.row if received is not None else done
        return done
    except BaseException:
        MACHINE.discard(issued)
        raise


def _received_if_complete(
    dossier: Dossier, *, request, issued: list, savepoint: bool = True
) -> Act | None:
    """Automatic intake of a dossier just filed (``filing.receives_itself``), as the system."""
    if not filing.receives_itself(dossier):
        return None
    return MACHINE.act(
        row=dossier,
        action=Action.RECEIVE,
        actor=None,
        system=True,
        request=request,
        issued=issued,
        savepoint=savepoint,
    )


def dossier_file_new(
    *, dossier: Dossier, actor, request=None, declaration: bool = False, attach=None
) -> tuple[Dossier, list[DossierEvent], list[DossierDocument]]:
    """File ``dossier``, a new dossier not saved yet (``draft`` in memory), with the ``submit`` row:
    the dossier is inserted once, already submitted, with its code; ``attach(dossier)`` writes what
    refers to it (its files) right after the insert, before the checks that read them run again
    (automatic intake). Then the event, the audit entry and the notice as for ``dossier_act``, and the
    automatic intake when it applies. Must run inside the caller's transaction, which it does not
    protect with savepoints: the caller rolls back whole when this raises (``dossier_submit_new``).
    Returns the dossier, the events written and the documents issued."""
    issued: list[DossierDocument] = []
    try:
        act = MACHINE.act(
            row=dossier,
            action=Action.SUBMIT,
            actor=actor,
            request=request,
            inputs={"declaration": declaration},
            issued=issued,
            savepoint=False,
            created=attach,
        )
        received = _received_if_complete(act.row, request=request, issued=issued, savepoint=False)
        if received is None:
            return act.row, [act.event], issued
        return received.row, [act.event, received.event], issued
    except BaseException:
        MACHINE.discard(issued)
        raise


__all__ = [
    "ACTIONS",
    "MACHINE",
    "actor_roles",
    "allowed_actions",
    "dossier_act",
    "dossier_file_new",
]
