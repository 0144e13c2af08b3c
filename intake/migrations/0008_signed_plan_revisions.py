"""Plans change only by a signed revision; PostgreSQL refuses any change to one."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from kapclinic.clinic.signed_triggers import refuse_always


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0007_free_text_length_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PlanRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveSmallIntegerField()),
                (
                    "route",
                    models.CharField(
                        choices=[
                            ("iv", "Intravenous infusion"),
                            ("im", "Intramuscular injection"),
                            ("sublingual", "Sublingual / buccal"),
                            ("intranasal", "Intranasal"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "product",
                    models.CharField(
                        choices=[
                            ("racemic_ketamine", "Racemic ketamine"),
                            ("esketamine", "Esketamine (Spravato)"),
                        ],
                        max_length=20,
                    ),
                ),
                ("dose_min_mg", models.DecimalField(decimal_places=2, max_digits=7)),
                ("dose_max_mg", models.DecimalField(decimal_places=2, max_digits=7)),
                ("planned_dosing_sessions", models.PositiveSmallIntegerField()),
                ("integration_cadence", models.CharField(max_length=200)),
                ("goals", models.TextField(blank=True)),
                ("reason", models.TextField(help_text="Why the plan changes.")),
                ("signed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="revisions",
                        to="intake.treatmentplan",
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["plan", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("plan", "version"), name="plan_revision_number_once"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("version__gte", 2)), name="plan_revision_after_v1"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("reason", ""), _negated=True),
                        name="plan_revision_has_reason",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("dose_max_mg__gte", models.F("dose_min_mg")), ("dose_min_mg__gt", 0)
                        ),
                        name="plan_revision_dose_range_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("planned_dosing_sessions__gte", 1)),
                        name="plan_revision_has_sessions",
                    ),
                ],
            },
        ),
        refuse_always("intake_planrevision", "treatment plan revision"),
    ]
