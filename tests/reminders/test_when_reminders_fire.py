"""Each kind of reminder fires at its time, not a minute before, in the clinic's time zone."""

import datetime

import pytest
from django.core import mail

from intake.models import IntakeRecord, Invitation
from integration.models import MeasureRequest
from kapclinic.clinic.models import Appointment, CourseState, Role, SafetyFlag, TreatmentCourse
from kapclinic.reminders.models import Kind, Reminder, Status
from tests.factories import AppointmentFactory

from .conftest import at, run_scan, sent_ids

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def kinds_sent():
    """Kinds of the patient reminders sent so far (clinicians' digests left out)."""
    kinds = [Reminder.objects.get(pk=pk).kind for pk in sent_ids()]
    return [kind for kind in kinds if kind != Kind.CLINICIAN_DIGEST]


def appointment(course, starts_at, kind=Appointment.Kind.DOSING):
    return AppointmentFactory(course=course, kind=kind, starts_at=starts_at)


def test_dosing_appointment_reminders_fire_48h_the_evening_before_and_2h(world):
    starts = at(2030, 6, 12, 9, 0)  # 10:00 in London (BST)
    appointment(world.one.courses[0], starts)
    assert run_scan(starts - 48 * HOUR - MINUTE) == []
    run_scan(starts - 48 * HOUR)
    assert kinds_sent() == [Kind.APPOINTMENT_EARLY]
    run_scan(starts - 48 * HOUR + 5 * MINUTE)
    # The evening before, 17:00 clinic time (16:00 UTC in summer).
    evening = at(2030, 6, 11, 16, 0)
    run_scan(evening - MINUTE)
    assert kinds_sent() == [Kind.APPOINTMENT_EARLY]
    run_scan(evening)
    assert kinds_sent() == [Kind.APPOINTMENT_EARLY, Kind.PRE_SESSION]
    run_scan(starts - 2 * HOUR - MINUTE)
    assert len(mail.outbox) == 2
    run_scan(starts - 2 * HOUR)
    assert kinds_sent() == [Kind.APPOINTMENT_EARLY, Kind.PRE_SESSION, Kind.APPOINTMENT_SOON]
    run_scan(starts - HOUR)
    assert len(mail.outbox) == 3


def test_integration_appointment_gets_no_preparation_instructions(world):
    starts = at(2030, 6, 12, 9, 0)
    appointment(world.one.courses[0], starts, kind=Appointment.Kind.INTEGRATION)
    for moment in (starts - 48 * HOUR, at(2030, 6, 11, 16, 0), starts - 2 * HOUR):
        run_scan(moment)
    assert kinds_sent() == [Kind.APPOINTMENT_EARLY, Kind.APPOINTMENT_SOON]


def test_a_late_booking_skips_the_reminder_whose_time_long_passed(world):
    starts = at(2030, 6, 12, 9, 0)
    appointment(world.one.courses[0], starts)
    run_scan(starts - 20 * HOUR)  # booked a day ahead: the 48 h reminder is 28 h stale
    assert Kind.APPOINTMENT_EARLY not in kinds_sent()


def test_day_before_and_digest_follow_the_clinic_clock_across_the_spring_change(world):
    # Clocks go forward in London at 01:00 UTC on Sunday 31 March 2030.
    before = appointment(world.one.courses[0], at(2030, 3, 31, 9, 0))  # 10:00 BST
    after = appointment(world.one.courses[1], at(2030, 4, 1, 9, 0))  # 10:00 BST
    for moment in (at(2030, 3, 30, 9, 0), at(2030, 3, 30, 17, 0), at(2030, 3, 31, 16, 0)):
        run_scan(moment)
    due = dict(Reminder.objects.filter(kind=Kind.PRE_SESSION).values_list("subject_id", "due_at"))
    assert due[before.pk] == at(2030, 3, 30, 17, 0)  # 17:00 GMT
    assert due[after.pk] == at(2030, 3, 31, 16, 0)  # 17:00 BST
    # "48 hours before" is 48 real hours, whatever the wall clock did in between.
    early = Reminder.objects.filter(kind=Kind.APPOINTMENT_EARLY, subject_id=after.pk)
    assert early.get().due_at == at(2030, 3, 30, 9, 0)

    SafetyFlag.raise_for(world.one.courses[0], source="test", reason="x")
    run_scan(at(2030, 3, 30, 7, 29))
    assert not Reminder.objects.filter(kind=Kind.CLINICIAN_DIGEST, due_at__date="2030-03-30")
    run_scan(at(2030, 3, 30, 7, 30))  # 07:30 GMT
    run_scan(at(2030, 3, 31, 6, 30))  # 07:30 BST
    digest_days = Reminder.objects.filter(
        kind=Kind.CLINICIAN_DIGEST, recipient=world.one.staff[Role.PRESCRIBER].user
    ).values_list("due_at", flat=True)
    assert sorted(digest_days) == [at(2030, 3, 30, 7, 30), at(2030, 3, 31, 6, 30)]


