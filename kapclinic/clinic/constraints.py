"""No double booking of a clinician, a resource (room or chair) or a patient, enforced by the
database on PostgreSQL and on the SQLite demo alike.

PostgreSQL gets exclusion constraints (btree_gist). SQLite has none, so the same rules are
triggers there; the constraint class emits no SQL on SQLite, so migrations still apply.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Func

CLINICIAN_OVERLAP = "appointment_no_clinician_overlap"
RESOURCE_OVERLAP = "appointment_no_resource_overlap"
PATIENT_OVERLAP = "appointment_no_patient_overlap"
# The free-text room's, until migration 0025 made rooms resources: kept for the migrations.
ROOM_OVERLAP = "appointment_no_room_overlap"
# The triggers migration 0007 installed; the patient's and the resource's came later.
FIRST_TRIGGERS = (CLINICIAN_OVERLAP, ROOM_OVERLAP)
# Each trigger and the column it reads: a database migrated back before a column has no trigger.
TRIGGER_COLUMNS = (
    (CLINICIAN_OVERLAP, "clinician"),
    (ROOM_OVERLAP, "room"),
    (PATIENT_OVERLAP, "patient"),
    (RESOURCE_OVERLAP, "resource"),
)


class TsTzRange(Func):
    """[starts_at, ends_at): back-to-back appointments touch but do not overlap."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that other databases skip (they enforce it another way).

    Model validation is left to `clean()`, which says which field clashes, in words.
    """

    def _postgres(self, schema_editor):
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return (
            super().constraint_sql(model, schema_editor) if self._postgres(schema_editor) else None
        )

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if self._postgres(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if self._postgres(schema_editor) else None

    def validate(self, model, instance, exclude=None, using=None):
        return None


# The SQLite twin of the exclusion constraints. Datetimes are stored as UTC text of one
# format, so text comparison orders them; RAISE(ABORT) surfaces as an IntegrityError.
_LIVE = "('booked', 'checked_in')"
_OVERLAPS = "a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at"
_GUARDS = {
    CLINICIAN_OVERLAP: (
        f"NEW.status IN {_LIVE} AND NEW.clinician_id IS NOT NULL",
        f"a.clinician_id = NEW.clinician_id AND a.status IN {_LIVE} AND {_OVERLAPS}",
    ),
    ROOM_OVERLAP: (
        f"NEW.status IN {_LIVE} AND NEW.room <> ''",
        f"a.clinic_id = NEW.clinic_id AND lower(a.room) = lower(NEW.room) "
        f"AND a.status IN {_LIVE} AND {_OVERLAPS}",
    ),
    PATIENT_OVERLAP: (
        f"NEW.status IN {_LIVE}",
        f"a.patient_id = NEW.patient_id AND a.status IN {_LIVE} AND {_OVERLAPS}",
    ),
    RESOURCE_OVERLAP: (
        f"NEW.status IN {_LIVE} AND NEW.resource_id IS NOT NULL",
        f"a.resource_id = NEW.resource_id AND a.status IN {_LIVE} AND {_OVERLAPS}",
    ),
}


def _trigger_sql(names):
    # Built only from the constants above, never from input.
    for name in names:
        when, clash = _GUARDS[name]
        for event, not_self in (("INSERT", ""), ("UPDATE", " AND a.id <> NEW.id")):
            yield (
                f"{name}_{event.lower()}",
                f"CREATE TRIGGER IF NOT EXISTS {name}_{event.lower()} "  # noqa: S608
                f"BEFORE {event} ON clinic_appointment WHEN {when} BEGIN "
                f"SELECT RAISE(ABORT, '{name}') WHERE EXISTS "
                f"(SELECT 1 FROM clinic_appointment a WHERE {clash}{not_self}); END",
            )


def install_sqlite_overlap_triggers(connection, names=FIRST_TRIGGERS):
    """Create the SQLite triggers (idempotent); a no-op on other databases."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for _name, sql in _trigger_sql(names):
            cursor.execute(sql)


def drop_sqlite_overlap_triggers(connection, names=FIRST_TRIGGERS):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name, _sql in _trigger_sql(names):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def reinstall_after_migrate(sender, using, apps=None, **kwargs):
    """post_migrate: SQLite drops triggers whenever a migration rebuilds the table."""
    from django.db import connections

    try:
        model = apps.get_model("clinic", "Appointment")
    except (AttributeError, LookupError):
        return
    if not _has_column(model, "clinic"):
        return  # migrated back before migration 0007 installed the first triggers
    names = [name for name, column in TRIGGER_COLUMNS if _has_column(model, column)]
    install_sqlite_overlap_triggers(connections[using], names)


def _has_column(model, field):
    try:
        model._meta.get_field(field)
    except FieldDoesNotExist:
        return False
    return True
