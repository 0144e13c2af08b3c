"""Protocols are in force only once the medical director signs them off (issue 14).

The free-text sign-off could name anyone, so it is dropped: every existing protocol starts
unsigned and the clinic's medical director signs it off again. Each route/product keeps one
active protocol (the clinic default, else the oldest); weight-based protocols get a per-kg
ceiling no lower than their range.
"""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


def one_active_per_route_and_ceilings(apps, schema_editor):
    Protocol = apps.get_model("clinic", "Protocol")
    kept = set()
    for protocol in Protocol.objects.filter(active=True).order_by("-is_default", "pk"):
        key = (protocol.clinic_id, protocol.route, protocol.product)
        if key in kept:
            protocol.active = False
            protocol.save(update_fields=["active"])
        kept.add(key)
    for protocol in Protocol.objects.all():
        if protocol.dose_unit == "mg/kg":
            protocol.ceiling_mg_per_kg = max(Decimal(1), protocol.dose_max_mg)
            protocol.ceiling_mg = Decimal(150)
        else:
            protocol.ceiling_mg = max(Decimal(500), protocol.dose_max_mg)
        protocol.save(update_fields=["ceiling_mg", "ceiling_mg_per_kg"])


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0018_form_submission_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalprotocol",
            name="ceiling_mg",
            field=models.DecimalField(
                decimal_places=2,
                default=500,
                help_text="No single dose above this many mg is ever recorded.",
                max_digits=7,
                validators=[django.core.validators.MinValueValidator(Decimal("0.1"))],
            ),
        ),
        migrations.AddField(
            model_name="historicalprotocol",
            name="ceiling_mg_per_kg",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                help_text="For mg/kg routes (IV, IM): no single dose above this many mg per kg.",
                max_digits=5,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0.001"))],
            ),
        ),
        migrations.AddField(
            model_name="historicalprotocol",
            name="signed_off_on",
            field=models.DateField(
                blank=True,
                help_text="The day the medical director approved this version.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalprotocol",
            name="version",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Goes up by one whenever a clinical value changes.",
            ),
        ),
        migrations.AddField(
            model_name="protocol",
            name="ceiling_mg",
            field=models.DecimalField(
                decimal_places=2,
                default=500,
                help_text="No single dose above this many mg is ever recorded.",
                max_digits=7,
                validators=[django.core.validators.MinValueValidator(Decimal("0.1"))],
            ),
        ),
        migrations.AddField(
            model_name="protocol",
            name="ceiling_mg_per_kg",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                help_text="For mg/kg routes (IV, IM): no single dose above this many mg per kg.",
                max_digits=5,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0.001"))],
            ),
        ),
        migrations.AddField(
            model_name="protocol",
            name="signed_off_on",
            field=models.DateField(
                blank=True,
                help_text="The day the medical director approved this version.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="protocol",
            name="version",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Goes up by one whenever a clinical value changes.",
            ),
        ),
        migrations.AddField(
            model_name="provider",
            name="is_medical_director",
            field=models.BooleanField(
                default=False,
                help_text="The prescriber who signs off the clinic's protocols (one per clinic).",
                verbose_name="medical director",
            ),
        ),
        migrations.AlterField(
            model_name="historicalprotocol",
            name="active",
            field=models.BooleanField(
                default=True, help_text="One active protocol per route and product."
            ),
        ),
        migrations.RemoveField(model_name="historicalprotocol", name="signed_off_by"),
        migrations.AddField(
            model_name="historicalprotocol",
            name="signed_off_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The clinic's medical director. Not in force until signed off.",
                limit_choices_to={"is_medical_director": True},
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="clinic.provider",
            ),
        ),
        migrations.AlterField(
            model_name="protocol",
            name="active",
            field=models.BooleanField(
                default=True, help_text="One active protocol per route and product."
            ),
        ),
        migrations.RemoveField(model_name="protocol", name="signed_off_by"),
        migrations.AddField(
            model_name="protocol",
            name="signed_off_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The clinic's medical director. Not in force until signed off.",
                limit_choices_to={"is_medical_director": True},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="signed_protocols",
                to="clinic.provider",
            ),
        ),
        migrations.RunPython(one_active_per_route_and_ceilings, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="protocol",
            constraint=models.UniqueConstraint(
                condition=models.Q(("active", True)),
                fields=("clinic", "route", "product"),
                name="protocol_one_active_per_route_and_product",
            ),
        ),
        migrations.AddConstraint(
            model_name="protocol",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("dose_unit", "mg/kg"), _negated=True),
                    ("ceiling_mg_per_kg__isnull", False),
                    _connector="OR",
                ),
                name="protocol_weight_based_has_ceiling_per_kg",
            ),
        ),
        migrations.AddConstraint(
            model_name="protocol",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("signed_off_by__isnull", True), ("signed_off_on__isnull", True)),
                    models.Q(("signed_off_by__isnull", False), ("signed_off_on__isnull", False)),
                    _connector="OR",
                ),
                name="protocol_sign_off_has_who_and_when",
            ),
        ),
        migrations.AddConstraint(
            model_name="provider",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_medical_director", True)),
                fields=("clinic",),
                name="provider_one_medical_director_per_clinic",
            ),
        ),
        migrations.AddConstraint(
            model_name="provider",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_medical_director", False), ("role", "prescriber"), _connector="OR"
                ),
                name="provider_medical_director_is_prescriber",
            ),
        ),
    ]
