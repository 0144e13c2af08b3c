"""Sending: at most once per row, failures recorded and retried, bad input skipped with a reason."""

import datetime
import io
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from kapclinic.clinic.models import Appointment, Patient, Role
from kapclinic.reminders import services, tasks
from kapclinic.reminders.models import Kind, Reminder, ReminderPreference, Status
from tests.factories import AppointmentFactory

from .conftest import at, run_scan, sent_ids

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
STARTS = at(2030, 6, 12, 9, 0)
EARLY = STARTS - 48 * HOUR


class MailServerDown(BaseEmailBackend):
    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, messages):
        self.open()


class MailboxRefused(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"p@example.com": (550, b"5.1.1 No such mailbox")})


@pytest.fixture
def booked(world):
    return AppointmentFactory(course=world.one.courses[0], starts_at=STARTS)


def test_a_second_scan_or_a_redelivered_task_never_sends_again(booked):
    run_scan(EARLY)
    [row] = Reminder.objects.filter(kind=Kind.APPOINTMENT_EARLY)
    assert row.status == Status.SENT and row.attempts == 1
    run_scan(EARLY)
    run_scan(EARLY + HOUR)
    assert sent_ids() == [row.pk]
    # The same task message delivered again (acks_late after a crash) finds the row done.
    assert "noop" in tasks.send_reminder(row.pk)
    assert services.deliver(row.pk, "00000000-0000-0000-0000-000000000000").status == "noop"
    assert sent_ids() == [row.pk]


def test_concurrent_scans_claim_disjoint_rows(booked):
    from kapclinic.reminders import planner

    planner.plan_all(EARLY)
    first, lease = services.claim_due(EARLY)
    second, _ = services.claim_due(EARLY)
    assert first and second == []
    services.deliver(first[0], lease, now=EARLY)
    # The same claim handed out twice (two deliveries of one task) sends once.
    assert services.deliver(first[0], lease, now=EARLY).status == "noop"
    assert len(mail.outbox) == 1


def test_a_row_stuck_mid_send_is_reclaimed_and_flagged_as_a_possible_duplicate(booked, settings):
    from kapclinic.reminders import planner

    planner.plan_all(EARLY)
    [pk], lease = services.claim_due(EARLY)
    # The worker began the send, then died before recording it.
    Reminder.objects.filter(pk=pk).update(send_started_at=EARLY)
    run_scan(EARLY + datetime.timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT_SECONDS - 1))
    assert Reminder.objects.get(pk=pk).status == Status.SENDING
    run_scan(EARLY + datetime.timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT_SECONDS + 1))
    row = Reminder.objects.get(pk=pk)
    assert (row.status, row.possible_duplicate) == (Status.SENT, True)
    assert services.deliver(pk, lease).status == "noop"  # the dead worker's claim is void
    assert sent_ids() == [pk]


def test_a_claim_never_started_is_reclaimed_without_the_duplicate_flag(booked, settings):
    from kapclinic.reminders import planner

    planner.plan_all(EARLY)
    [pk], _ = services.claim_due(EARLY)
    run_scan(EARLY + datetime.timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT_SECONDS + 1))
    row = Reminder.objects.get(pk=pk)
    assert (row.status, row.possible_duplicate) == (Status.SENT, False)


def test_a_refused_mailbox_is_recorded_and_retried_with_backoff_then_failed(booked, settings):
    """A refusal of this message fails it for good after the attempts (a mail server that is
    down only delays it: the next test)."""
    settings.EMAIL_BACKEND = "tests.reminders.test_delivery.MailboxRefused"
    settings.REMINDER_MAX_ATTEMPTS = 3
    base = settings.REMINDER_RETRY_BACKOFF_SECONDS
    [outcome] = [o for o in run_scan(EARLY) if o.status != "skipped"]
    assert outcome.status == "retry"
    row = Reminder.objects.get(kind=Kind.APPOINTMENT_EARLY)
    assert (row.status, row.attempts) == (Status.DUE, 1)
    assert "No such mailbox" in row.last_error
    assert row.send_after == EARLY + datetime.timedelta(seconds=base)
    assert run_scan(EARLY + datetime.timedelta(seconds=base - 1)) == []  # not before backoff
    run_scan(EARLY + datetime.timedelta(seconds=base))
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.send_after == EARLY + datetime.timedelta(seconds=base + 2 * base)
    run_scan(row.send_after)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 3)
    run_scan(row.send_after + HOUR)
    assert Reminder.objects.get(pk=row.pk).attempts == 3


