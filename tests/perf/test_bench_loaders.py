"""The benchmark scripts' bulk loaders still fit the schema.

A benchmark is run by hand, now and then, so a column added to a model breaks its raw COPY
unseen: bench_reminders' did (the appointment gained its patient, changed_at and sequence).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kapclinic.clinic.models import Appointment
from tests.real_services import require_real_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_reminders(bench_script):
    return bench_script("bench_reminders")


def test_bench_reminders_copies_appointments_the_model_reads_back(world, bench_reminders):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    course = world.one.courses[0]
    starts = timezone.now() + timedelta(days=3)
    ends = starts + timedelta(hours=1)
    row = (course.pk, course.patient_id, course.clinic_id, "integration", starts, ends)
    bench_reminders.copy_appointments(connection, [row])

    appointment = Appointment.objects.get(course=course, starts_at=starts)
    assert appointment.patient_id == course.patient_id
    assert appointment.status == "booked" and appointment.sequence == 0
    assert appointment.ends_at - appointment.starts_at == timedelta(hours=1)
