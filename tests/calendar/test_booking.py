"""Booking from an empty slot: the form is prefilled from the slot, each kind goes through its
phase's service, and the service's refusal shows beside the field it is about."""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Appointment, Role
from kapclinic.demo.builder import clear_course, open_session, room

from .conftest import at, put

pytestmark = pytest.mark.django_db


def form(start, clinician, course, kind="dosing", minutes=None, resource="Dosing room 1"):
    """The booking form as sent: a dosing session for the usual 150 minutes, a visit for 60."""
    minutes = minutes or (150 if kind == "dosing" else 60)
    return {
        "course": course.pk,
        "kind": kind,
        "date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "duration_minutes": str(minutes),
        "clinician": clinician.pk if clinician else "",
        "resource": room(course.clinic, resource).pk if resource else "",
    }


def test_the_form_is_prefilled_from_the_slot(north, staff_client):
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, 2, 10, 30)
    client = staff_client(nurse)
    response = client.get(
        reverse("calendar:book"), {"start": f"{start:%Y-%m-%dT%H:%M}", "clinician": nurse.pk}
    )
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert (initial["date"], initial["start_time"].hour, initial["clinician"]) == (
        start.date(),
        10,
        nurse.pk,
    )


def test_a_dosing_session_is_booked_from_the_calendar(north, staff_client):
    nurse = north.staff[Role.NURSE]
    course = north.courses[0]
    clear_course(course, north.staff[Role.PRESCRIBER].user)
    start = at(north.clinic, 2, 10)
    response = staff_client(nurse).post(reverse("calendar:book"), form(start, nurse, course))
    assert response.status_code == 302
    appointment = Appointment.objects.get(course=course)
    assert (appointment.starts_at, appointment.kind) == (start, "dosing")


def test_a_course_not_cleared_is_refused_beside_the_course(north, staff_client):
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, 2, 10)
    response = staff_client(nurse).post(
        reverse("calendar:book"), form(start, nurse, north.courses[0])
    )
    assert response.status_code == 200
    assert "once a course is cleared" in str(response.context["form"].errors["course"])
    assert not Appointment.objects.exists()


def test_a_clash_is_refused_beside_the_clinician(north, staff_client):
    nurse = north.staff[Role.NURSE]
    course = north.courses[0]
    clear_course(course, north.staff[Role.PRESCRIBER].user)
    start = at(north.clinic, 2, 10)
    put(north.courses[1], nurse, start)
    response = staff_client(nurse).post(reverse("calendar:book"), form(start, nurse, course))
    assert "is already booked" in str(response.context["form"].errors["clinician"])


def test_a_therapist_cannot_supervise_a_dose(north, staff_client):
    course = north.courses[0]
    clear_course(course, north.staff[Role.PRESCRIBER].user)
    therapist = north.staff[Role.THERAPIST]
    start = at(north.clinic, 2, 10)
    response = staff_client(therapist).post(
        reverse("calendar:book"), form(start, therapist, course)
    )
    assert "cannot supervise a dose" in str(response.context["form"].errors["clinician"])


def test_an_integration_session_follows_a_discharged_dosing_session(north, staff_client):
    nurse, therapist = north.staff[Role.NURSE], north.staff[Role.THERAPIST]
    course = north.courses[0]
    clear_course(course, north.staff[Role.PRESCRIBER].user)
    client = staff_client(therapist)
    start = at(north.clinic, 2, 10)
    data = form(start, therapist, course, kind="integration", resource="Therapy room")
    response = client.post(reverse("calendar:book"), data)
    assert "no dosing session discharged yet" in str(response.context["form"].errors["course"])
    dosing = put(course, nurse, at(north.clinic, -1, 10))
    session = open_session(dosing, nurse.user, at(north.clinic, -1, 10))
    session.status = session.Status.DISCHARGED
    session.save(update_fields=["status"])
    response = client.post(reverse("calendar:book"), data)
    assert response.status_code == 302
    assert Appointment.objects.filter(course=course, kind="integration").count() == 1


def test_another_clinics_course_is_not_a_choice(world, north, staff_client):
    course = north.courses[0]
    clear_course(course, north.staff[Role.PRESCRIBER].user)
    outsider = world.two.staff[Role.PRESCRIBER]
    start = at(north.clinic, 2, 10)
    response = staff_client(outsider).post(reverse("calendar:book"), form(start, outsider, course))
    assert response.status_code == 200
    assert "course" in response.context["form"].errors
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("kind", ["assessment", "follow_up"])
def test_an_assessment_or_follow_up_is_booked_with_any_clinician(north, staff_client, kind):
    therapist = north.staff[Role.THERAPIST]
    course = north.courses[0]
    start = at(north.clinic, 2, 10)
    data = form(start, therapist, course, kind=kind, resource="Therapy room")
    response = staff_client(therapist).post(reverse("calendar:book"), data)
    assert response.status_code == 302
    appointment = Appointment.objects.get(course=course)
    assert (appointment.kind, appointment.clinician) == (kind, therapist)


def test_a_visit_without_a_clinician_is_refused_beside_the_field(north, staff_client):
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, 2, 10)
    data = form(start, None, north.courses[0], kind="assessment", resource=None)
    response = staff_client(nurse).post(reverse("calendar:book"), data)
    assert "who sees the patient" in str(response.context["form"].errors["clinician"])
