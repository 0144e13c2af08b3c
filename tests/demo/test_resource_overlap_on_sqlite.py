"""The SQLite demo keeps a room or chair to one live appointment at a time too: its trigger
refuses what PostgreSQL's exclusion constraint refuses (issue 21), and a cancelled booking
frees the resource."""

from .sqlite_demo import OVERLAP_PROBE, run_on_fresh_sqlite

# Runs inside `manage.py shell` on a freshly migrated SQLite database: two patients of one
# clinic in the same recliner.
SCRIPT = (
    """
from datetime import timedelta
from django.utils import timezone
from kapclinic.clinic.models import Appointment
from kapclinic.demo.builder import room
from tests.factories import CourseFactory, PatientFactory

first = CourseFactory()
second = CourseFactory(patient=PatientFactory(clinic=first.clinic))
recliner = room(first.clinic, "Recliner A")
start = timezone.now() + timedelta(days=3)
FIRST, SECOND = first, second


def book(course, from_hour, to_hour):
    return Appointment.objects.create(
        course=course,
        kind="dosing",
        starts_at=start + timedelta(hours=from_hour),
        ends_at=start + timedelta(hours=to_hour),
        resource=recliner,
    )
"""
    + OVERLAP_PROBE
    + """
Appointment.objects.filter(pk=held.pk).update(status="cancelled")
book(second, 0, 1)
print("after cancelling: saved")
"""
)


def test_sqlite_refuses_one_resource_in_two_overlapping_appointments(fresh_sqlite):
    output = run_on_fresh_sqlite(fresh_sqlite, SCRIPT)
    assert "overlap: refused by appointment_no_resource_overlap" in output
    assert "back to back: saved" in output
    assert "after cancelling: saved" in output
