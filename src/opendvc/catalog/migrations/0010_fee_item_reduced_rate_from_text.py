from django.db import migrations

from opendvc.catalog.fees import fee_rate


def fill_rates(apps, schema_editor):
    """The fee items already in the database get the reduced rate their name or note states, by the
    rule the import uses (``catalog.fees.fee_rate``); an item with a rate set keeps it."""
    FeeItem = apps.get_model("catalog", "FeeItem")
    changed = []
    for item in (
        FeeItem.objects.filter(rate_percent__isnull=True)
        .only("pk", "name", "note")
        .iterator()
    ):
        rate = fee_rate(item.name, item.note)
        if rate is not None:
            item.rate_percent, item.rate_from, item.rate_to = rate.percent, rate.start, rate.end
            item.rate_basis = rate.basis
            changed.append(item)
    FeeItem.objects.bulk_update(
        changed, ["rate_percent", "rate_from", "rate_to", "rate_basis"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_fee_item_reduced_rate"),
    ]

    operations = [
        migrations.RunPython(fill_rates, migrations.RunPython.noop),
    ]
