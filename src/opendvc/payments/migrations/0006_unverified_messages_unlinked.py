"""A gateway's message belongs to a payment attempt only when its signature verified
(``services.message_record``). Those kept before with a signature that did not verify, linked by the
reference they quoted, are unlinked here: they keep that reference as text and go with the messages
that matched nothing (retention policy ``gateway_unmatched``). In batches by primary key, each its
own short statement."""

from django.db import migrations

BATCH = 1000


def unverified_unlinked(apps, schema_editor):
    GatewayMessage = apps.get_model("payments", "GatewayMessage")
    unverified = GatewayMessage.objects.filter(attempt__isnull=False).exclude(signature_ok=True)
    last = 0
    while True:
        pks = list(
            unverified.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not pks:
            return
        last = pks[-1]
        GatewayMessage.objects.filter(pk__in=pks).update(attempt=None)


class Migration(migrations.Migration):
    # Each batch commits on its own.
    atomic = False

    dependencies = [
        ("payments", "0005_gatewaymessage_gatewaymsg_unmatched"),
    ]

    operations = [
        migrations.RunPython(unverified_unlinked, migrations.RunPython.noop, elidable=True),
    ]
