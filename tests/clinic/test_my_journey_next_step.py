"""The patient's home page names the next step as it stands, not as it stood."""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.demo.builder import clear_course
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleared(world, client):
    """Clinic one's first patient, cleared for treatment, signed in."""
    course = world.one.courses[0]
    clear_course(course, world.one.staff[Role.PRESCRIBER].user)
    client.force_login(course.patient.user)
    return client, course


def test_cleared_without_a_booking_waits_for_the_clinic(cleared):
    client, _ = cleared
    journey = client.get(reverse("clinic:my-journey")).content.decode()
    assert "You are cleared for treatment" in journey
    assert "The clinic will book your first session with you." in journey


def test_cleared_with_a_session_booked_does_not_say_the_clinic_will_book_one(cleared):
    client, course = cleared
    AppointmentFactory(course=course)  # a dosing session in two days
    journey = client.get(reverse("clinic:my-journey")).content.decode()
    assert "You are cleared for treatment" in journey
    assert "will book your first session" not in journey
    assert "Your first session is booked" in journey


def test_a_closed_course_does_not_promise_the_clinic_will_be_in_touch(cleared):
    """Walk: after a discontinuation the phone read "Nothing booked yet. The clinic will be in
    touch." beside "This course has ended": the clinic will not."""
    client, course = cleared
    open_course = client.get(reverse("clinic:my-journey")).content.decode()
    assert "Nothing booked yet. The clinic will be in touch." in open_course
    course.discontinue(course.clinic.providers.get(role=Role.PRESCRIBER).user, "Moved abroad.")
    journey = client.get(reverse("clinic:my-journey")).content.decode()
    assert "This course has ended" in journey
    assert "will be in touch" not in journey and "Nothing booked." in journey
