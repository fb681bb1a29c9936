"""The state-machine engine every domain with a lifecycle runs on (docs/adr/0005).

A domain describes each action once, as an ``ActionSpec`` row, and subclasses ``StateMachine`` for what
is its own (how a row is locked, which roles an actor holds on it, its event, documents and notices).
``StateMachine.act`` is the only code that applies a row; in one transaction it:

1. locks the row (``SELECT … FOR UPDATE``),
2. refuses inputs the action does not take (422 ``validation_error``), checks the expected version
   (409 ``conflict``), that the action is open in the current state (409
   ``conflict``), the actor's role (403 ``permission_denied``) and the inputs (422 ``validation_error``,
   each problem as ``{path, message}``),
3. runs the row's handler (the fields to set and the event data; a handler never sets the state),
4. sets the state and bumps the version (for actions that move the state),
5. appends the domain event, issues the row's documents, writes the audit entry, queues the notice,
6. sends ``acted_in_transaction`` inside the transaction (for rows that must commit or roll back with
   the action, such as the integration outbox's messages) and the domain's signal once it commits.

Nothing changes when it raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from opendvc.audit.services import audit_record
from opendvc.core.problems import ProblemError

EMPTY = (None, "", [], {})

# Sent inside the action's transaction, after the event and the audit entry are written:
# ``acted_in_transaction(sender=<model>, domain, instance, action, event, from_state, to_state, actor,
# system, documents)`` (``documents``: what the action's row issued, in order). A receiver that raises rolls the whole action back: connect here only what must be written
# atomically with the change (the outbox); everything else listens to the domain's on-commit signal.
acted_in_transaction = Signal()


@dataclass
class Outcome:
    """What a handler returns: ``fields`` to set on the row, ``data`` for the event, a ``note`` when the
    inputs carry none, ``audit`` replacing the default audit changes, ``notice`` added to the notice's
    context (``None``: no notice this time, another message tells the same person the same thing)."""

    fields: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    audit: dict[str, Any] | None = None
    notice: dict[str, Any] | None = field(default_factory=dict)


# handler(row, cleaned_inputs, *, now, role, actor) -> Outcome | None
Handler = Callable[..., Outcome | None]


@dataclass(frozen=True)
class ActionSpec:
    action: str
    from_states: frozenset[str]
    # ``None``: the action does not move the state (and does not bump the version).
    next_state: str | None
    roles: frozenset[str]
    # Inputs that must be present and non-empty; inputs that may be given. Anything else is refused.
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    handler: Handler | None = None
    # check(row, cleaned_inputs, *, now) -> [{path, message}]: what is wrong with the inputs against
    # the row (a date before the current one…), reported together with the missing inputs.
    check: Callable[..., list[dict[str, str]]] | None = None
    # The notification template sent to whom the domain notifies, or None.
    notice: str | None = None
    # Documents issued with the event (each must have a template).
    documents: tuple[str, ...] = ()
    # Whether the action is a line of the domain's timeline (hand-overs between internal steps are
    # recorded on the steps, not on the timeline).
    records_event: bool = True
    # The audit action; ``<domain>.<action>`` when empty.
    audit_action: str = ""

    def opens_from(self, state: str) -> bool:
        return state in self.from_states

    @property
    def inputs(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


@dataclass
class Act:
    """One application of a row, as the engine passes it to the domain's hooks."""

    row: Any
    spec: ActionSpec
    actor: Any
    role: str
    system: bool
    inputs: dict[str, Any]
    now: datetime
    from_state: str
    to_state: str
    outcome: Outcome
    request: Any = None
    event: Any = None
    issued: list[Any] = field(default_factory=list)


def too_long(limit: int, length: int) -> str:
    return _("Tối đa %(n)s ký tự (đang có %(m)s).") % {
        "n": f"{limit:,}".replace(",", "."),
        "m": f"{length:,}".replace(",", "."),
    }