def intake_started(world):
    """World.one's first patient started intake at noon on 1 June 2030 and left it there."""
    course = world.one.courses[0]
    course.start_intake(course.patient.user)
    started = at(2030, 6, 1, 12, 0)
    TreatmentCourse.objects.filter(pk=course.pk).update(state_changed_at=started)
    IntakeRecord.objects.create(course=course)
    return course, started


def test_unfinished_intake_is_nudged_after_two_and_five_days_then_stops(world):
    course, started = intake_started(world)
    run_scan(started + 2 * DAY - MINUTE)
    assert kinds_sent() == []
    run_scan(started + 2 * DAY)
    run_scan(started + 3 * DAY)
    run_scan(started + 5 * DAY)
    assert kinds_sent() == [Kind.INTAKE_UNFINISHED, Kind.INTAKE_UNFINISHED]


def test_unfinished_intake_reminder_is_skipped_once_the_intake_is_submitted(world):
    from kapclinic.reminders import planner, services

    course, started = intake_started(world)
    planner.plan_all(started + 2 * DAY)
    TreatmentCourse.objects.filter(pk=course.pk).update(state=CourseState.INTAKE_SUBMITTED)
    ids, lease = services.claim_due(started + 2 * DAY)
    [outcome] = [services.deliver(pk, lease, now=started + 2 * DAY) for pk in ids]
    assert outcome.status == "skipped"
    assert Reminder.objects.get().reason == "the intake was submitted"
    assert mail.outbox == []


def measure(course, instrument, opens, due, expires, timepoint="end"):
    return MeasureRequest.objects.create(
        course=course,
        instrument=instrument,
        purpose="follow_up",
        timepoint=timepoint,
        label="End of course",
        opens_at=opens,
        due_at=due,
        expires_at=expires,
    )


def test_questionnaires_due_together_make_one_reminder_then_one_overdue(world):
    course = world.one.courses[0]
    opens, due = at(2030, 6, 1, 9, 0), at(2030, 6, 8, 9, 0)
    for instrument in ("phq9", "gad7"):
        measure(course, instrument, opens, due, due + 7 * DAY)
    run_scan(due - 24 * HOUR - MINUTE)
    assert kinds_sent() == []
    run_scan(due - 24 * HOUR)
    assert kinds_sent() == [Kind.MEASURE_DUE]
    run_scan(due + 24 * HOUR - MINUTE)
    run_scan(due + 24 * HOUR)
    assert kinds_sent() == [Kind.MEASURE_DUE, Kind.MEASURE_OVERDUE]


def test_a_pending_invitation_is_nudged_after_three_days(world):
    course = world.one.courses[0]
    invitation, _ = Invitation.issue(course, world.one.staff[Role.PRESCRIBER].user)
    sent = at(2030, 6, 1, 9, 0)
    Invitation.objects.filter(pk=invitation.pk).update(created_at=sent, expires_at=sent + 7 * DAY)
    run_scan(sent + 3 * DAY - MINUTE)
    assert kinds_sent() == [Kind.INVITATION]  # the invitation's own email, sent by the scan
    run_scan(sent + 3 * DAY)
    assert kinds_sent() == [Kind.INVITATION, Kind.INVITATION_PENDING]
    assert {tuple(message.to) for message in mail.outbox} == {(course.patient.email,)}


def test_digest_counts_what_waits_and_only_clinics_with_something_get_one(world):
    flag, _ = SafetyFlag.raise_for(world.one.courses[0], source="test", reason="Item 9 above 0")
    run_scan(at(2030, 6, 3, 6, 30))  # 07:30 BST
    digests = Reminder.objects.filter(kind=Kind.CLINICIAN_DIGEST)
    assert {r.status for r in digests.filter(clinic=world.one.clinic)} == {Status.SENT}
    assert digests.filter(clinic=world.one.clinic).count() == 3  # prescriber, therapist, nurse
    assert not digests.filter(clinic=world.two.clinic).exists()
    prescriber = world.one.staff[Role.PRESCRIBER].user.email
    message = next(m for m in mail.outbox if prescriber in m.to and "summary" in m.subject)
    assert "Open safety flags: 1" in message.body
    assert "Item 9" not in message.body
    # Planned, then everything was dealt with before it went: a recorded skip.
    flag.resolve(world.one.staff[Role.PRESCRIBER].user, "Called; safe.")
    run_scan(at(2030, 6, 4, 6, 30))
    SafetyFlag.raise_for(world.one.courses[0], source="again", reason="x")
    from kapclinic.reminders import planner, services

    planner.plan_all(at(2030, 6, 5, 6, 30))
    SafetyFlag.objects.filter(source="again").update(
        resolved_at=at(2030, 6, 5, 6, 31),
        resolved_by=world.one.staff[Role.PRESCRIBER].user,
        action_taken="done",
    )
    ids, lease = services.claim_due(at(2030, 6, 5, 6, 32))
    outcomes = [services.deliver(pk, lease, now=at(2030, 6, 5, 6, 32)) for pk in ids]
    assert {(o.status, o.detail) for o in outcomes} == {
        ("skipped", "nothing to report"),
        # The new flag's own alert: resolved before it went, so it is not sent either.
        ("skipped", "the safety flag was resolved before the alert went"),
    }
