"""Phase 3 fixtures: a course taken through the real transitions, and a small record builder."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kapclinic.clinic.models import Appointment, Role
from kapclinic.measures.models import QuestionnaireResponse
from tests.factories import AppointmentFactory, first_free_start
from tests.sessions.conftest import Build, clear_course


def phq9(total):
    """PHQ-9 answers adding up to `total`, item 9 left at 0 (no safety flag)."""
    answers = {f"q{i}": 0 for i in range(1, 10)}
    left = total
    for i in range(1, 9):
        answers[f"q{i}"] = min(3, left)
        left -= answers[f"q{i}"]
    assert left == 0, "PHQ-9 items 1–8 reach 24 at most"
    return answers


def gad7(total):
    answers = {}
    left = total
    for i in range(1, 8):
        answers[f"q{i}"] = min(3, left)
        left -= answers[f"q{i}"]
    assert left == 0
    return answers


ANSWERS = {"phq9": phq9, "gad7": gad7}


def record_score(course, instrument, total, *, purpose="check_in", at=None):
    """A completed questionnaire with this total, completed at `at`."""
    response = QuestionnaireResponse(course=course, instrument=instrument, purpose=purpose)
    response.save_answers(ANSWERS[instrument](total), complete=True)
    if at is not None:
        QuestionnaireResponse.objects.filter(pk=response.pk).update(completed_at=at, started_at=at)
        response.refresh_from_db()
    return response


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
    in_treatment.course.begin_integration(in_treatment.therapist)
    return in_treatment


def integration_appointment(course, starts_at=None, **kwargs):
    starts_at = starts_at or first_free_start(course, timezone.now() + timedelta(days=1))
    return AppointmentFactory(
        course=course,
        kind=Appointment.Kind.INTEGRATION,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        **kwargs,
    )


@pytest.fixture
def build(world):
    """A real dosing session for clinic one's first course (see tests/sessions/conftest.py)."""
    return Build(world)
