"""The transition table, walked: every allowed transition works for its roles; everything else fails
with a clear error and changes nothing."""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pytest

from opendvc.audit.models import AuditEntry
from opendvc.core.problems import ProblemError
from opendvc.dossiers import services
from opendvc.dossiers.lifecycle import Action, Document, Role, State
from opendvc.dossiers.models import Dossier, DossierDocument, DossierEvent
from opendvc.dossiers.returns import METHODS
from opendvc.dossiers.services.transitions import ACTIONS, MACHINE

from .conftest import JUSTICE, checked_pdf


@dataclass(frozen=True)
class Transition:
    """One (state, action) of a row of the action table that moves the state."""

    state: str
    action: str
    roles: frozenset[str]
    next_state: str
    documents: tuple[str, ...]
    required: tuple[str, ...]


TRANSITIONS = [
    Transition(state, s.action, s.roles, s.next_state, s.documents, s.required)
    for s in ACTIONS
    if s.next_state is not None
    for state in sorted(s.from_states)
]


def transition_for(state: str, action: str):
    spec = MACHINE.spec(action)
    return spec if spec is not None and spec.opens_from(state) else None


INPUTS = {
    "items": ["Bản sao giấy chứng sinh có chứng thực", "Tờ khai ghi thiếu quê quán"],
    "reason": "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan",
    "fees": [{"name": "Lệ phí đăng ký khai sinh", "amount_vnd": 8000}],
    "receipt_number": "BL-0001",
    "result": "Giấy khai sinh bản chính",
    "method": "counter",
    "return_method": "counter",
}


def inputs_for(action: str) -> dict:
    names = set()
    spec = MACHINE.spec(action)
    if spec is not None:
        names |= set(spec.required)
    inputs = {k: INPUTS[k] for k in names}
    if action in (Action.SUBMIT, Action.RESUBMIT):
        inputs["declaration"] = True  # the applicant's declaration (Regulation Art. 14.5)
    return inputs


def path_to(state: str) -> list:
    """The shortest list of transitions from draft to ``state``."""
    seen = {State.DRAFT: []}
    queue = deque([State.DRAFT])
    while queue:
        s = queue.popleft()
        for t in TRANSITIONS:
            if t.state == s and t.next_state not in seen:
                seen[t.next_state] = seen[s] + [t]
                queue.append(t.next_state)
    return seen[state]


@pytest.fixture
def procedure(agencies):
    """A level-4 procedure: every row of the table is open (online payment and return included); what
    levels 2 and 3 leave out is tested in ``test_regulation``."""
    from .conftest import make_procedure

    return make_procedure(level=4)


@pytest.fixture
def people(citizen, officer, processor, leader, postal):
    return {
        Role.APPLICANT: citizen,
        Role.RECEIVING_OFFICER: officer,
        Role.PROCESSING_OFFICER: processor,
        Role.LEADER: leader,
        Role.POSTAL_OPERATOR: postal,
    }


# The delivery method each role records a return with (``returns.METHODS``).
RETURN_METHOD = {
    Role.SYSTEM: "online",
    Role.POSTAL_OPERATOR: "postal",
    Role.RECEIVING_OFFICER: "counter",
}


def act(dossier, t_action, role, people):
    inputs = inputs_for(t_action)
    if role == Role.PROCESSING_OFFICER:
        # A processing officer acts on their own step: the one-stop office forwards the dossier first.
        from opendvc.workflow.models import StepRun

        if StepRun.objects.filter(dossier=dossier, left_at__isnull=True, position=0).exists():
            services.dossier_act(
                action="forward", dossier=dossier, actor=people[Role.RECEIVING_OFFICER]
            )
    if t_action == Action.RETURN_RESULT:
        inputs["method"] = RETURN_METHOD[role]
    if t_action == Action.SUPPLY:
        # Supplying takes at least one supplementary file (Regulation Art. 14.4).
        from opendvc.dossiers.results import supplement_add_files

        supplement_add_files(dossier=dossier, actor=people[role], files=[(None, checked_pdf())])
    if role == Role.SYSTEM:
        return services.dossier_act(
            dossier=dossier, action=t_action, actor=None, system=True, **inputs
        )
    return services.dossier_act(dossier=dossier, action=t_action, actor=people[role], **inputs)


