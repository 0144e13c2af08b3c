"""Phase 3 fixtures: a course taken through the real transitions (kapclinic/demo/builder)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from integration.services import complete_course
from kapclinic.clinic.models import Appointment, Role
from kapclinic.demo.builder import book, clear_course, record_score
from tests.factories import first_free_start


@pytest.fixture
def team(world):
    """Clinic one's first course and its people, by role."""
    side = world.one
    course = side.courses[0]
    return SimpleNamespace(
        course=course,
        clinic=side.clinic,
        patient=course.patient.user,
        other_patient=side.courses[1].patient.user,
        prescriber=side.staff[Role.PRESCRIBER].user,
        therapist=side.staff[Role.THERAPIST].user,
        nurse=side.staff[Role.NURSE].user,
        admin=side.staff[Role.CLINIC_ADMIN].user,
        outsider=world.two.staff[Role.THERAPIST].user,
    )


@pytest.fixture
def in_treatment(team):
    clear_course(team.course, team.prescriber)
    team.course.start_treatment(team.prescriber)
    return team


@pytest.fixture
def in_integration(in_treatment):
    in_treatment.course.begin_integration(in_treatment.therapist, "Six sessions given.")
    return in_treatment


def integration_appointment(course, starts_at=None, **kwargs):
    """An integration session that has already taken place (its note can be signed), unless
    `starts_at` says otherwise."""
    starts_at = starts_at or first_free_start(course, timezone.now() - timedelta(days=2))
    return book(course, starts_at, hours=1, kind=Appointment.Kind.INTEGRATION, **kwargs)


def complete_with_phq9(side, scores):
    """Take each of `side`'s courses from clearance to completed, with a PHQ-9 baseline ten
    weeks ago and one score now: `scores` is one (before, after) pair per course."""
    prescriber = side.staff[Role.PRESCRIBER].user
    therapist = side.staff[Role.THERAPIST].user
    weeks_ago = timezone.now() - timedelta(weeks=10)
    for course, (before, after) in zip(side.courses, scores, strict=True):
        record_score(course, "phq9", before, purpose="intake", at=weeks_ago)
        record_score(course, "phq9", after)
        clear_course(course, prescriber)
        course.start_treatment(prescriber)
        course.begin_integration(therapist, "Dosing done.")
        complete_course(course, therapist, reason="Done.")
