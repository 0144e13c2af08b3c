"""A visit is booked at most the clinic's booking horizon ahead (walk: an integration session
typed into 2099 was booked, and only the words showed the year). The rule is the
appointment's own, so every booking path meets it: calendar, phase services, admin, shell."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kapclinic.clinic.models import Appointment, Role
from kapclinic.demo.builder import clear_course

from .conftest import at
from .test_booking import form

pytestmark = pytest.mark.django_db


def test_a_dosing_session_beyond_the_horizon_is_refused_beside_its_start(north, staff_client):
    nurse = north.staff[Role.NURSE]
    course = north.courses[0]
    clear_course(course, north.staff[Role.PRESCRIBER].user)
    days = north.clinic.booking_horizon_days
    client = staff_client(nurse)
    response = client.post(
        reverse("calendar:book"), form(at(north.clinic, days + 2, 10), nurse, course)
    )
    assert response.status_code == 200
    errors = str(response.context["form"].errors)
    assert f"at most {days} days ahead" in errors and "check the year" in errors
    assert not Appointment.objects.filter(course=course).exists()
    inside = client.post(
        reverse("calendar:book"), form(at(north.clinic, days - 2, 10), nurse, course)
    )
    assert inside.status_code == 302


def test_the_clinic_sets_its_own_horizon_and_a_shell_save_meets_it(north):
    course = north.courses[1]
    north.clinic.booking_horizon_days = 30
    north.clinic.save(update_fields=["booking_horizon_days"])
    start = at(north.clinic, 40, 10)
    visit = Appointment(
        course=course,
        kind=Appointment.Kind.FOLLOW_UP,
        starts_at=start,
        ends_at=start.replace(hour=11),
    )
    with pytest.raises(ValidationError, match="at most 30 days ahead"):
        visit.full_clean()


def test_a_visit_already_far_ahead_keeps_its_other_changes(north):
    """The horizon judges a start being chosen, not one on record (a clinic that shortens it
    can still cancel or reassign what is already booked)."""
    course = north.courses[1]
    start = at(north.clinic, 100, 10)
    visit = Appointment.objects.create(
        course=course,
        kind=Appointment.Kind.FOLLOW_UP,
        starts_at=start,
        ends_at=start.replace(hour=11),
    )
    north.clinic.booking_horizon_days = 30
    north.clinic.save(update_fields=["booking_horizon_days"])
    visit.refresh_from_db()
    visit.status_reason = "Patient asked to keep it."
    visit.full_clean()