def dossier_in(state, procedure, people, *, channel="online"):
    from opendvc.agencies.models import Agency

    citizen = people[Role.APPLICANT]
    d = services.dossier_create_draft(
        applicant=citizen,
        procedure=procedure,
        actor=citizen,
        channel=channel,
        receiving_agency=Agency.objects.get(code=JUSTICE),
    )
    comps = list(procedure.components.filter(required=True))
    services.dossier_update_draft(
        dossier=d, actor=citizen, add_files=[(c, checked_pdf()) for c in comps]
    )
    for t in path_to(state):
        role = (
            Role.APPLICANT
            if Role.APPLICANT in t.roles and channel == "online"
            else sorted(t.roles)[0]
        )
        if t.action == Action.SUBMIT and channel != "online":
            role = Role.RECEIVING_OFFICER
        d = act(d, t.action, role, people)
    assert d.status == state
    return Dossier.objects.get(pk=d.pk)


def test_every_state_is_reachable_and_the_table_is_complete():
    assert set(State.values) == {State.DRAFT} | {t.next_state for t in TRANSITIONS}
    for state in State.values:
        path_to(state)
    # Every state of DOMAIN.md with its documented successors.
    expected = {
        "draft": {"submitted", "deleted"},
        "submitted": {"received", "returned_for_completion", "refused", "withdrawn"},
        "returned_for_completion": {"submitted"},
        "refused": set(),
        "stopped": set(),
        "withdrawn": set(),
        "returned": set(),
        "deleted": set(),
        "received": {"processing"},
        "processing": {"supplement_requested", "payment_required", "stopped", "result_ready"},
        "supplement_requested": {"processing"},
        "payment_required": {"processing"},
        "result_ready": {"returned"},
    }
    for state, successors in expected.items():
        assert {t.next_state for t in TRANSITIONS if t.state == state} == successors, state


ALLOWED = [(t, role) for t in TRANSITIONS for role in sorted(t.roles)]


@pytest.mark.parametrize("t,role", ALLOWED, ids=[f"{t.state}-{t.action}-{r}" for t, r in ALLOWED])
def test_allowed_transition_succeeds(t, role, procedure, people):
    channel = (
        "counter" if (t.action == Action.SUBMIT and role == Role.RECEIVING_OFFICER) else "online"
    )
    d = dossier_in(t.state, procedure, people, channel=channel)
    events_before = d.events.count()
    done = act(d, t.action, role, people)
    fresh = Dossier.objects.get(pk=d.pk)
    assert fresh.status == t.next_state
    assert fresh.version == d.version + 1
    event = fresh.events.last()
    assert fresh.events.count() == events_before + 1
    assert (event.action, event.from_state, event.to_state, event.actor_role) == (
        t.action,
        t.state,
        t.next_state,
        role,
    )
    assert AuditEntry.objects.filter(action=f"dossier.{t.action}").exists()
    # A payment the gateway confirmed (the system's ``pay``) has the payment platform's electronic
    # receipt, issued by ``opendvc.payments`` after commit: the action issues none of its own.
    documents = () if (t.action, role) == (Action.PAY, Role.SYSTEM) else t.documents
    # An online return hands nothing over: no hand-over record (``returns.ReturnMethod.hands_over``).
    if t.action == Action.RETURN_RESULT and not METHODS[RETURN_METHOD[role]].hands_over:
        documents = tuple(k for k in documents if k != Document.DELIVERY_RECORD)
    for kind in documents:
        assert DossierDocument.objects.filter(dossier=fresh, event=event, kind=kind).exists()
    assert DossierDocument.objects.filter(dossier=fresh, event=event).count() == len(documents)
    assert done.status == t.next_state


def _snapshot(d):
    fresh = Dossier.objects.get(pk=d.pk)
    return (
        fresh.status,
        fresh.version,
        fresh.code,
        fresh.due_at,
        fresh.finished_at,
        DossierEvent.objects.filter(dossier=d).count(),
        DossierDocument.objects.filter(dossier=d).count(),
    )


def test_every_other_combination_fails_and_changes_nothing(
    procedure, people, stranger, foreign_officer
):
    actors = {**people, "stranger": stranger, "foreign_officer": foreign_officer}
    dossiers = {state: dossier_in(state, procedure, people) for state in State.values}
    audit_before = AuditEntry.objects.count()
    tried = 0
    for state, d in dossiers.items():
        for action in Action.values:
            t = transition_for(state, action)
            for who in [*actors, Role.SYSTEM]:
                if t is not None and who in t.roles:
                    continue
                before = _snapshot(d)
                with pytest.raises(ProblemError) as err:
                    if who == Role.SYSTEM:
                        services.dossier_act(
                            dossier=d, action=action, actor=None, system=True, **inputs_for(action)
                        )
                    else:
                        services.dossier_act(
                            dossier=d, action=action, actor=actors[who], **inputs_for(action)
                        )
                if t is None:
                    assert (err.value.code, err.value.status) == ("conflict", 409)
                    assert "không thể" in err.value.detail
                else:
                    assert (err.value.code, err.value.status) == ("permission_denied", 403)
                assert _snapshot(d) == before
                tried += 1
    assert AuditEntry.objects.count() == audit_before
    assert tried > 1000


