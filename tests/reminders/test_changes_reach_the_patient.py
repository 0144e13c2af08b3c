"""A move or a cancellation reaches the patient whatever path made it (issue 21, part 5).

Every write to an appointment stamps `changed_at` and a change of time or status bumps its
`sequence`, through `save()` and queryset `update()` alike; the scan plans one notice for
each version newer than the one the patient was last sent. So after each path below, one
scan plans exactly one notice, and the patient's home page stops listing what was cancelled.
"""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import dateformat, timezone

from kapclinic.clinic.models import Appointment, Role
from kapclinic.reminders.models import Kind, Reminder, Status
from sessions import booking
from tests.factories import AppointmentFactory, appointment_admin_form

from .conftest import at, calendar_of, run_scan

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
STARTS = at(2030, 6, 12, 9, 0)
EARLY = STARTS - 48 * HOUR
LATER = EARLY + HOUR
NOTICES = (Kind.APPOINTMENT_UPDATED, Kind.APPOINTMENT_CANCELLED)


@pytest.fixture
def invited(world):
    """A booked session whose patient already holds the calendar invite (sent at 48 h)."""
    appointment = AppointmentFactory(course=world.one.courses[0], starts_at=STARTS)
    run_scan(EARLY)
    assert len(mail.outbox) == 1
    return appointment


def notices():
    return list(Reminder.objects.filter(kind__in=NOTICES).order_by("pk"))


def upcoming_on_home(client, appointment):
    """Whether the patient's own home page lists the appointment as upcoming."""
    client.force_login(appointment.course.patient.user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    listed = [a.pk for a in response.context["journey"]["upcoming"]]
    stamp = dateformat.format(timezone.localtime(appointment.starts_at), "c")
    assert (f'datetime="{stamp}"' in response.content.decode()) == (appointment.pk in listed)
    return appointment.pk in listed


def only_notice(kind):
    """One scan later: exactly one notice of `kind`, sent with the appointment's version."""
    run_scan(LATER)
    [notice] = notices()
    assert (notice.kind, notice.status) == (kind, Status.SENT)
    run_scan(LATER + HOUR)  # and the next scan plans nothing more
    assert notices() == [notice]
    return notice


def cancel_as_staff(appointment, world):
    booking.cancel(appointment, by=world.one.staff[Role.NURSE].user, reason="Unwell")


def update_to_cancelled(appointment, world):
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)


def save_as_cancelled(appointment, world):
    appointment.status = Appointment.Status.CANCELLED
    appointment.save()


