"""Measure requests from the protocol: before each dose, at the end and after the course."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integration import services
from integration.models import IntegrationError, MeasureRequest
from integration.selectors import (
    measure_requests_to_remind,
    overdue_measure_requests,
    patient_measure_tasks,
)
from kapclinic.clinic.models import Appointment, Protocol, SafetyFlag
from kapclinic.clinic.models.follow_up import default_measure_schedule
from kapclinic.demo.builder import phq9
from tests.clinic.protocol_checks import refusal_beside
from tests.factories import AppointmentFactory, signed_protocol

pytestmark = pytest.mark.django_db
Status = MeasureRequest.Status


def dosing(course, days):
    starts = timezone.now() + timedelta(days=days)
    return AppointmentFactory(course=course, starts_at=starts, ends_at=starts + timedelta(hours=3))


def keys(course):
    return sorted(
        MeasureRequest.objects.filter(course=course).values_list("timepoint", "instrument")
    )


def test_default_schedule_follows_the_reference():
    steps = default_measure_schedule()
    assert steps[0] == {"when": "before_each_dose", "instruments": ["phq9", "gad7"]}
    assert [s.get("weeks") for s in steps if s["when"] == "after_course"] == [1, 4, 12]


def test_phq9_and_gad7_before_each_dosing_session(in_treatment):
    course = in_treatment.course
    first, second = dosing(course, 3), dosing(course, 10)
    new = services.schedule_measures(course)
    assert len(new) == 4
    assert keys(course) == [
        (f"dose:{first.pk}", "gad7"),
        (f"dose:{first.pk}", "phq9"),
        (f"dose:{second.pk}", "gad7"),
        (f"dose:{second.pk}", "phq9"),
    ]
    request = MeasureRequest.objects.get(appointment=first, instrument="phq9")
    assert request.purpose == "check_in"
    assert request.due_at == first.starts_at
    assert request.opens_at == first.starts_at - timedelta(hours=72)
    assert request.expires_at == first.ends_at


def test_scheduling_is_idempotent(in_treatment):
    dosing(in_treatment.course, 3)
    assert len(services.schedule_measures(in_treatment.course)) == 2
    assert services.schedule_measures(in_treatment.course) == []
    assert MeasureRequest.objects.count() == 2


def test_a_cancelled_appointment_cancels_its_requests(in_treatment):
    appointment = dosing(in_treatment.course, 3)
    services.schedule_measures(in_treatment.course)
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    services.schedule_measures(in_treatment.course)
    assert set(MeasureRequest.objects.values_list("status", flat=True)) == {Status.CANCELLED}


def test_completion_schedules_end_and_follow_ups(in_integration):
    team = in_integration
    services.complete_course(team.course, team.therapist, reason="Done.")
    requests = MeasureRequest.objects.filter(course=team.course, appointment__isnull=True)
    assert sorted({r.timepoint for r in requests}) == ["after:12w", "after:1w", "after:4w", "end"]
    assert {r.instrument for r in requests} == {"phq9", "gad7", "pcl5"}
    end = requests.get(timepoint="end", instrument="phq9")
    four = requests.get(timepoint="after:4w", instrument="phq9")
    assert four.opens_at - end.opens_at == timedelta(weeks=4)
    assert four.due_at - four.opens_at == timedelta(days=7)
    assert four.expires_at - four.due_at == timedelta(days=7)
    assert (four.label, four.purpose) == ("4 weeks after the course", "follow_up")


def test_the_clinic_protocol_sets_the_schedule(in_integration):
    team = in_integration
    signed_protocol(
        team.clinic,
        measure_schedule=[{"when": "after_course", "weeks": 2, "instruments": ["gad7"]}],
        measure_window_days=3,
    )
    dosing(team.course, 2)  # no before_each_dose step: nothing for it
    services.complete_course(team.course, team.therapist, reason="Done.")
    request = MeasureRequest.objects.get(course=team.course)
    assert (request.timepoint, request.instrument) == ("after:2w", "gad7")
    assert request.due_at - request.opens_at == timedelta(days=3)


@pytest.mark.parametrize(
    "schedule, message",
    [
        ("weekly", "list of steps"),
        ([{"when": "monthly", "instruments": ["phq9"]}], "“when” must be one of"),
        ([{"when": "end_of_course", "instruments": ["cssrs_screen"]}], "list each instrument"),
        ([{"when": "end_of_course", "instruments": []}], "list each instrument"),
        ([{"when": "after_course", "instruments": ["phq9"]}], "1 to 104"),
        ([{"when": "end_of_course", "weeks": 2, "instruments": ["phq9"]}], "only to after"),
        (
            [{"when": "end_of_course", "instruments": ["phq9"]}] * 2,
            "listed twice",
        ),
    ],
)
def test_protocol_schedule_is_validated(world, schedule, message):
    assert message in refusal_beside(world.one.clinic, "measure_schedule", schedule)


@pytest.mark.parametrize(
    "rules, message",
    [
        ({"phq9": {"reliable_change": 0}}, "1 to 27 points"),
        ({"gad7": {"reliable_change": 30}}, "1 to 21 points"),
        ({"phq9": {"response_drop_percent": 150}}, "1 to 100"),
        ({"nope": {}}, "not an instrument"),
        ({"phq9": {"rci": 6}}, "use reliable_change"),
    ],
)
def test_protocol_outcome_rules_are_validated(world, rules, message):
    assert message in refusal_beside(world.one.clinic, "outcome_rules", rules)


def test_patient_answers_an_open_request(in_integration):
    team = in_integration
    services.complete_course(team.course, team.therapist, reason="Done.")
    request = MeasureRequest.objects.get(timepoint="end", instrument="phq9")
    assert request in patient_measure_tasks(team.patient)
    response = services.answer_measure_request(request, team.patient, phq9(6))
    request.refresh_from_db()
    assert (request.status, request.response, response.purpose) == (
        Status.COMPLETED,
        response,
        "follow_up",
    )
    assert request not in patient_measure_tasks(team.patient)
    with pytest.raises(IntegrationError, match="not open"):
        services.answer_measure_request(request, team.patient, phq9(6))


def test_item_9_in_a_follow_up_raises_a_safety_flag(in_integration):
    team = in_integration
    services.complete_course(team.course, team.therapist, reason="Done.")
    request = MeasureRequest.objects.get(timepoint="end", instrument="phq9")
    services.answer_measure_request(request, team.patient, {**phq9(6), "q9": 1})
    assert SafetyFlag.objects.get(course=team.course).source == "Follow-up PHQ-9"


def test_another_patient_cannot_answer(in_integration):
    team = in_integration
    services.complete_course(team.course, team.therapist, reason="Done.")
    request = MeasureRequest.objects.get(timepoint="end", instrument="phq9")
    with pytest.raises(IntegrationError):
        services.answer_measure_request(request, team.other_patient, phq9(6))


def test_a_check_in_response_completes_its_pre_dose_request(build, team):
    session = build()  # the check-in answers GAD-7 and PHQ-9
    Appointment.objects.filter(pk=session.appointment_id).update(
        starts_at=timezone.now() + timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=4)
    )
    services.schedule_measures(team.course)
    assert services.reconcile_measure_requests(team.course) == 2
    assert set(MeasureRequest.objects.values_list("status", flat=True)) == {Status.COMPLETED}


def test_overdue_requests_are_shown_to_the_clinic_only(in_treatment):
    team = in_treatment
    appointment = dosing(team.course, 2)
    services.schedule_measures(team.course)
    later = appointment.starts_at + timedelta(minutes=30)
    overdue = overdue_measure_requests(team.therapist, now=later)
    assert {r.instrument for r in overdue} == {"phq9", "gad7"}
    assert overdue_measure_requests(team.outsider, now=later) == []
    assert overdue_measure_requests(team.therapist) == []  # not yet due


def test_open_requests_are_picked_up_for_reminders_and_then_expire(in_treatment):
    team = in_treatment
    appointment = dosing(team.course, 2)
    services.schedule_measures(team.course)
    assert measure_requests_to_remind().count() == 2
    assert services.expire_measure_requests(now=appointment.ends_at) == 2
    assert not measure_requests_to_remind(now=appointment.starts_at).exists()
    assert set(MeasureRequest.objects.values_list("status", flat=True)) == {Status.EXPIRED}


def test_without_a_signed_protocol_nothing_is_scheduled_on_guesses(in_integration, caplog):
    team = in_integration
    Protocol.objects.filter(clinic=team.clinic).update(signed_off_by=None, signed_off_on=None)
    services.complete_course(team.course, team.therapist, reason="Done.")
    assert not MeasureRequest.objects.filter(course=team.course, appointment__isnull=True)
    assert "no signed-off protocol" in caplog.text


def test_pcl5_monthly_during_treatment_for_ptsd_only(in_treatment):
    """Reference §5: PCL-5 monthly during the course; the default asks it for PTSD."""
    from kapclinic.clinic.models import CourseEvent, CourseState
    from sessions.reevaluation import add_months

    course = in_treatment.course
    began = timezone.now() - timedelta(days=40)
    CourseEvent.objects.filter(course=course, to_state=CourseState.IN_TREATMENT).update(at=began)
    services.schedule_measures(course)
    assert not MeasureRequest.objects.filter(instrument="pcl5").exists()  # depression
    type(course).objects.filter(pk=course.pk).update(indication="ptsd")
    course.refresh_from_db()
    services.schedule_measures(course)
    months = MeasureRequest.objects.filter(course=course, instrument="pcl5").order_by("opens_at")
    # Month 1 opened ~10 days ago; month 2 opens in ~20 days (within the month ahead); no 3.
    assert [m.timepoint for m in months] == ["month:1", "month:2"]
    first = months[0]
    assert (first.opens_at, months[1].opens_at) == (add_months(began, 1), add_months(began, 2))
    assert first.label == "Month 1 of treatment" and first.purpose == "follow_up"
    assert first.due_at - first.opens_at == timedelta(days=7)
    assert services.schedule_measures(course) == []  # idempotent


def test_monthly_steps_name_known_indications(world):
    protocol = Protocol(
        clinic=world.one.clinic,
        name="Bad",
        measure_schedule=[
            {"when": "monthly_during_course", "instruments": ["pcl5"], "indications": ["ocd"]}
        ],
    )
    with pytest.raises(ValidationError) as error:
        protocol.full_clean()
    assert "“indications” lists course indications" in str(error.value)
