import opendvc.eforms.sealing
from django.db import migrations


def seal_existing_drafts(apps, schema_editor):
    """Encrypt the identifiers already stored in clear in unfinished drafts."""
    from opendvc.eforms.sealing import definition_identifier_keys, form_data_seal

    FormDraft = apps.get_model("eforms", "FormDraft")
    FormVersion = apps.get_model("eforms", "FormVersion")
    keys_of = {}
    drafts = FormDraft.objects.exclude(data={}).only("pk", "data", "form_version_id")
    for draft in drafts.iterator():
        fv = draft.form_version_id
        if fv not in keys_of:
            definition = FormVersion.objects.filter(pk=fv).values_list("definition", flat=True).first()
            keys_of[fv] = definition_identifier_keys(definition)
        sealed = form_data_seal(draft.data, keys=keys_of[fv])
        if sealed != draft.data:
            FormDraft.objects.filter(pk=draft.pk).update(data=sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("eforms", "0002_formdraft_expiry_warned_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="formdraft",
            name="data",
            field=opendvc.eforms.sealing.SealedFormDataField(
                blank=True, default=dict, verbose_name="dữ liệu"
            ),
        ),
        migrations.RunPython(seal_existing_drafts, migrations.RunPython.noop),
    ]
