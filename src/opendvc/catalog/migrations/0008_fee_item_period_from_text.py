from django.db import migrations

from opendvc.catalog.fees import fee_period


def fill_periods(apps, schema_editor):
    """The fee items already in the database get the period their name or note states, by the rule the
    import uses; an item with a period set keeps it."""
    FeeItem = apps.get_model("catalog", "FeeItem")
    changed = []
    for item in FeeItem.objects.filter(valid_from__isnull=True, valid_to__isnull=True).only(
        "pk", "name", "note"
    ).iterator():
        start, end = fee_period(item.name, item.note)
        if start or end:
            item.valid_from, item.valid_to = start, end
            changed.append(item)
    FeeItem.objects.bulk_update(changed, ["valid_from", "valid_to"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_fee_item_period"),
    ]

    operations = [
        migrations.RunPython(fill_periods, migrations.RunPython.noop),
    ]
