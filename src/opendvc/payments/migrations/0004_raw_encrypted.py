"""The raw message of each payment gateway's confirmation, return, query or refund is encrypted at
rest (``core.fields.EncryptedTextField``); the rows already stored are encrypted here, in batches."""

from django.db import migrations

import opendvc.core.fields
from opendvc.core.migration_ops import encrypt_column


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('payments', '0003_order_settled_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='gatewaymessage',
            name='raw',
            field=opendvc.core.fields.EncryptedTextField(blank=True),
        ),
        encrypt_column("payments", "GatewayMessage", "raw"),
    ]