@pytest.mark.parametrize(
    "t", [t for t in TRANSITIONS if t.required], ids=lambda t: f"{t.state}-{t.action}"
)
def test_missing_required_input_is_refused(t, procedure, people):
    role = sorted(t.roles - {Role.SYSTEM})[0]
    d = dossier_in(t.state, procedure, people)
    before = _snapshot(d)
    with pytest.raises(ProblemError) as err:
        services.dossier_act(dossier=d, action=t.action, actor=people[role])
    assert err.value.code == "validation_error" and err.value.status == 422
    assert {e["path"] for e in err.value.extra["errors"]} == set(t.required)
    assert _snapshot(d) == before


def test_unknown_action_and_stale_version(procedure, people):
    d = dossier_in(State.SUBMITTED, procedure, people)
    with pytest.raises(ProblemError) as err:
        services.dossier_act(
            dossier=d, action="approve_everything", actor=people[Role.RECEIVING_OFFICER]
        )
    assert err.value.status == 422
    with pytest.raises(ProblemError) as err:
        services.dossier_act(
            dossier=d,
            action="receive",
            actor=people[Role.RECEIVING_OFFICER],
            expected_version=d.version - 1,
        )
    assert (err.value.code, err.value.status) == ("conflict", 409)
    assert Dossier.objects.get(pk=d.pk).status == State.SUBMITTED


def test_officer_cannot_file_an_online_dossier_for_the_applicant(procedure, people):
    from opendvc.agencies.models import Agency

    d = services.dossier_create_draft(
        applicant=people[Role.APPLICANT],
        procedure=procedure,
        receiving_agency=Agency.objects.get(code=JUSTICE),
        actor=people[Role.APPLICANT],
    )
    with pytest.raises(ProblemError) as err:
        services.dossier_act(
            dossier=d, action="submit", actor=people[Role.RECEIVING_OFFICER], declaration=True
        )
    assert err.value.status == 403
    assert Dossier.objects.get(pk=d.pk).status == State.DRAFT


def test_history_is_append_only(procedure, people):
    from django.core.exceptions import ValidationError

    d = dossier_in(State.SUBMITTED, procedure, people)
    event = d.events.first()
    event.note = "sửa lịch sử"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_nothing_but_the_transition_assigns_a_status():
    """Static check: no module of the app writes a dossier's ``status`` (no attribute assignment, no
    ``status=`` in a create/update call): the engine (``core.statemachine``) does."""
    root = Path(services.__file__).parent.parent
    offenders = []
    assignment = re.compile(r"\.status\s*=[^=]")
    bulk = re.compile(r"\.(update|create|get_or_create|update_or_create)\([^)]*\bstatus=")
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if assignment.search(line) or bulk.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
    from opendvc.core import statemachine

    assert (
        "setattr(locked, self.state_field, spec.next_state)"
        in Path(statemachine.__file__).read_text()
    )


@pytest.mark.django_db(transaction=True)
def test_two_officers_at_once_one_wins_the_other_gets_conflict(
    postgres_db, procedure, people, officer2
):
    d = dossier_in(State.SUBMITTED, procedure, people)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def run(name, user, action, inputs):
        from django.db import connection

        try:
            barrier.wait()
            services.dossier_act(dossier=d, action=action, actor=user, **inputs)
            results[name] = "ok"
        except ProblemError as exc:
            results[name] = (exc.code, exc.status)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("a", people[Role.RECEIVING_OFFICER], "receive", {})),
        threading.Thread(
            target=run, args=("b", officer2, "refuse", {"reason": "Không đủ điều kiện"})
        ),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(map(str, results.values())) == sorted(["ok", str(("conflict", 409))])
    fresh = Dossier.objects.get(pk=d.pk)
    assert fresh.status in (State.RECEIVED, State.REFUSED)
    assert fresh.events.filter(action__in=["receive", "refuse"]).count() == 1
