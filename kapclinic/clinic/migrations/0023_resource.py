"""Rooms and chairs as resources (issue 21): the model, the appointment's link to one, and the
clinic admin's permissions to keep them. The free-text room goes in 0024 and 0025."""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Clinic admin")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="clinic",
            codename__in=["view_resource", "add_resource", "change_resource"],
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0022_diagnoses_and_billing_identifiers"),
    ]

    operations = [
        migrations.CreateModel(
            name="Resource",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(help_text="As staff say it, e.g. “Recliner A”.", max_length=60),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("dosing_room", "Dosing room"),
                            ("chair", "Recliner / chair"),
                            ("therapy_room", "Therapy room"),
                            ("telehealth", "Telehealth"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "capacity",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="How many people it seats. One appointment holds it at a "
                        "time, whatever its size.",
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "active",
                    models.BooleanField(
                        default=True,
                        help_text="Untick to stop booking it; appointments already booked keep it.",
                    ),
                ),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="resources",
                        to="clinic.clinic",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        models.F("clinic"),
                        django.db.models.functions.text.Lower("name"),
                        name="clinic_resource_unique_name",
                        violation_error_message="This clinic already has a room or chair of "
                        "that name.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("capacity__gte", 1)),
                        name="clinic_resource_capacity_positive",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="appointment",
            name="resource",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="clinic.resource",
                verbose_name="room or chair",
            ),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