def test_a_mail_server_down_longer_than_the_attempts_delays_the_reminder_never_fails_it(
    booked, settings
):
    settings.EMAIL_BACKEND = "tests.reminders.test_delivery.MailServerDown"
    settings.REMINDER_MAX_ATTEMPTS = 2
    base = datetime.timedelta(seconds=settings.REMINDER_RETRY_BACKOFF_SECONDS)
    when = EARLY
    for attempt in range(1, 5):
        run_scan(when)
        row = Reminder.objects.get(kind=Kind.APPOINTMENT_EARLY)
        assert (row.status, row.attempts) == (Status.DUE, attempt)
        assert "Connection refused" in row.last_error
        # Backoff doubles up to the last allowed attempt's, then stays there.
        assert row.send_after - when == base * 2 ** (min(attempt, 2) - 1)
        when = row.send_after
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_scan(when)
    row.refresh_from_db()
    assert row.status == Status.SENT and sent_ids() == [row.pk]


def test_eager_task_records_the_failure_without_an_exception_loop(booked, settings):
    from kapclinic.reminders import planner

    settings.EMAIL_BACKEND = "tests.reminders.test_delivery.MailServerDown"
    planner.plan_all(EARLY)
    row = Reminder.objects.get(kind=Kind.APPOINTMENT_EARLY)
    Reminder.objects.filter(pk=row.pk).update(send_after=EARLY)
    result = tasks.send_reminder.delay(row.pk).get()
    assert "retry" in result or "noop" in result


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("no_email", "the patient has no email address"),
        ("moved", "the appointment was moved"),
        ("cancelled", "the appointment was cancelled"),
        ("patient_deleted", "the patient record was deleted"),
        ("deactivated", "the patient's account is deactivated"),
    ],
)
def test_bad_input_after_planning_is_a_recorded_skip(booked, change, reason):
    from kapclinic.reminders import planner

    planner.plan_all(EARLY)
    patient = booked.course.patient
    if change == "no_email":
        Patient.objects.filter(pk=patient.pk).update(email="")
    elif change == "moved":
        Appointment.objects.filter(pk=booked.pk).update(
            starts_at=STARTS + HOUR, ends_at=STARTS + 3 * HOUR
        )
    elif change == "cancelled":
        Appointment.objects.filter(pk=booked.pk).update(status=Appointment.Status.CANCELLED)
    elif change == "patient_deleted":
        Reminder.objects.update(patient=None)  # what SET_NULL leaves behind
    elif change == "deactivated":
        patient.user.is_active = False
        patient.user.save()
    outcomes = run_scan(EARLY)
    row = Reminder.objects.get(kind=Kind.APPOINTMENT_EARLY)
    assert (row.status, row.reason) == (Status.SKIPPED, reason)
    assert mail.outbox == [] and all(o.status == "skipped" for o in outcomes)


def test_a_patient_can_turn_off_reminders_but_not_safety_instructions(booked):
    ReminderPreference.objects.create(patient=booked.course.patient, appointment_reminders=False)
    run_scan(EARLY)
    run_scan(at(2030, 6, 11, 16, 0))  # the evening before
    rows = {r.kind: r for r in Reminder.objects.all()}
    assert rows[Kind.APPOINTMENT_EARLY].status == Status.SKIPPED
    assert "turned off" in rows[Kind.APPOINTMENT_EARLY].reason
    assert rows[Kind.PRE_SESSION].status == Status.SENT


@pytest.mark.parametrize(
    ("due", "released"),
    [
        # 06:00 GMT on the Saturday: quiet until 08:00 GMT.
        (at(2030, 3, 30, 6, 0), at(2030, 3, 30, 8, 0)),
        # 06:00 UTC on the Sunday is 07:00 BST: quiet until 08:00 BST, which is 07:00 UTC.
        (at(2030, 3, 31, 6, 0), at(2030, 3, 31, 7, 0)),
    ],
)
def test_quiet_hours_hold_a_reminder_until_they_end_in_clinic_time(world, due, released):
    from datetime import time

    course = world.one.courses[0]
    AppointmentFactory(course=course, starts_at=due + 48 * HOUR)
    ReminderPreference.objects.create(
        patient=course.patient, quiet_start=time(21, 0), quiet_end=time(8, 0)
    )
    outcomes = run_scan(due)
    assert [o.status for o in outcomes] == ["deferred"]
    row = Reminder.objects.get(kind=Kind.APPOINTMENT_EARLY)
    assert (row.status, row.send_after, row.attempts) == (Status.DUE, released, 0)
    assert run_scan(released - datetime.timedelta(minutes=1)) == []
    run_scan(released)
    assert sent_ids() == [row.pk]


