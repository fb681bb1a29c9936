"""An organisation's tax code is a declaration until the national business registry names a member
verified by the electronic identity as its legal representative: ``verified_at`` and
``verified_by``; only verified tax codes are unique (the unique index on every tax code gives way to
a plain one and a partial unique one). Existing organisations are unverified."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_cccd_verification"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="verified_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="xác thực mã số thuế lúc"
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="verified_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="người đại diện đã xác thực",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="tax_code",
            field=models.CharField(db_index=True, max_length=14, verbose_name="mã số thuế"),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("verified_at__isnull", False)),
                fields=("tax_code",),
                name="verified_tax_code_unique",
            ),
        ),
    ]
