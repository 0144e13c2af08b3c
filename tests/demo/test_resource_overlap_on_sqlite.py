"""The SQLite demo keeps a room or chair to one live appointment at a time too: its trigger
refuses what PostgreSQL's exclusion constraint refuses (issue 21), and a cancelled booking
frees the resource."""

from tests.processes import deployment_env, manage

# Runs inside `manage.py shell` on a freshly migrated SQLite database.
SCRIPT = """
from datetime import timedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from kapclinic.clinic.models import Appointment
from kapclinic.demo.builder import room
from tests.factories import CourseFactory, PatientFactory

first = CourseFactory()
second = CourseFactory(patient=PatientFactory(clinic=first.clinic))
recliner = room(first.clinic, "Recliner A")
start = timezone.now() + timedelta(days=3)


def book(course, from_hour, to_hour):
    return Appointment.objects.create(
        course=course,
        kind="dosing",
        starts_at=start + timedelta(hours=from_hour),
        ends_at=start + timedelta(hours=to_hour),
        resource=recliner,
    )


held = book(first, 0, 2)
try:
    with transaction.atomic():
        book(second, 1, 3)
    print("overlap: saved")
except IntegrityError as error:
    print("overlap: refused by", error)
book(second, 2, 3)
print("back to back: saved")
Appointment.objects.filter(pk=held.pk).update(status="cancelled")
book(second, 0, 1)
print("after cancelling: saved")
"""


def test_sqlite_refuses_one_resource_in_two_overlapping_appointments(tmp_path):
    env = deployment_env(
        "REDIS_URL", "DJANGO_ENV", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DEBUG="true"
    )
    manage("migrate", "--noinput", env=env)
    output = manage("shell", "-c", SCRIPT, env=env)
    assert "overlap: refused by appointment_no_resource_overlap" in output
    assert "back to back: saved" in output
    assert "after cancelling: saved" in output