class StateMachine:
    """The engine; a domain subclasses it and sets ``domain``, ``model``, ``signal`` and ``table``."""

    domain: str = ""
    model: type[models.Model]
    signal: Signal
    table: tuple[ActionSpec, ...] = ()
    state_field: str = "status"
    system_role: str = "system"
    # Messages for a missing required input, by ``(action, name)`` or by ``name``.
    required_messages: dict[Any, Any] = {}
    # The most characters a text input may hold, by ``name``; ``text_max`` for any other text input
    # (None: no limit). Longer text is refused, never cut.
    text_limits: dict[str, int] = {}
    text_max: int | None = None

    def __init__(self) -> None:
        # An action may have several rows when who may take it depends on the state.
        self.by_action: dict[str, list[ActionSpec]] = {}
        for spec in self.table:
            rows = self.by_action.setdefault(spec.action, [])
            if any(r.from_states & spec.from_states for r in rows):
                raise ValueError(f"{self.domain}: two rows for {spec.action!r} from the same state")
            rows.append(spec)

    # -- reading the table ------------------------------------------------------------------------

    def spec(self, action: str, state: str | None = None) -> ActionSpec | None:
        """The row of ``action`` (open from ``state`` when given)."""
        rows = self.by_action.get(action) or []
        if state is None:
            return rows[0] if rows else None
        return next((r for r in rows if r.opens_from(state)), None)

    def open_from(self, state: str) -> list[ActionSpec]:
        return [s for s in self.table if s.opens_from(state)]

    def allowed(self, state: str, roles: Iterable[str]) -> list[ActionSpec]:
        """Rows open from ``state`` to any of ``roles``."""
        roles = set(roles)
        return [s for s in self.table if s.opens_from(state) and s.roles & roles]

    # -- hooks a domain overrides -----------------------------------------------------------------

    def lock(self, row):
        return self.model.objects.select_for_update(of=("self",)).get(pk=row.pk)

    def roles_of(self, row, actor, spec: ActionSpec, **context: Any) -> set[str]:
        """The roles ``actor`` holds on ``row`` (``context``: what the caller passed to ``act``)."""
        raise NotImplementedError

    def pick_role(self, spec: ActionSpec, roles: set[str]) -> str | None:
        return next((r for r in sorted(spec.roles) if r in roles), None)

    def unknown_action(self, action: str) -> ProblemError:
        return ProblemError(
            "validation_error",
            _("Thao tác “%(action)s” không tồn tại.") % {"action": action},
            extra={"errors": [{"path": "action", "message": _("Thao tác không hợp lệ.")}]},
        )

    def stale(self, row) -> ProblemError:
        return ProblemError(
            "conflict",
            _(
                "Dữ liệu đã thay đổi kể từ khi trang được mở (có thể do nút được bấm hai lần, "
                "hoặc do người khác vừa xử lý); hãy xem trạng thái hiện tại trước khi thao tác lại."
            ),
            status=409,
            extra={"state": self.state_of(row), "version": row.version},
        )

    def not_open(self, row, spec: ActionSpec) -> ProblemError:
        return ProblemError(
            "conflict",
            _("Không thể thực hiện thao tác này ở trạng thái hiện tại."),
            status=409,
            extra={"state": self.state_of(row), "version": row.version},
        )

    def denied(self, row, spec: ActionSpec) -> ProblemError:
        return ProblemError(
            "permission_denied", _("Bạn không có quyền thực hiện thao tác này."), status=403
        )

    def invalid(self, spec: ActionSpec, errors: list[dict[str, str]]) -> ProblemError:
        return ProblemError(
            "validation_error",
            _("Thiếu hoặc sai thông tin của thao tác."),
            extra={"errors": errors},
        )

    def normalise(self, name: str, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    def prepare(self, row, now: datetime) -> None:
        """Bring the locked row up to date before the handler runs (e.g. record a passed deadline)."""

    def save(self, row, fields: list[str]) -> None:
        row.save(update_fields=[*fields, *(["updated_at"] if hasattr(row, "updated_at") else [])])

    def append_event(self, act: Act):
        return None

    def issue(self, act: Act, kind: str):
        raise NotImplementedError

    def documents_for(self, act: Act) -> tuple[str, ...]:
        """The documents this application of the row issues: the row's, unless the domain knows that
        another part issues the same document (e.g. a receipt made outside the transaction)."""
        return act.spec.documents

    def discard(self, issued: list[Any]) -> None:
        """Undo what ``issue`` stored outside the database when the transaction fails."""

    def issued(self, act: Act, documents: tuple[Any, ...]) -> None:
        """The documents of ``act`` are recorded and ``acted_in_transaction`` has been sent: have them
        made (e.g. their PDFs, out of the request)."""

    def audit_changes(self, act: Act) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if act.spec.next_state is not None:
            changes = {self.state_field: [act.from_state, act.to_state], "version": act.row.version}
        return {**changes, **{k: str(v) for k, v in act.outcome.fields.items()}}

    def notify(self, act: Act) -> None:
        """Queue ``act.spec.notice`` (rows written in the transaction, delivery after commit)."""

    def finishing(self, act: Act) -> dict[str, Any]:
        """Fields set when the new state ends the handling (e.g. ``finished_at``)."""
        return {}

    # -- the engine -------------------------------------------------------------------------------

    def state_of(self, row) -> str:
        return getattr(row, self.state_field)

    def unknown_inputs(self, spec: ActionSpec, inputs: dict[str, Any]) -> list[dict[str, str]]:
        known = set(spec.inputs)
        return [
            {
                "path": name,
                "message": _("Thao tác này không nhận trường “%(name)s”.") % {"name": name},
            }
            for name in inputs
            if name not in known
        ]

    def input_problems(self, name: str, value: Any) -> list[dict[str, str]]:
        """What is wrong with one normalised input on its own (a text over its limit); a domain adds
        its own checks."""
        limit = self.text_limits.get(name, self.text_max)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            return [{"path": name, "message": too_long(limit, len(value))}]
        return []

    def clean(
        self, spec: ActionSpec, inputs: dict[str, Any], *, row=None, now: datetime | None = None
    ) -> dict[str, Any]:
        errors = self.unknown_inputs(spec, inputs)
        cleaned: dict[str, Any] = {}
        for name in spec.inputs:
            value = self.normalise(name, inputs.get(name))
            problems = self.input_problems(name, value)
            if problems:
                errors += problems
                continue
            if name in spec.required and value in EMPTY:
                message = (
                    self.required_messages.get((spec.action, name))
                    or self.required_messages.get(name)
                    or _("Trường này là bắt buộc.")
                )
                errors.append({"path": name, "message": str(message)})
            if value not in EMPTY:
                cleaned[name] = value
        if spec.check is not None and row is not None:
            errors += spec.check(row, cleaned, now=now or timezone.now())
        if errors:
            raise self.invalid(spec, errors)
        return cleaned

    def act(
        self,
        *,
        row,
        action: str,
        actor,
        system: bool = False,
        request=None,
        expected_version: int | None = None,
        inputs: dict[str, Any] | None = None,
        issued: list[Any] | None = None,
        context: dict[str, Any] | None = None,
        savepoint: bool = True,
        created: Callable[[Any], None] | None = None,
        at: datetime | None = None,
    ) -> Act:
        """Apply the row of ``action`` to ``row`` (a model instance) as ``actor`` or as the system.
        Returns the ``Act`` (``act.row`` is the locked, updated row; ``act.event`` the event).
        Documents issued are appended to ``issued`` when given (the caller discards them if an outer
        transaction fails); otherwise they are discarded here when this one fails.

        A ``row`` not saved yet (``row._state.adding``, no primary key) is created by the action: it is taken in the
        state it holds (the action's from-state, e.g. a new dossier's ``draft``), checked and handled
        as any row, then inserted once, already in the state the action leads to and with the
        handler's fields — no insert, lock and update: no other transaction can see the row before
        this one commits. ``created(row)`` runs right after the insert (rows that refer to it), before
        the event, the documents and the audit entry.

        ``savepoint=False``: the caller's own transaction is rolled back whole when this raises (it
        does not go on after a refused action), so no savepoint is taken for the action.

        ``at``: the instant the action took place, when it is recorded after it (never later than
        now; ValueError otherwise): the handler, the deadlines and the event take it; the audit entry
        keeps the instant it was written. Not for requests: an action a person takes is taken now."""
        if at is not None and at > timezone.now():
            raise ValueError("An action cannot be recorded at a future instant.")
        rows = self.by_action.get(action)
        if not rows:
            raise self.unknown_action(action)
        spec = rows[0]
        # A request naming inputs the action does not take is malformed whatever the row's state.
        unknown = self.unknown_inputs(spec, inputs or {})
        if unknown:
            raise self.invalid(spec, unknown)
        own = issued is None
        issued = [] if issued is None else issued
        try:
            with transaction.atomic(savepoint=savepoint):
                done = self._apply(
                    action,
                    row=row,
                    actor=actor,
                    system=system,
                    request=request,
                    expected_version=expected_version,
                    inputs=dict(inputs or {}),
                    issued=issued,
                    context=context or {},
                    created=created,
                    at=at,
                )
        except BaseException:
            if own:
                self.discard(issued)
            raise
        return done

    def _apply(
        self, action: str, *, row, actor, system, request, expected_version, inputs, issued, context,
        created=None, at=None,
    ) -> Act:
        # ``Model(pk=…)`` stands for an existing row (also ``_state.adding``): only a row without its
        # key yet is new.
        new = row._state.adding and row.pk is None
        locked = row if new else self.lock(row)
        if expected_version is not None and locked.version != expected_version:
            raise self.stale(locked)
        spec = self.spec(action, self.state_of(locked))
        if spec is None:
            raise self.not_open(locked, self.by_action[action][0])
        roles = {self.system_role} if system else self.roles_of(locked, actor, spec, **context)
        role = self.pick_role(spec, roles)
        if role is None:
            raise self.denied(locked, spec)
        now = at or timezone.now()
        cleaned = self.clean(spec, inputs, row=locked, now=now)
        self.prepare(locked, now)
        outcome = (
            spec.handler(locked, cleaned, now=now, role=role, actor=actor) if spec.handler else None
        ) or Outcome()
        from_state = self.state_of(locked)
        to_state = spec.next_state or from_state
        act = Act(
            row=locked,
            spec=spec,
            actor=actor,
            role=role,
            system=system,
            inputs=cleaned,
            now=now,
            from_state=from_state,
            to_state=to_state,
            outcome=outcome,
            request=request,
            issued=issued,
        )
        update = list(outcome.fields)
        if spec.next_state is not None:
            setattr(locked, self.state_field, spec.next_state)
            locked.version += 1
            extra = self.finishing(act)
            outcome.fields.update(extra)
            update = [self.state_field, "version", *outcome.fields]
        for name, value in outcome.fields.items():
            setattr(locked, name, value)
        if new:
            locked.save(force_insert=True)
            if created is not None:
                created(locked)
        elif update:
            self.save(locked, update)
        if spec.records_event:
            act.event = self.append_event(act)
        documents = [self.issue(act, kind) for kind in self.documents_for(act)]
        issued.extend(documents)
        audit_record(
            actor=act.actor,
            action=spec.audit_action or f"{self.domain}.{spec.action}",
            target=locked,
            changes=outcome.audit if outcome.audit is not None else self.audit_changes(act),
            request=request,
        )
        if spec.notice and act.outcome.notice is not None:
            self.notify(act)
        signal, model = self.signal, self.model
        acted_in_transaction.send(
            sender=model,
            domain=self.domain,
            instance=locked,
            action=spec.action,
            event=act.event,
            from_state=from_state,
            to_state=to_state,
            actor=act.actor,
            system=system,
            documents=tuple(documents),
        )
        if documents:
            self.issued(act, tuple(documents))
        transaction.on_commit(
            lambda: signal.send(
                sender=model,
                instance=act.row,
                action=spec.action,
                event=act.event,
                from_state=from_state,
                to_state=to_state,
            )
        )
        return act
