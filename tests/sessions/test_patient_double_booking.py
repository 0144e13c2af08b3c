"""One patient, one place (issue 14, finding 6): a patient is never in two live appointments
at once, whoever leads them and in whichever room; the database refuses it on PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from kapclinic.clinic.models import Appointment, Role
from kapclinic.demo.builder import room as clinic_room
from sessions import booking
from tests.real_services import require_real_service
from tests.sessions.test_scheduling import at, book, clear_course, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(world):
    return world.one


def same_patient_unsaved(north, kind, role, room, hour):
    """An appointment not yet saved for the first patient, from `hour` for an hour on day 3."""
    return Appointment(
        course=north.courses[0],
        kind=kind,
        starts_at=at(north.clinic, 3, hour),
        ends_at=at(north.clinic, 3, hour + 1),
        clinician=north.staff[role],
        resource=clinic_room(north.clinic, room),
    )


def test_database_refuses_one_patient_in_two_overlapping_appointments(north):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    course = north.courses[0]
    book(course, north.staff[Role.NURSE], at(north.clinic, 3, 12), room="Dosing room 1")
    refused = pytest.raises(IntegrityError, match="appointment_no_patient_overlap")
    with refused, transaction.atomic():
        book(course, north.staff[Role.PRESCRIBER], at(north.clinic, 3, 12), room="Dosing room 2")
    assert Appointment.objects.count() == 1


def test_back_to_back_cancelled_and_other_patients_do_not_clash(north):
    course, other = north.courses
    first = book(course, None, at(north.clinic, 3, 10), minutes=120, room="")
    assert book(course, None, at(north.clinic, 3, 12), minutes=60, room="").pk  # as it ends
    assert book(other, None, at(north.clinic, 3, 10), minutes=60, room="").pk
    first.status = Appointment.Status.CANCELLED
    first.save()
    assert book(course, None, at(north.clinic, 3, 10), minutes=60, room="").pk
    # Moving the one at 12 into those hours would put the patient in two places: refused on
    # update (reviving the cancelled one is refused before that: clinic migration 0028).
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    with pytest.raises(IntegrityError, match="patient_overlap"), transaction.atomic():
        Appointment.objects.filter(course=course, starts_at=at(north.clinic, 3, 12)).update(
            starts_at=at(north.clinic, 3, 10, 30)
        )


def test_clean_says_the_patient_is_already_booked_beside_the_start(north):
    course = north.courses[0]
    book(course, north.staff[Role.NURSE], at(north.clinic, 3, 12), room="Dosing room 1")
    integration = Appointment.Kind.INTEGRATION
    clash = same_patient_unsaved(north, integration, Role.THERAPIST, "Therapy room", 13)
    with pytest.raises(ValidationError) as refused:
        clash.full_clean()
    errors = refused.value.message_dict
    assert list(errors) == ["starts_at"]
    assert "already has an appointment" in errors["starts_at"][0]
    assert "12:00–14:30" in errors["starts_at"][0]


def test_a_database_refusal_for_the_patient_comes_back_beside_the_start(north):
    """Two staff booking the same patient at once: clean() passed for both."""
    course = north.courses[0]
    book(course, north.staff[Role.NURSE], at(north.clinic, 3, 12), room="Dosing room 1")
    late = same_patient_unsaved(
        north, Appointment.Kind.DOSING, Role.PRESCRIBER, "Dosing room 2", 12
    )
    with pytest.raises(ValidationError) as refused:
        booking.insert(late)
    assert list(refused.value.message_dict) == ["starts_at"]
    assert "two places at once" in refused.value.message_dict["starts_at"][0]
    assert Appointment.objects.count() == 1


def test_booking_form_shows_the_patient_clash_beside_the_start_time(north, staff_client):
    """The nurse books the patient at 12:00 over their 12:00 session with another clinician."""
    prescriber, nurse = north.staff[Role.PRESCRIBER], north.staff[Role.NURSE]
    course = clear_course(north.courses[0], prescriber)
    book(course, prescriber, at(north.clinic, 3, 12), room="Dosing room 1")
    client = staff_client(north.staff[Role.NURSE])
    url = reverse("dosing:book-session", args=[course.pk])
    response = client.post(url, form_data(at(north.clinic, 3, 12), nurse, room="Dosing room 2"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "already has an appointment" in form.errors["start_time"][0]
    assert "clinician" not in form.errors and "resource" not in form.errors
    assert Appointment.objects.count() == 1
