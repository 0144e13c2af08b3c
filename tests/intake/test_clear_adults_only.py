"""Only an adult can be cleared, on the clinic's day: the rule is the clearance transition's,
so a date of birth corrected in the admin after the intake, the shell or a script is caught too."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from intake.models import SuitabilityDecision
from kapclinic.clinic.models import CourseState, JourneyError, Patient, Role
from kapclinic.demo.builder import publish_consent
from tests.clinic_day import move_to_another_day, years_before

from .helpers import CLEAR, submitted_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def under_review(world, client, staff_client):
    publish_consent(world.one.clinic)
    course = submitted_course(world, client)
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])
    prescriber.post(reverse("intake:review", args=[course.pk]), {"action": "start-review"})
    course.refresh_from_db()
    assert course.state == CourseState.UNDER_REVIEW
    return course, prescriber, world.one.staff[Role.PRESCRIBER].user


def born_on(course, day):
    """The admin corrects the date of birth after the intake was submitted."""
    Patient.objects.filter(pk=course.patient_id).update(date_of_birth=day)
    course.patient.refresh_from_db()


def test_the_review_page_says_a_minor_cannot_be_cleared_and_refuses_it(under_review):
    course, prescriber, _ = under_review
    born_on(course, years_before(course.clinic.today(), 17))
    page = prescriber.get(reverse("intake:review", args=[course.pk])).content.decode()
    assert "the patient is 17 by the date of birth on file" in page
    assert "The course cannot be cleared." in page
    response = prescriber.post(reverse("intake:review", args=[course.pk]), CLEAR)
    assert response.status_code == 200
    assert "adults aged 18 or over" in response.content.decode()
    course.refresh_from_db()
    assert course.state == CourseState.UNDER_REVIEW
    assert not SuitabilityDecision.objects.filter(course=course).exists()


def refused_when_born(course, prescriber, day, because):
    """The clearance transition itself, as the shell or a script would call it, is refused."""
    born_on(course, day)
    with pytest.raises(JourneyError, match=because):
        course.clear(prescriber, "Suitable.")
    course.refresh_from_db()
    assert course.state == CourseState.UNDER_REVIEW


def test_the_transition_itself_refuses_a_minor_or_an_unknown_age(under_review):
    course, _, prescriber = under_review
    minor = years_before(course.clinic.today(), 17)
    refused_when_born(course, prescriber, minor, because="adults aged 18 or over")
    refused_when_born(course, prescriber, None, because="date of birth is not on file")


def test_the_eighteenth_birthday_counts_on_the_clinics_day(under_review):
    course, _, prescriber = under_review
    today = move_to_another_day(course.clinic)
    tomorrow = today + datetime.timedelta(days=1)
    refused_when_born(course, prescriber, years_before(tomorrow, 18), because="adults aged 18")
    born_on(course, years_before(today, 18))
    course.clear(prescriber, "Suitable.")
    course.refresh_from_db()
    assert course.state == CourseState.CLEARED


def test_age_and_the_future_check_use_the_clinics_day_outside_a_request(under_review):
    course, _, _ = under_review
    clinic_today = move_to_another_day(course.clinic)
    server_today = timezone.localdate()
    # Born on the later of the two days, 18 years back: 18 at the clinic if it is ahead of
    # the server (17 on the server's day), 17 if it is behind (18 on the server's day).
    born_on(course, years_before(max(clinic_today, server_today), 18))
    patient = Patient.objects.get(pk=course.patient_id)
    assert patient.age == (18 if clinic_today > server_today else 17)

    # A birth "today" is the future only where that day has not yet come at the clinic.
    patient.date_of_birth = max(clinic_today, server_today)
    if clinic_today > server_today:
        patient.clean()
    else:
        with pytest.raises(ValidationError, match="cannot be in the future"):
            patient.clean()
