"""A dosing appointment lasts at least the protocol's observation time after the dose.

Found walking the demo as a prescriber: a dosing session booked for 60 minutes left the chair
and the supervising clinician free in the calendar while the patient was still watched (the
protocol's `minimum_observation_minutes`, 120 by default), so another patient could be booked
into that chair. The booking service refuses it beside the length, whoever books.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kapclinic.clinic.models import Appointment, JourneyError, Product, Role, Route
from kapclinic.demo.builder import clear_course, room
from sessions import booking
from sessions.visits import book_visit
from tests.factories import signed_protocol
from tests.sessions.test_scheduling import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(world):
    side = world.one
    clear_course(side.courses[0], side.staff[Role.PRESCRIBER].user)
    return side


def book_for(side, minutes, start=None):
    start = start or at(side.clinic, 3, 9)
    return booking.book_dosing_session(
        side.courses[0],
        by=side.staff[Role.NURSE].user,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        clinician=side.staff[Role.NURSE],
        resource=room(side.clinic, "Dosing room 1"),
    )


def test_a_dosing_session_shorter_than_the_observation_time_is_refused_beside_its_length(north):
    with pytest.raises(ValidationError) as refused:
        book_for(north, 60)
    words = refused.value.message_dict["ends_at"][0]
    assert "A dosing session needs at least 2 h" in words
    assert "observation time after the dose" in words
    assert "11:00 or later" in words  # 09:00 + 120 min, in the clinic's time
    assert not Appointment.objects.exists()


def test_exactly_the_observation_time_is_accepted(north):
    appointment = book_for(north, 120)
    assert appointment.ends_at - appointment.starts_at == datetime.timedelta(minutes=120)
    with pytest.raises(ValidationError):
        book_for(north, 119, start=at(north.clinic, 4, 9))


def test_a_clinic_whose_protocol_observes_for_90_minutes_books_90(north):
    signed_protocol(north.clinic, minimum_observation_minutes=90)
    assert book_for(north, 90)
    with pytest.raises(ValidationError) as refused:
        book_for(north, 89, start=at(north.clinic, 4, 9))
    assert "at least 1 h 30 min" in refused.value.message_dict["ends_at"][0]


def clear_by_weight(side, route):
    """Clinic one's first course cleared with a plan dosed by weight by `route`."""
    prescriber = side.staff[Role.PRESCRIBER].user
    clear_course(side.courses[0], prescriber, route=route, dose_min_mg="0.5", dose_max_mg="0.75")


def test_the_protocol_is_the_one_for_the_plans_route(world):
    """An IV course is held to the IV protocol's observation time, not the sublingual one's."""
    side = world.one
    signed_protocol(side.clinic, Route.IV, Product.RACEMIC_KETAMINE, minimum_observation_minutes=60)
    clear_by_weight(side, Route.IV)
    assert book_for(side, 60)


def test_no_protocol_in_force_for_the_plans_route_refuses_in_words(world):
    side = world.one
    clear_by_weight(side, Route.IM)
    with pytest.raises(JourneyError, match="no protocol in force"):
        book_for(side, 150)
    assert not Appointment.objects.exists()


def test_moving_a_dosing_session_to_a_shorter_slot_is_refused(north):
    appointment = book_for(north, 150)
    start = at(north.clinic, 5, 14)
    with pytest.raises(ValidationError) as refused:
        booking.reschedule(
            appointment,
            by=north.staff[Role.NURSE].user,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=60),
            reason="Asked",
        )
    assert "16:00 or later" in refused.value.message_dict["ends_at"][0]
    appointment.refresh_from_db()
    assert appointment.ends_at - appointment.starts_at == datetime.timedelta(minutes=150)


def test_follow_up_and_integration_visits_keep_their_own_length(north):
    course, therapist = north.courses[0], north.staff[Role.THERAPIST]
    start = at(north.clinic, 6, 9)
    visit = book_visit(
        course,
        by=therapist.user,
        kind=Appointment.Kind.FOLLOW_UP,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        clinician=therapist,
    )
    integration = Appointment.objects.create(
        course=course,
        kind=Appointment.Kind.INTEGRATION,
        starts_at=at(north.clinic, 7, 9),
        ends_at=at(north.clinic, 7, 10),
        clinician=therapist,
    )
    later = at(north.clinic, 8, 9)
    booking.reschedule(
        integration,
        by=therapist.user,
        starts_at=later,
        ends_at=later + datetime.timedelta(minutes=50),
        reason="Asked",
    )
    assert visit.pk and integration.ends_at - integration.starts_at == datetime.timedelta(
        minutes=50
    )


def form_data(start, clinician, minutes):
    return {
        "date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "duration_minutes": str(minutes),
        "clinician": str(clinician.pk),
        "resource": str(room(clinician.clinic, "Dosing room 1").pk),
    }


def test_the_booking_page_shows_the_refusal_beside_the_length(north, staff_client):
    nurse = north.staff[Role.NURSE]
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    url = reverse("dosing:book-session", args=[north.courses[0].pk])
    response = client.post(url, form_data(at(north.clinic, 3, 9), nurse, 60))
    assert response.status_code == 200
    assert "at least 2 h" in response.context["form"].errors["duration_minutes"][0]
    assert not Appointment.objects.exists()


def test_the_booking_page_starts_from_at_least_the_protocols_observation_time(north, staff_client):
    signed_protocol(north.clinic, minimum_observation_minutes=180)
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    page = client.get(reverse("dosing:book-session", args=[north.courses[0].pk]))
    assert page.context["form"]["duration_minutes"].value() == 180
