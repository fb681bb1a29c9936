"""Seed the national mapping tables with the codes the provinces' one-stop systems use (TrangThaiHoSo
1–10, HinhThuc 1–3). Values are written here, not imported, so later edits of the seed do not change
what this migration did."""

from django.db import migrations

STATUS = {
    "draft": None, "deleted": None, "submitted": 1, "returned_for_completion": 1, "received": 2,
    "refused": 3, "processing": 4, "supplement_requested": 5, "payment_required": 6, "withdrawn": 7,
    "stopped": 8, "result_ready": 9, "returned": 10,
}
CHANNEL = {"counter": 1, "online": 2, "national_portal": 2, "postal": 3}


def seed(apps, schema_editor):
    StatusMap = apps.get_model("integrations", "NationalStatusMap")
    ChannelMap = apps.get_model("integrations", "NationalChannelMap")
    for state, code in STATUS.items():
        StatusMap.objects.get_or_create(state=state, defaults={"code": code})
    for channel, code in CHANNEL.items():
        ChannelMap.objects.get_or_create(channel=channel, defaults={"code": code})


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