def test_quiet_hours_past_the_appointment_skip_the_short_notice_reminder(world):
    from datetime import time

    course = world.one.courses[0]
    starts = at(2030, 6, 12, 6, 30)  # 07:30 BST; the 2 h reminder falls at 05:30 BST
    AppointmentFactory(course=course, starts_at=starts)
    ReminderPreference.objects.create(
        patient=course.patient, quiet_start=time(22, 0), quiet_end=time(8, 0)
    )
    run_scan(starts - 2 * HOUR)
    row = Reminder.objects.get(kind=Kind.APPOINTMENT_SOON)
    assert (row.status, row.reason) == (
        Status.SKIPPED,
        "quiet hours last until after the appointment",
    )


def test_no_clinical_detail_or_name_in_any_subject_or_body(world, booked):
    from integration.models import MeasureRequest
    from kapclinic.clinic.models import SafetyFlag

    patient = booked.course.patient
    MeasureRequest.objects.create(
        course=booked.course,
        instrument="phq9",
        purpose="follow_up",
        timepoint="end",
        label="End of course",
        opens_at=EARLY - 24 * HOUR,
        due_at=EARLY,
        expires_at=EARLY + 100 * HOUR,
    )
    SafetyFlag.raise_for(booked.course, source="Intake PHQ-9", reason="Item 9 above 0")
    evening = at(2030, 6, 11, 16, 0)
    for moment in (EARLY, at(2030, 6, 11, 6, 30), EARLY + 24 * HOUR, evening, STARTS - 2 * HOUR):
        run_scan(moment)
    kinds = {Reminder.objects.get(pk=pk).kind for pk in sent_ids()}
    assert {Kind.APPOINTMENT_EARLY, Kind.PRE_SESSION, Kind.MEASURE_OVERDUE} <= kinds
    assert Kind.CLINICIAN_DIGEST in kinds
    banned = ["ketamine", "esketamine", "spravato", "dosing", "depression", "phq", "item 9"]
    for message in mail.outbox:
        assert message.subject.startswith(("Your ", "Getting ready", "A short", "Action needed"))
        assert world.one.clinic.name in message.subject
        assert world.one.clinic.name in message.from_email
        texts = [message.subject, message.body, message.alternatives[0][0]]
        for text in texts:
            lowered = text.lower()
            assert [word for word in banned if word in lowered] == [], text
            assert patient.legal_name not in text
        assert "http://" in message.body or "https://" in message.body


def test_the_invite_parses_back_with_a_stable_uid_then_updates_and_cancels(booked):
    from icalendar import Calendar

    from kapclinic.reminders.ics import uid_for

    from .conftest import calendar_of

    run_scan(EARLY)
    [first] = mail.outbox
    calendar = calendar_of(first)
    assert isinstance(calendar, Calendar) and calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == uid_for(booked.pk)
    assert event.decoded("DTSTART") == STARTS
    assert event.decoded("DTEND") == booked.ends_at
    assert event["SEQUENCE"] == 0
    assert "ketamine" not in str(event.get("SUMMARY")).lower()

    # Rescheduled through a normal save: the update is planned and sent once committed.
    booked.starts_at, booked.ends_at = STARTS + 24 * HOUR, STARTS + 26 * HOUR
    with TestCase.captureOnCommitCallbacks(execute=True):
        booked.save()
    moved = mail.outbox[-1]
    assert "moved" in moved.subject
    [event] = calendar_of(moved).walk("VEVENT")
    assert str(event["UID"]) == uid_for(booked.pk)
    assert event.decoded("DTSTART") == STARTS + 24 * HOUR
    assert event["SEQUENCE"] == 1

    booked.status = Appointment.Status.CANCELLED
    with TestCase.captureOnCommitCallbacks(execute=True):
        booked.save()
    cancelled = calendar_of(mail.outbox[-1])
    assert cancelled["METHOD"] == "CANCEL"
    [event] = cancelled.walk("VEVENT")
    assert (str(event["UID"]), str(event["STATUS"]), event["SEQUENCE"]) == (
        uid_for(booked.pk),
        "CANCELLED",
        2,
    )
    assert len(mail.outbox) == 3


