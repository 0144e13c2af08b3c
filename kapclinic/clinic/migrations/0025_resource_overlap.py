"""The free-text room goes: its no-overlap rule becomes the resource's (an exclusion
constraint on PostgreSQL, a trigger on the SQLite demo)."""

import django.contrib.postgres.fields.ranges
from django.db import migrations, models

import kapclinic.clinic.constraints
from kapclinic.clinic.constraints import RESOURCE_OVERLAP, ROOM_OVERLAP

LIVE = ("booked", "checked_in")


def sqlite_triggers(install, drop):
    """Install then drop named triggers on SQLite (no-ops on PostgreSQL)."""

    def run(apps, schema_editor):
        connection = schema_editor.connection
        kapclinic.clinic.constraints.drop_sqlite_overlap_triggers(connection, drop)
        kapclinic.clinic.constraints.install_sqlite_overlap_triggers(connection, install)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0024_rooms_to_resources"),
    ]

    operations = [
        # SQLite cannot drop a column a trigger reads: the room's trigger goes first.
        migrations.RunPython(
            sqlite_triggers(install=[], drop=[ROOM_OVERLAP]),
            sqlite_triggers(install=[ROOM_OVERLAP], drop=[]),
        ),
        migrations.RemoveConstraint(
            model_name="appointment",
            name=ROOM_OVERLAP,
        ),
        migrations.RemoveField(
            model_name="appointment",
            name="room",
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=kapclinic.clinic.constraints.PostgresExclusionConstraint(
                condition=models.Q(("resource__isnull", False), ("status__in", LIVE)),
                expressions=[
                    ("resource", "="),
                    (
                        kapclinic.clinic.constraints.TsTzRange(
                            "starts_at",
                            "ends_at",
                            django.contrib.postgres.fields.ranges.RangeBoundary(),
                        ),
                        "&&",
                    ),
                ],
                name=RESOURCE_OVERLAP,
            ),
        ),
        migrations.RunPython(
            sqlite_triggers(install=[RESOURCE_OVERLAP], drop=[]),
            sqlite_triggers(install=[], drop=[RESOURCE_OVERLAP]),
        ),
    ]
