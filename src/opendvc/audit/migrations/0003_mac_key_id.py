"""Entries carry the id of the key their MAC was computed with.

Existing rows are not re-MACed: their SHA-256 hashes were computed without a key and re-computing
them now would rewrite history. They keep their hash and get ``key_id = "legacy"``; verification
accepts legacy rows only before the first keyed row (docs/security.md, "Audit trail").
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        # ADD COLUMN with a default fills existing rows without an UPDATE, so the append-only trigger
        # of PostgreSQL is not involved.
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(default="legacy", max_length=32, verbose_name="khóa"),
            preserve_default=False,
        ),
    ]
