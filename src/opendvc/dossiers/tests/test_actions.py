"""The dossier's action table walked through the engine: every row, from every state it opens from,
does what its columns say — the state it leads to (or keeps), the history line, the documents, the
notice, the audit entry and the ``dossier_acted`` signal on commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template.loader import get_template

from opendvc.audit.models import AuditEntry
from opendvc.core.statemachine import ActionSpec, StateMachine
from opendvc.dossiers import documents, services
from opendvc.dossiers.lifecycle import Action, Role, State, StepAction
from opendvc.dossiers.models import Dossier, DossierDocument
from opendvc.dossiers.services.transitions import ACTIONS, MACHINE
from opendvc.dossiers.signals import dossier_acted
from opendvc.notifications.models import Notification

from .test_lifecycle import RETURN_METHOD, dossier_in, inputs_for, people, procedure  # noqa: F401 (fixtures)

ROWS = [(spec, state) for spec in ACTIONS for state in sorted(spec.from_states)]


def test_the_table_is_complete_and_true():
    assert {s.action for s in ACTIONS} == set(Action.values) | set(StepAction.values)
    for spec in ACTIONS:
        assert spec.roles, spec.action
        for kind in spec.documents:
            get_template(documents.TEMPLATES[kind])  # every document the table names has its template
        if spec.next_state is None:
            assert spec.action in (Action.APOLOGY, Action.CHOOSE_RETURN, *StepAction.values)
    # Nothing registers handlers at import time any more.
    root = Path(services.__file__).parent.parent
    assert not any("register()" in p.read_text() for p in root.rglob("*.py") if "tests" not in p.parts)


def test_two_rows_for_one_action_are_refused():
    row = ActionSpec("x", frozenset({"a"}), "b", frozenset({"r"}))

    class Twice(StateMachine):
        domain = "test"
        table = (row, row)

    with pytest.raises(ValueError):
        Twice()


def _role(spec: ActionSpec) -> str:
    if spec.roles == {Role.STEP_HOLDER}:
        # After ``start_processing`` the one-stop office holds the first step; a send-back needs a step
        # before the open one, so the specialist's step is entered first.
        return Role.PROCESSING_OFFICER if spec.action == StepAction.SEND_BACK else Role.RECEIVING_OFFICER
    staff = sorted(spec.roles - {Role.SYSTEM})
    return staff[0] if staff else Role.SYSTEM


@pytest.mark.parametrize("spec,state", ROWS, ids=[f"{s.action}-{st}" for s, st in ROWS])
def test_every_row_runs_through_the_engine(spec, state, procedure, people, django_capture_on_commit_callbacks):  # noqa: F811
    channel = "counter" if spec.action == Action.SUBMIT and Role.APPLICANT not in spec.roles else "online"
    d = dossier_in(state, procedure, people, channel=channel)
    role = _role(spec)
    if role == Role.PROCESSING_OFFICER and state == State.PROCESSING:
        # A specialist acts on their own step: the one-stop office forwards the dossier first.
        services.dossier_act(dossier=d, action=StepAction.FORWARD, actor=people[Role.RECEIVING_OFFICER])
        d = Dossier.objects.get(pk=d.pk)
    actor = None if role == Role.SYSTEM else people[role]
    inputs = inputs_for(spec.action)
    if spec.action == Action.RETURN_RESULT:
        inputs["method"] = RETURN_METHOD[role]
    if spec.action == Action.SUPPLY:
        # Supplying takes at least one supplementary file (Regulation Art. 14.4).
        from opendvc.dossiers.results import supplement_add_files

        from .conftest import checked_pdf

        supplement_add_files(dossier=d, actor=actor, files=[(None, checked_pdf())])
    events, notices = d.events.count(), Notification.objects.filter(template=spec.notice or "-").count()
    seen = []

    def listener(sender, instance, action, event, from_state, to_state, **kwargs):
        seen.append((action, from_state, to_state, event))

    dossier_acted.connect(listener)
    # One row at a time: the online return that follows an approval once it commits is its own action
    # (``vault.handlers.issue_result``, tested in opendvc.vault).
    from opendvc.vault.testing import without_online_issuance

    try:
        with without_online_issuance(), django_capture_on_commit_callbacks(execute=True):
            done = services.dossier_act(dossier=d, action=spec.action, actor=actor, system=actor is None, **inputs)
    finally:
        dossier_acted.disconnect(listener)
    fresh = Dossier.objects.get(pk=d.pk)
    assert fresh.status == (spec.next_state or state) == done.status
    assert fresh.version == d.version + (1 if spec.next_state else 0)
    if spec.records_event:
        event = fresh.events.last()
        assert fresh.events.count() == events + 1
        assert (event.action, event.from_state, event.to_state) == (spec.action, state, fresh.status)
    else:
        event = None
        assert fresh.events.count() == events
    for kind in spec.documents:
        assert DossierDocument.objects.filter(dossier=fresh, event=event, kind=kind).exists()
    if spec.notice:
        sent = Notification.objects.filter(template=spec.notice).count() > notices
        # An approval whose result goes back online says nothing itself: the issuance's one message
        # tells the applicant (ADR 0006, one message per result).
        from opendvc.dossiers.returns import return_method_default

        quiet = spec.action == Action.APPROVE and return_method_default(dossier=fresh) == "online"
        assert sent is not quiet
    assert AuditEntry.objects.filter(action=spec.audit_action or f"dossier.{spec.action}").exists()
    assert (spec.action, state, fresh.status, event) in seen


def test_nothing_is_signalled_when_the_action_fails(procedure, people, django_capture_on_commit_callbacks):  # noqa: F811
    d = dossier_in(State.SUBMITTED, procedure, people)
    seen = []
    dossier_acted.connect(lambda **kw: seen.append(kw), weak=False, dispatch_uid="test-failing")
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):
            services.dossier_act(dossier=d, action=Action.REFUSE, actor=people[Role.RECEIVING_OFFICER])
    finally:
        dossier_acted.disconnect(dispatch_uid="test-failing")
    assert seen == []
    assert MACHINE.spec(Action.REFUSE).required == ("reason",)
