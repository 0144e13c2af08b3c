"""The SQLite demo keeps a patient in one place too: its trigger refuses what PostgreSQL's
exclusion constraint refuses (issue 14, finding 6), and still allows back-to-back visits."""

from .sqlite_demo import OVERLAP_PROBE, run_on_fresh_sqlite

# Runs inside `manage.py shell` on a freshly migrated SQLite database: one patient, a dosing
# session then an integration visit.
SCRIPT = (
    """
from datetime import timedelta
from django.utils import timezone
from kapclinic.clinic.models import Appointment
from tests.factories import CourseFactory

course = CourseFactory()
start = timezone.now() + timedelta(days=3)
FIRST, SECOND = "dosing", "integration"


def book(kind, from_hour, to_hour):
    return Appointment.objects.create(
        course=course,
        kind=kind,
        starts_at=start + timedelta(hours=from_hour),
        ends_at=start + timedelta(hours=to_hour),
    )
"""
    + OVERLAP_PROBE
)


def test_sqlite_refuses_one_patient_in_two_overlapping_appointments(fresh_sqlite):
    output = run_on_fresh_sqlite(fresh_sqlite, SCRIPT)
    assert "overlap: refused by appointment_no_patient_overlap" in output
    assert "back to back: saved" in output
