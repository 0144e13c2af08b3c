"""Reminders record the appointment version (SEQUENCE) each email described."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0004_invitation_and_safety_alert_emails'),
    ]

    operations = [
        migrations.AddField(
            model_name='reminder',
            name='sequence',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
    ]
