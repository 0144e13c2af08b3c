"""Appointments keep when they last changed and how often their time or status changed
(the iCalendar SEQUENCE), so the reminder scan finds every change whatever path made it.
Existing rows: changed when created, version 0."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def changed_when_created(apps, schema_editor):
    Appointment = apps.get_model("clinic", "Appointment")
    Appointment.objects.update(changed_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0026_appointment_series'),
    ]

    operations = [
        migrations.AddField(
            model_name='appointment',
            name='changed_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name='appointment',
            name='sequence',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(changed_when_created, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='appointment',
            index=models.Index(condition=models.Q(('sequence__gt', 0)), fields=['starts_at'], name='appointment_changed_idx'),
        ),
    ]