def cancel_in_the_admin(appointment, world, client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    admin = world.one.staff[Role.CLINIC_ADMIN]
    TOTP.activate(admin.user, generate_totp_secret())
    client.force_login(admin.user)
    url = reverse("admin:clinic_appointment_change", args=[appointment.pk])
    data = appointment_admin_form(
        appointment, status=Appointment.Status.CANCELLED, status_reason="Clinic closed"
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()


@pytest.mark.parametrize(
    "path",
    [cancel_as_staff, update_to_cancelled, save_as_cancelled, "admin"],
    ids=["booking.cancel", "queryset update", "save", "admin change"],
)
def test_a_cancellation_is_planned_for_the_next_scan_whatever_path_cancelled_it(
    invited, world, client, path
):
    assert upcoming_on_home(client, invited)
    if path == "admin":
        cancel_in_the_admin(invited, world, client)
    else:
        path(invited, world)
    invited.refresh_from_db()
    assert (invited.status, invited.sequence) == (Appointment.Status.CANCELLED, 1)
    # The home page reads the appointment itself: off the list at once, before any scan.
    assert not upcoming_on_home(client, invited)

    notice = only_notice(Kind.APPOINTMENT_CANCELLED)
    assert notice.sequence == invited.sequence
    cancelled = calendar_of(mail.outbox[-1])
    assert cancelled["METHOD"] == "CANCEL"
    [event] = cancelled.walk("VEVENT")
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)
    assert "ketamine" not in mail.outbox[-1].body.lower()
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("path", ["save", "queryset update"])
def test_a_move_is_sent_as_an_update_with_a_higher_sequence_whatever_path_moved_it(
    invited, client, path
):
    moved_to = STARTS + 24 * HOUR
    if path == "save":
        invited.starts_at, invited.ends_at = moved_to, moved_to + 2 * HOUR
        invited.save()
    else:
        Appointment.objects.filter(pk=invited.pk).update(
            starts_at=moved_to, ends_at=moved_to + 2 * HOUR
        )
    invited.refresh_from_db()
    assert invited.sequence == 1
    assert upcoming_on_home(client, invited)

    notice = only_notice(Kind.APPOINTMENT_UPDATED)
    assert (notice.subject_at, notice.sequence) == (moved_to, 1)
    [event] = calendar_of(mail.outbox[-1]).walk("VEVENT")
    assert (event.decoded("DTSTART"), event["SEQUENCE"]) == (moved_to, 1)


def test_a_no_show_changes_the_version_but_tells_the_patient_nothing(world, client):
    """No-shows are recorded once the start has passed: no calendar entry is left to correct."""
    now = timezone.now()
    appointment = AppointmentFactory(
        course=world.one.courses[0], starts_at=now - 3 * HOUR, ends_at=now - HOUR
    )
    before = appointment.changed_at
    booking.record_no_show(appointment, by=world.one.staff[Role.NURSE].user, reason="Did not come")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW
    assert appointment.sequence == 1 and appointment.changed_at > before
    run_scan(now)
    assert notices() == []
    assert not upcoming_on_home(client, appointment)


def test_the_save_fast_path_and_the_scan_together_send_one_notice(invited):
    invited.status = Appointment.Status.CANCELLED
    with TestCase.captureOnCommitCallbacks(execute=True):
        invited.save()
    [notice] = notices()
    run_scan(LATER)
    run_scan(LATER + HOUR)
    assert notices() == [notice]
    assert Reminder.objects.get(pk=notice.pk).status == Status.SENT
    assert len(mail.outbox) == 2


def test_two_moves_before_the_scan_make_one_notice_of_the_last_time(invited):
    for hours in (24, 48):
        Appointment.objects.filter(pk=invited.pk).update(
            starts_at=STARTS + hours * HOUR, ends_at=STARTS + (hours + 2) * HOUR
        )
    notice = only_notice(Kind.APPOINTMENT_UPDATED)
    assert (notice.subject_at, notice.sequence) == (STARTS + 48 * HOUR, 2)


def test_a_notice_overtaken_by_a_newer_change_is_skipped_for_the_newer_one(invited):
    from kapclinic.reminders import planner

    Appointment.objects.filter(pk=invited.pk).update(
        starts_at=STARTS + 24 * HOUR, ends_at=STARTS + 26 * HOUR
    )
    planner.plan_all(LATER)  # a notice of version 1 planned, not yet sent
    Appointment.objects.filter(pk=invited.pk).update(status=Appointment.Status.CANCELLED)
    run_scan(LATER)
    first, second = notices()
    assert (first.kind, first.status, first.sequence) == (Kind.APPOINTMENT_UPDATED, "skipped", 1)
    assert "changed again" in first.reason
    assert (second.kind, second.status, second.sequence) == (Kind.APPOINTMENT_CANCELLED, "sent", 2)
    assert len(mail.outbox) == 2


def test_a_cancelled_session_is_not_booked_again_behind_the_patient_s_back(invited, world):
    """Made live again by an update, the patient's calendar would still say cancelled (and
    the booking's checks would not run): the database refuses it (clinic migration 0028)."""
    cancel_as_staff(invited, world)
    run_scan(LATER)
    with pytest.raises(IntegrityError, match="book a new one"), transaction.atomic():
        Appointment.objects.filter(pk=invited.pk).update(status=Appointment.Status.BOOKED)
    run_scan(LATER + HOUR)
    [cancelled] = notices()
    assert (cancelled.kind, cancelled.status) == (Kind.APPOINTMENT_CANCELLED, Status.SENT)
    assert calendar_of(mail.outbox[-1])["METHOD"] == "CANCEL"


def test_writes_that_change_neither_time_nor_status_keep_the_version(invited):
    before = invited.changed_at
    Appointment.objects.filter(pk=invited.pk).update(status_reason="Asked for the quiet room")
    invited.refresh_from_db()
    assert invited.sequence == 0 and invited.changed_at > before
    invited.status_reason = "Prefers the window seat"
    invited.save()
    invited.save(update_fields=["status_reason"])
    Appointment.objects.filter(pk=invited.pk).update(status=Appointment.Status.BOOKED)
    invited.refresh_from_db()
    assert invited.sequence == 0
    run_scan(LATER)
    assert notices() == []


def test_a_patient_never_sent_an_invite_gets_no_notice_but_the_home_page_updates(world, client):
    appointment = AppointmentFactory(course=world.one.courses[0], starts_at=STARTS)
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    run_scan(LATER)
    assert notices() == [] and mail.outbox == []
    assert not upcoming_on_home(client, appointment)


def test_a_move_from_the_calendar_is_sent_as_an_update(world):
    """`booking.reschedule`, the calendar's move, is one more path: the scan finds it too."""
    # The module's fixed dates lie in 2030, beyond the default booking horizon.
    clinic = world.one.clinic
    type(clinic).objects.filter(pk=clinic.pk).update(booking_horizon_days=5000)
    appointment = AppointmentFactory(
        course=world.one.courses[0], kind=Appointment.Kind.INTEGRATION, starts_at=STARTS
    )
    run_scan(EARLY)
    moved_to = STARTS + 24 * HOUR
    booking.reschedule(
        appointment,
        by=world.one.staff[Role.NURSE].user,
        starts_at=moved_to,
        ends_at=moved_to + HOUR,
        reason="Asked for the afternoon",
    )
    notice = only_notice(Kind.APPOINTMENT_UPDATED)
    assert (notice.subject_at, notice.sequence) == (moved_to, 1)
