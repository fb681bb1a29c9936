"""The instants a report as of a past cut-off needs: when the sender withdrew an item
(``Feedback.withdrawn_at``) and the forwardings a send-back or a reopening ended (``FeedbackRound``).

Both are filled for the items handled before, from their history (``FeedbackEvent``, appended in the
transaction of each action). ``withdrawn_at`` is the instant of the withdrawal entry; an item whose
history holds none (imported) keeps it empty and counts as withdrawn at every cut-off, as all
withdrawn items did before. The ended forwardings are rebuilt by replaying each item's history the way
the actions changed the item (``rounds_from_history``); one whose agency code is no longer found is left
out, and that item counts, as of a cut-off inside it, as it stands now.
"""

from datetime import datetime

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_withdrawn_at(apps, schema_editor):
    Feedback = apps.get_model("feedback", "Feedback")
    FeedbackEvent = apps.get_model("feedback", "FeedbackEvent")
    withdrawal = FeedbackEvent.objects.filter(
        feedback=OuterRef("pk"), action="withdraw", to_status="withdrawn"
    ).order_by("-created_at", "-pk")
    Feedback.objects.filter(status="withdrawn", withdrawn_at__isnull=True).update(
        withdrawn_at=Subquery(withdrawal.values("created_at")[:1])
    )


def _instant(text):
    return datetime.fromisoformat(text) if text else None


def rounds_from_history(events, agencies: dict) -> list[dict]:
    """The forwardings a send-back or a reopening ended, from one item's history in order: what
    ``services._end_round`` keeps, replayed from the entries (agency codes, deadlines and instants in
    their data). The lateness is recorded as ``timing.record_overdue`` does before every action: at
    the binding deadline, once an action comes after it at an agency."""
    out = []
    agency = forwarded = escalated = answered = overdue = due = None
    rescheduled = False
    for event in events:
        at, data, action = event.created_at, event.data or {}, event.action
        if event.from_status in ("forwarded", "escalated") and overdue is None and due and at > due:
            overdue = due
        if action == "forward":
            agency, forwarded, due = (
                agencies.get(data.get("agency")),
                at,
                _instant(data.get("due_at")),
            )
            escalated = answered = None
        elif action == "escalate":
            head = _instant(data.get("due_at"))
            escalated, due = at, max(head, due) if rescheduled and due and head else head
        elif action == "reschedule":
            rescheduled, due = True, _instant(data.get("due_at"))
        elif action == "answer":
            answered = at
        elif action in ("send_back", "reopen"):
            if action == "send_back" and data.get("overdue_since"):
                overdue = _instant(data["overdue_since"])
            if action == "reopen":
                answered = _instant(data.get("previous_answered_at")) or answered
            if agency is not None and forwarded is not None:
                out.append(
                    {
                        "agency_id": agency,
                        "forwarded_at": forwarded,
                        "escalated_at": escalated,
                        "answered_at": answered,
                        "overdue_since": overdue,
                        "ended_at": at,
                        "ended_by": action,
                    }
                )
            escalated = answered = None
            if action == "send_back":
                agency = forwarded = overdue = due = None
            else:
                # Same agency, fresh deadlines (not in the entry); the lateness stays.
                forwarded, due = at, None
    return out


def fill_rounds(apps, schema_editor):
    FeedbackEvent = apps.get_model("feedback", "FeedbackEvent")
    FeedbackRound = apps.get_model("feedback", "FeedbackRound")
    Agency = apps.get_model("agencies", "Agency")
    agencies = dict(Agency.objects.values_list("code", "pk"))
    ended = FeedbackEvent.objects.filter(action__in=("send_back", "reopen"))
    for pk in sorted(set(ended.values_list("feedback_id", flat=True))):
        kept = set(FeedbackRound.objects.filter(feedback_id=pk).values_list("ended_at", flat=True))
        events = FeedbackEvent.objects.filter(feedback_id=pk).order_by("created_at", "pk")
        FeedbackRound.objects.bulk_create(
            FeedbackRound(feedback_id=pk, **r)
            for r in rounds_from_history(events, agencies)
            if r["ended_at"] not in kept
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_sort_name"),
        ("feedback", "0006_merge_parallel_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="rút lúc"),
        ),
        migrations.CreateModel(
            name="FeedbackRound",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("forwarded_at", models.DateTimeField()),
                ("escalated_at", models.DateTimeField(blank=True, null=True)),
                ("answered_at", models.DateTimeField(blank=True, null=True)),
                ("overdue_since", models.DateTimeField(blank=True, null=True)),
                ("ended_at", models.DateTimeField()),
                ("ended_by", models.CharField(max_length=30)),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agencies.agency",
                    ),
                ),
                (
                    "feedback",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rounds",
                        to="feedback.feedback",
                    ),
                ),
            ],
            options={
                "ordering": ["forwarded_at", "pk"],
                "indexes": [
                    models.Index(fields=["ended_at", "forwarded_at"], name="feedback_round_span")
                ],
            },
        ),
        migrations.RunPython(fill_withdrawn_at, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(fill_rounds, migrations.RunPython.noop, elidable=True),
    ]
