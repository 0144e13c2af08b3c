"""Completing and discontinuing a course: the transition, its reason and date, the record."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integration import services
from integration.models import CourseClosure, MeasureRequest
from kapclinic.clinic.models import Appointment, CourseState, JourneyError, TreatmentCourse
from kapclinic.clinic.records import ImmutableRecordError
from kapclinic.demo.builder import book
from tests.factories import first_free_start

from .conftest import integration_appointment

pytestmark = pytest.mark.django_db


def today(team):
    return timezone.localdate(timezone.now(), team.clinic.tz)


def test_complete_course_records_reason_and_date(in_integration):
    team = in_integration
    TreatmentCourse.objects.filter(pk=team.course.pk).update(
        created_at=timezone.now() - timedelta(days=60)
    )
    team.course.refresh_from_db()
    ended = today(team) - timedelta(days=2)
    closure = services.complete_course(
        team.course, team.therapist, reason="Six doses and integration done.", on=ended
    )
    team.course.refresh_from_db()
    assert team.course.state == CourseState.COMPLETED
    assert team.course.closed_reason == "Six doses and integration done."
    assert (closure.outcome, closure.effective_on) == (CourseClosure.Outcome.COMPLETED, ended)
    assert closure.recorded_by == team.therapist
    event = team.course.events.last()
    assert (event.to_state, event.note) == (CourseState.COMPLETED, closure.reason)


def test_completion_defaults_to_today(in_integration):
    closure = services.complete_course(
        in_integration.course, in_integration.therapist, reason="Done."
    )
    assert closure.effective_on == today(in_integration)


def test_completion_only_from_the_integration_stage(in_treatment):
    with pytest.raises(JourneyError, match="cannot move to “Completed”"):
        services.complete_course(in_treatment.course, in_treatment.therapist, reason="Done.")
    assert not CourseClosure.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(in_integration, reason):
    with pytest.raises(Exception, match="reason"):
        services.complete_course(in_integration.course, in_integration.therapist, reason=reason)
    in_integration.course.refresh_from_db()
    assert in_integration.course.state == CourseState.INTEGRATION


def test_the_date_cannot_be_in_the_future_or_before_the_course(in_integration):
    team = in_integration
    with pytest.raises(ValidationError, match="future"):
        services.complete_course(
            team.course, team.therapist, reason="Done.", on=today(team) + timedelta(days=1)
        )
    with pytest.raises(ValidationError, match="before the course began"):
        services.complete_course(
            team.course, team.therapist, reason="Done.", on=today(team) - timedelta(days=400)
        )
    team.course.refresh_from_db()
    assert team.course.state == CourseState.INTEGRATION


@pytest.mark.parametrize("close", [services.complete_course, services.discontinue_course])
def test_the_date_cannot_be_before_a_session_the_course_held(in_integration, close):
    """A course cannot have ended before a session it held: follow-up questionnaires are timed
    from the end date, and a date weeks back makes them all overdue at once (walk, F1)."""
    team = in_integration
    TreatmentCourse.objects.filter(pk=team.course.pk).update(
        created_at=timezone.now() - timedelta(days=60)
    )
    team.course.refresh_from_db()
    held = integration_appointment(
        team.course,
        first_free_start(team.course, timezone.now() - timedelta(days=10)),
        status=Appointment.Status.COMPLETED,
    )
    held_on = timezone.localdate(held.starts_at, team.clinic.tz)
    with pytest.raises(ValidationError, match="before the course's last session") as refused:
        close(team.course, team.therapist, reason="Done.", on=held_on - timedelta(days=1))
    assert held_on.strftime("%-d %b %Y") in str(refused.value)
    team.course.refresh_from_db()
    assert team.course.state == CourseState.INTEGRATION
    assert close(team.course, team.therapist, reason="Done.", on=held_on).effective_on == held_on


@pytest.mark.parametrize("who", ["patient", "admin", "outsider"])
def test_only_the_course_clinicians_close_it(in_integration, who):
    with pytest.raises(JourneyError):
        services.complete_course(
            in_integration.course, getattr(in_integration, who), reason="Done."
        )


def test_discontinue_from_treatment_cancels_open_requests(build, team):
    build()
    team.course.start_treatment(team.prescriber)
    services.schedule_measures(team.course)
    assert MeasureRequest.objects.requested().exists()
    closure = services.discontinue_course(
        team.course, team.prescriber, reason="Moved abroad.", on=today(team)
    )
    team.course.refresh_from_db()
    assert team.course.state == CourseState.DISCONTINUED
    assert closure.outcome == CourseClosure.Outcome.DISCONTINUED
    assert not MeasureRequest.objects.requested().exists()
    assert MeasureRequest.objects.filter(status=MeasureRequest.Status.CANCELLED).exists()


def test_a_closed_course_cannot_close_again(in_integration):
    team = in_integration
    services.complete_course(team.course, team.therapist, reason="Done.")
    with pytest.raises(JourneyError):
        services.discontinue_course(team.course, team.therapist, reason="Oops.")
    assert CourseClosure.objects.count() == 1


def test_the_closure_record_is_immutable(in_integration):
    closure = services.complete_course(
        in_integration.course, in_integration.therapist, reason="Done."
    )
    closure.reason = "Rewritten."
    with pytest.raises(ImmutableRecordError):
        closure.save()
    with pytest.raises(ImmutableRecordError):
        closure.delete()


@pytest.mark.parametrize("close", [services.complete_course, services.discontinue_course])
def test_closing_a_course_cancels_its_sessions_still_ahead_but_keeps_follow_ups(
    in_integration, close
):
    """Found walking the demo: after completion the patient still saw an integration session
    booked, with "Ask to move". Sessions ahead are cancelled with the reason; a follow-up visit
    (outcomes weeks after) and what already took place stay as they were."""
    team = in_integration
    past = integration_appointment(team.course)  # two days ago
    ahead = integration_appointment(team.course, timezone.now() + timedelta(days=3))
    later = first_free_start(team.course, timezone.now() + timedelta(days=30))
    follow_up = book(team.course, later, hours=1, kind=Appointment.Kind.FOLLOW_UP)
    assert past.starts_at < timezone.now() < ahead.starts_at < follow_up.starts_at
    close(team.course, team.therapist, reason="Done.")
    for appointment in (ahead, follow_up, past):
        appointment.refresh_from_db()
    assert ahead.status == Appointment.Status.CANCELLED
    assert ahead.status_reason == "The course was closed: Done."
    assert follow_up.status == past.status == Appointment.Status.BOOKED
