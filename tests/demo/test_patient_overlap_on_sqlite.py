"""The SQLite demo keeps a patient in one place too: its trigger refuses what PostgreSQL's
exclusion constraint refuses (issue 14, finding 6), and still allows back-to-back visits."""

from tests.processes import deployment_env, manage

# Runs inside `manage.py shell` on a freshly migrated SQLite database.
SCRIPT = """
from datetime import timedelta
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from kapclinic.clinic.models import Appointment
from tests.factories import CourseFactory

course = CourseFactory()
start = timezone.now() + timedelta(days=3)


def book(kind, from_hour, to_hour):
    return Appointment.objects.create(
        course=course,
        kind=kind,
        starts_at=start + timedelta(hours=from_hour),
        ends_at=start + timedelta(hours=to_hour),
    )


book("dosing", 0, 2)
try:
    with transaction.atomic():
        book("integration", 1, 3)
    print("overlap: saved")
except IntegrityError as error:
    print("overlap: refused by", error)
book("integration", 2, 3)
print("back to back: saved")
"""


def test_sqlite_refuses_one_patient_in_two_overlapping_appointments(tmp_path):
    env = deployment_env(
        "REDIS_URL", "DJANGO_ENV", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DEBUG="true"
    )
    manage("migrate", "--noinput", env=env)
    output = manage("shell", "-c", SCRIPT, env=env)
    assert "overlap: refused by appointment_no_patient_overlap" in output
    assert "back to back: saved" in output