def test_the_invite_names_organizer_and_attendee_and_its_part_carries_the_method(booked):
    from .conftest import calendar_of, calendar_part

    clinic = booked.clinic
    clinic.email = "appointments@north.example.org"
    clinic.save()
    run_scan(EARLY)
    [invite] = mail.outbox
    [event] = calendar_of(invite).walk("VEVENT")
    assert str(event["ORGANIZER"]).lower() == f"mailto:{clinic.email}".lower()
    assert event["ORGANIZER"].params["CN"] == clinic.name
    patient_email = booked.course.patient.email
    assert str(event["ATTENDEE"]).lower() == f"mailto:{patient_email}".lower()
    assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
    part = calendar_part(invite)
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"

    booked.status = Appointment.Status.CANCELLED
    with TestCase.captureOnCommitCallbacks(execute=True):
        booked.save()
    cancelled = mail.outbox[-1]
    assert calendar_part(cancelled).get_param("method") == "CANCEL"
    [event] = calendar_of(cancelled).walk("VEVENT")
    assert str(event["ATTENDEE"]).lower() == f"mailto:{patient_email}".lower()


def test_send_due_reminders_runs_one_scan_and_prints_what_it_sent(world):
    from django.utils import timezone

    AppointmentFactory(course=world.one.courses[0], starts_at=timezone.now() + HOUR)
    out = io.StringIO()
    call_command("send_due_reminders", stdout=out)
    row = Reminder.objects.get(kind=Kind.APPOINTMENT_SOON)
    assert f"#{row.pk} sent" in out.getvalue()
    assert "sent 1." in out.getvalue()
    out = io.StringIO()
    call_command("send_due_reminders", stdout=out)
    assert "claimed 0, sent 0." in out.getvalue()


def test_admin_shows_the_clinics_reminder_log_read_only(world, booked, staff_client, settings):
    settings.EMAIL_BACKEND = "tests.reminders.test_delivery.MailServerDown"
    run_scan(EARLY)
    AppointmentFactory(course=world.two.courses[0], starts_at=STARTS)
    run_scan(EARLY)
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    response = client.get(reverse("admin:reminders_reminder_changelist") + "?status__exact=due")
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert {r.clinic_id for r in shown} == {world.one.clinic.pk}
    assert "Connection refused" in response.content.decode()
    row = shown[0]
    assert client.post(reverse("admin:reminders_reminder_change", args=[row.pk])).status_code == 403
    assert client.get(reverse("admin:reminders_reminder_add")).status_code == 403


def test_a_patient_sets_their_own_reminder_choices_and_quiet_hours(world, client):
    patient = world.one.patients[0]
    client.force_login(patient.user)
    url = reverse("reminders:preferences")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"measure_reminders": "on", "quiet_start": "21:00", "quiet_end": "08:00"}
    )
    assert response.status_code == 302
    preference = ReminderPreference.objects.get(patient=patient)
    assert not preference.appointment_reminders and preference.measure_reminders
    assert str(preference.quiet_end) == "08:00:00"
    half = client.post(url, {"quiet_start": "21:00"})
    assert half.status_code == 200 and "both ends" in half.content.decode()


def test_staff_have_no_reminder_choices_page(world, staff_client):
    client = staff_client(world.one.staff[Role.THERAPIST])
    assert client.get(reverse("reminders:preferences")).status_code == 403


def test_without_a_signed_protocol_the_pre_session_email_quotes_no_fasting_times(booked):
    """Issue 14: no silent defaults. The patient is asked to check with the clinic."""
    from kapclinic.clinic.models import Protocol

    Protocol.objects.filter(clinic=booked.course.clinic).update(active=False)
    run_scan(EARLY)
    run_scan(at(2030, 6, 11, 16, 0))  # the evening before
    assert Reminder.objects.get(kind=Kind.PRE_SESSION).status == Status.SENT
    body = next(m.body for m in mail.outbox if "To get ready" in m.body)
    assert "Ask the clinic how long to go without food and drink" in body
    assert "Do not eat for" not in body
