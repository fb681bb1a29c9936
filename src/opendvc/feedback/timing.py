"""When a feedback item is on time and when it is late: the one definition used by the work queues,
the item pages (staff and sender), the public questions and answers, the API and every figure.

The rule (Regulation Art. 8; written out in docs/glossary.md, "Phản ánh, kiến nghị — thời hạn"):

* Both deadlines count in working hours from the instant the switchboard forwarded the item to the
  agency (Art. 8.2): the focal officer's 8 hours and the head's 48 hours.
* The *binding deadline* of the stage the item is in is that stage's deadline, or the new time agreed
  with the sender when the agency rescheduled under the one-reschedule rule (Art. 8.3). An item
  escalated after a reschedule keeps the later of the agreed time and the head's deadline.
* The item is *trễ hạn (đang chờ xử lý)* as soon as the binding deadline passes without an answer:
  ``overdue_since`` records that instant and is never cleared (Art. 8.2 "và tiếp tục hiển thị").
  Escalating, rescheduling or answering afterwards does not undo it. Only a send-back (the item
  was forwarded to the wrong agency) ends that forwarding: the lateness stays in its history entry
  and in the ended forwarding (``FeedbackRound``), and the next agency's clock starts afresh. A
  reopening by the sender (not satisfied with the answer) gives the same agency fresh deadlines but
  keeps ``overdue_since``: the item stays shown as late. Both end the forwarding's reschedule: it
  stays in the ended forwarding, and the next one may agree its own (one per forwarding).
* Answered with ``overdue_since`` unset → *trả lời đúng hạn*; answered after it was set → *trả lời
  trễ hạn*.

``standing`` puts an item in exactly one class; ``standing_q`` is the same rule as a database
filter, for queues and figures. ``record_overdue`` is called by every transition before it moves a
deadline, so the record does not depend on when the periodic job last ran. ``late_at_q`` and
``late_since`` are the rule as of an earlier instant (the reports' cut-off), read from the instants the
item keeps; ``state_at`` gives those instants as they stood at the cut-off, the forwarding a send-back
or a reopening has since ended included, and ``withdrawn_q`` when the sender withdrew it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Case, DateTimeField, F, FilteredRelation, Q, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .lifecycle import AT_AGENCY_STATES, State

if TYPE_CHECKING:
    from .models import Feedback

ANSWERED_STATES = frozenset({State.ANSWERED, State.CLOSED})


class Standing(models.TextChoices):
    PENDING = "pending", _("Đang xử lý, trong hạn")
    PENDING_OVERDUE = "pending_overdue", _("Trễ hạn (đang chờ xử lý)")
    ANSWERED_ON_TIME = "answered_on_time", _("Trả lời đúng hạn")
    ANSWERED_LATE = "answered_late", _("Trả lời trễ hạn")
    WITHDRAWN = "withdrawn", _("Người gửi đã rút")


def binding_deadline_passed(feedback: Feedback, now: datetime) -> bool:
    """At an agency and past the binding deadline of the current stage (not yet recorded)."""
    return (
        feedback.status in AT_AGENCY_STATES
        and feedback.due_at is not None
        and now > feedback.due_at
    )


def record_overdue(feedback: Feedback, now: datetime) -> None:
    """Record *trễ hạn* at the instant the binding deadline passed, if it has passed by ``now``.
    Never clears it. Changes the instance only (the caller saves)."""
    if feedback.overdue_since is None and binding_deadline_passed(feedback, now):
        feedback.overdue_since = feedback.due_at


def standing(feedback: Feedback, now: datetime | None = None) -> Standing | None:
    """The class of an item forwarded to an agency; ``None`` for items never forwarded (or sent
    back to the switchboard)."""
    if feedback.agency_id is None or feedback.forwarded_at is None:
        return None
    now = now or timezone.now()
    late = feedback.overdue_since is not None
    if feedback.status in AT_AGENCY_STATES:
        return (
            Standing.PENDING_OVERDUE
            if late or binding_deadline_passed(feedback, now)
            else Standing.PENDING
        )
    if feedback.status in ANSWERED_STATES:
        return Standing.ANSWERED_LATE if late else Standing.ANSWERED_ON_TIME
    if feedback.status == State.WITHDRAWN:
        return Standing.WITHDRAWN
    return None


def standing_q(value: str, now: datetime) -> Q:
    """The database filter selecting the items whose ``standing`` is ``value`` at ``now``."""
    counted = Q(agency__isnull=False, forwarded_at__isnull=False)
    at_agency = Q(status__in=sorted(AT_AGENCY_STATES))
    past = Q(overdue_since__isnull=False) | Q(due_at__lt=now)
    if value == Standing.PENDING_OVERDUE:
        return counted & at_agency & past
    if value == Standing.PENDING:
        return counted & at_agency & ~past
    answered = counted & Q(status__in=sorted(ANSWERED_STATES))
    if value == Standing.ANSWERED_LATE:
        return answered & Q(overdue_since__isnull=False)
    if value == Standing.ANSWERED_ON_TIME:
        return answered & Q(overdue_since__isnull=True)
    if value == Standing.WITHDRAWN:
        return counted & Q(status=State.WITHDRAWN)
    raise ValueError(value)


# The prefix of the annotations ``state_at`` adds: the item's instants as they stood at a cut-off.
THEN = "then_"
ROUND = THEN + "round"
_KEPT = (
    "agency_id",
    "forwarded_at",
    "escalated_at",
    "answered_at",
    "overdue_since",
    "rescheduled_at",
)
# Steps taken after the cut-off had not happened then (``overdue_since`` is compared by ``late_at_q``).
_UNTIL_CUTOFF = ("escalated_at", "answered_at", "rescheduled_at")


def state_at(cutoff: datetime) -> dict[str, Any]:
    """Annotations giving each item's forwarding as it stood at ``cutoff`` (``THEN`` + the field):
    its current one when it started before the cut-off, else the ended one (``FeedbackRound``: sent
    back or reopened since) that held it then — joined as ``then_round``, at most one — else nothing
    (``then_agency_id`` NULL: not at an agency then); an escalation or an answer after the cut-off is
    left out. ``then_due_at`` is the current forwarding's binding deadline only: an ended one recorded
    its lateness when it ended (``record_overdue`` runs before every action).

    With ``withdrawn_at`` (and ``overdue_since``, never cleared within a forwarding) this is what a
    report as of a past cut-off reads, so its figures do not change when the items move on: a
    withdrawal, a send-back or a reopening after the cut-off leaves them as they were."""
    current = Q(forwarded_at__lt=cutoff)
    out: dict[str, Any] = {
        ROUND: FilteredRelation(
            "rounds",
            condition=Q(rounds__forwarded_at__lt=cutoff, rounds__ended_at__gte=cutoff),
        )
    }
    for name in _KEPT:
        field = models.BigIntegerField() if name == "agency_id" else DateTimeField()
        value, kept = F(name), F(f"{ROUND}__{name}")
        if name in _UNTIL_CUTOFF:
            value = Case(When(Q(**{f"{name}__lt": cutoff}), then=value), default=None)
            kept = Case(When(Q(**{f"{ROUND}__{name}__lt": cutoff}), then=kept), default=None)
        out[THEN + name] = Case(When(current, then=value), default=kept, output_field=field)
    out[THEN + "due_at"] = Case(When(current, then=F("due_at")), default=None)
    return out


def withdrawn_q(cutoff: datetime) -> Q:
    """The items withdrawn before ``cutoff``; those withdrawn before the instant was kept (no
    ``withdrawn_at``) count as withdrawn at every cut-off."""
    return Q(withdrawn_at__lt=cutoff) | Q(status=State.WITHDRAWN, withdrawn_at__isnull=True)


def _late_cases(cutoff, prefix: str = "") -> tuple[tuple[Q, str], ...]:
    """The two ways an item is late at ``cutoff``, each with the field holding the instant it became
    late: recorded before the cut-off (``overdue_since``, never cleared, so an item late then stays
    counted late then whatever it did afterwards); or still at an agency, its binding deadline passed
    before the cut-off and not recorded yet (no transition since, the periodic job not run):
    ``record_overdue`` will record that very deadline, so a figure does not wait for the job.
    ``prefix`` ``THEN`` reads the instants as they stood at a cut-off (``state_at``)."""
    since, due = prefix + "overdue_since", prefix + "due_at"
    # Each case says its instant is set, so that its negation holds for an item without one (SQL
    # compares NULL to nothing; Django adds this by itself for columns, not for annotations).
    recorded = Q(**{f"{since}__isnull": False, f"{since}__lt": cutoff})
    unrecorded = Q(
        **{f"{since}__isnull": True, f"{due}__isnull": False, f"{due}__lt": cutoff},
        status__in=sorted(AT_AGENCY_STATES),
    )
    return ((recorded, since), (unrecorded, due))


def late_at_q(cutoff, prefix: str = "") -> Q:
    """The items late at ``cutoff`` — an instant, or an expression such as ``F("answered_at")`` (an
    answer is late when the item was late at the instant of the answer). Only instants are read, so
    a period's figures do not change when its items move on (with ``prefix`` ``THEN``, not even when
    they are withdrawn, sent back or reopened); at ``now`` it selects the items whose ``standing``
    is late (pending overdue or answered late)."""
    (recorded, _field), (unrecorded, _field) = _late_cases(cutoff, prefix)
    return recorded | unrecorded


def late_since(cutoff, prefix: str = ""):
    """The instant an item became late as known at ``cutoff`` (a database expression), NULL for an
    item not late then (``late_at_q``): what a list shows beside the figure it details."""
    return Case(
        *(When(q, then=F(field)) for q, field in _late_cases(cutoff, prefix)),
        default=None,
        output_field=DateTimeField(),
    )


def is_overdue(feedback: Feedback, now: datetime | None = None) -> bool:
    """Late now or ever (stays so): the badge of the item pages and ``overdue`` of the API."""
    return feedback.overdue_since is not None or standing(feedback, now) == Standing.PENDING_OVERDUE


def overdue_label(feedback: Feedback, now: datetime | None = None) -> str:
    if not is_overdue(feedback, now):
        return ""
    if feedback.status in ANSWERED_STATES:
        return str(Standing.ANSWERED_LATE.label)
    if feedback.status == State.WITHDRAWN:
        return str(_("Trễ hạn (trước khi người gửi rút)"))
    return str(Standing.PENDING_OVERDUE.label)
