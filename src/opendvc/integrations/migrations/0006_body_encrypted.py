"""The body of each peer's request logged is encrypted at rest (``core.fields.EncryptedTextField``);
the rows already stored are encrypted here, in batches."""

from django.db import migrations

import opendvc.core.fields
from opendvc.core.migration_ops import encrypt_column


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('integrations', '0005_destination_held_until'),
    ]

    operations = [
        migrations.AlterField(
            model_name='inboundmessage',
            name='body',
            field=opendvc.core.fields.EncryptedTextField(blank=True, default='', verbose_name='nội dung nhận'),
        ),
        encrypt_column("integrations", "InboundMessage", "body"),
    ]
