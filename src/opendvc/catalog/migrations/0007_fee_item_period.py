from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_sort_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='feeitem',
            name='valid_from',
            field=models.DateField(blank=True, null=True, verbose_name='áp dụng từ ngày'),
        ),
        migrations.AddField(
            model_name='feeitem',
            name='valid_to',
            field=models.DateField(blank=True, null=True, verbose_name='áp dụng đến hết ngày'),
        ),
    ]
