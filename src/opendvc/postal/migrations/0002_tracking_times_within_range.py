"""Tracking times outside the service's life, stored before the tracking callback checked them (year 1
or year 9999 in another zone: PostgreSQL keeps them, Python cannot read them, so every later callback
of the order and the applicant's order page answered 500), become the time the portal recorded them:
an event's ``recorded_at``, an order's ``updated_at`` (``last_tracking_at`` is cleared, so the next
callback is compared with nothing out of range). The bounds are ``carrier.EARLIEST_TRACKING`` and a
day after now (then the clock skew the tracking callback allowed)."""

from datetime import UTC, datetime, timedelta

from django.db import migrations
from django.db.models import F, Q
from django.utils import timezone

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def bring_into_range(apps, schema_editor):
    latest = timezone.now() + timedelta(days=1)
    alias = schema_editor.connection.alias

    def outside(field):
        return Q(**{f"{field}__lt": EARLIEST}) | Q(**{f"{field}__gt": latest})

    event = apps.get_model("postal", "PostalEvent")
    event.objects.using(alias).filter(outside("at")).update(at=F("recorded_at"))
    order = apps.get_model("postal", "PostalOrder")
    orders = order.objects.using(alias)
    orders.filter(outside("last_tracking_at")).update(last_tracking_at=None)
    orders.filter(outside("handed_at")).update(handed_at=F("updated_at"))
    orders.filter(outside("finished_at")).update(finished_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [("postal", "0001_initial")]

    operations = [migrations.RunPython(bring_into_range, migrations.RunPython.noop, elidable=True)]
