"""Regulation Art. 8.3 allows one reschedule per forwarding: a send-back to the switchboard or a reopening
ends the forwarding, and the next one starts with fresh deadlines and without the previous reschedule.
The ended forwarding (``FeedbackRound``) now keeps its reschedule, for the reports as of a cut-off
inside it.

For the items handled before, both are rebuilt from their history (``FeedbackEvent``): each ended
forwarding gets the instant of the reschedule made in it (``reschedules_from_history``), and an item
whose reschedule belongs to a forwarding that has since ended no longer carries it (it showed "Đã gia
hạn" and refused the new agency's reschedule). Filling the new column of the ended forwardings is an
UPDATE, which the append-only trigger of PostgreSQL refuses: the trigger is lifted for that statement
only, inside this migration's transaction, and installed again.
"""

from django.db import migrations, models

from opendvc.core.append_only import trigger_sql

UP, DOWN = trigger_sql("feedback_feedbackround")


def reschedules_from_history(events) -> tuple[dict, object]:
    """From one item's history in order: the reschedule instant of each ended forwarding (keyed by
    the instant the send-back or the reopening ended it; ``None`` when it had none) and that of the
    current forwarding."""
    ended: dict = {}
    current = None
    for event in events:
        if event.action == "forward":
            current = None
        elif event.action == "reschedule":
            current = event.created_at
        elif event.action in ("send_back", "reopen"):
            ended[event.created_at] = current
            current = None
    return ended, current


def fill_reschedules(apps, schema_editor):
    Feedback = apps.get_model("feedback", "Feedback")
    FeedbackEvent = apps.get_model("feedback", "FeedbackEvent")
    FeedbackRound = apps.get_model("feedback", "FeedbackRound")
    postgresql = getattr(getattr(schema_editor, "connection", None), "vendor", "") == "postgresql"
    ids = sorted(set(FeedbackRound.objects.values_list("feedback_id", flat=True)))
    if postgresql and ids:
        schema_editor.execute(DOWN, params=None)
    for pk in ids:
        events = FeedbackEvent.objects.filter(feedback_id=pk).order_by("created_at", "pk")
        ended, current = reschedules_from_history(events)
        for ended_at, rescheduled_at in ended.items():
            if rescheduled_at is not None:
                FeedbackRound.objects.filter(
                    feedback_id=pk, ended_at=ended_at, rescheduled_at__isnull=True
                ).update(rescheduled_at=rescheduled_at)
        if current is None and ended:
            # Only a reschedule made before the last forwarding ended is taken off the item.
            Feedback.objects.filter(
                pk=pk, rescheduled_at__isnull=False, rescheduled_at__lte=max(ended)
            ).update(rescheduled_at=None, reschedule_reason="")
    if postgresql and ids:
        schema_editor.execute(UP, params=None)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0008_round_append_only_trigger")]

    operations = [
        migrations.AddField(
            model_name="feedbackround",
            name="rescheduled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_reschedules, migrations.RunPython.noop, elidable=True),
    ]
