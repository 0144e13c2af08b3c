import django.contrib.postgres.fields.ranges
import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import kapclinic.clinic.constraints

LIVE = ("booked", "checked_in")


def copy_patient_from_course(apps, schema_editor):
    Appointment = apps.get_model("clinic", "Appointment")
    TreatmentCourse = apps.get_model("clinic", "TreatmentCourse")
    Appointment.objects.update(
        patient_id=Subquery(
            TreatmentCourse.objects.filter(pk=OuterRef("course_id")).values("patient_id")[:1]
        )
    )


def refuse_existing_clashes(apps, schema_editor):
    # Say which appointments clash, rather than fail on the constraint with no names.
    Appointment = apps.get_model("clinic", "Appointment")
    live = Appointment.objects.filter(status__in=LIVE)
    clashes = [
        (a.pk, b.pk)
        for a in live.order_by("pk")
        for b in live.filter(
            patient_id=a.patient_id, pk__gt=a.pk, starts_at__lt=a.ends_at, ends_at__gt=a.starts_at
        )
    ]
    if clashes:
        pairs = ", ".join(f"{a} and {b}" for a, b in clashes)
        raise RuntimeError(
            f"These live appointments book one patient twice at once: {pairs}. "
            "Cancel or move one of each pair, then migrate again."
        )


def install_sqlite_trigger(apps, schema_editor):
    # SQLite (the demo) has no exclusion constraints: a trigger refuses the same overlap.
    kapclinic.clinic.constraints.install_sqlite_overlap_triggers(
        schema_editor.connection, [kapclinic.clinic.constraints.PATIENT_OVERLAP]
    )


def drop_sqlite_trigger(apps, schema_editor):
    kapclinic.clinic.constraints.drop_sqlite_overlap_triggers(
        schema_editor.connection, [kapclinic.clinic.constraints.PATIENT_OVERLAP]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0012_history_of_clinical_records"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="patient",
            field=models.ForeignKey(
                null=True,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="clinic.patient",
            ),
        ),
        migrations.RunPython(copy_patient_from_course, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment",
            name="patient",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="clinic.patient",
            ),
        ),
        migrations.RunPython(refuse_existing_clashes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=kapclinic.clinic.constraints.PostgresExclusionConstraint(
                condition=models.Q(("status__in", LIVE)),
                expressions=[
                    ("patient", "="),
                    (
                        kapclinic.clinic.constraints.TsTzRange(
                            "starts_at",
                            "ends_at",
                            django.contrib.postgres.fields.ranges.RangeBoundary(),
                        ),
                        "&&",
                    ),
                ],
                name="appointment_no_patient_overlap",
            ),
        ),
        migrations.RunPython(install_sqlite_trigger, drop_sqlite_trigger),
    ]
