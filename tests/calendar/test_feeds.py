"""Each clinician's private calendar feed (issue 21): it parses with an independent iCalendar
reader (`ical`, not the `icalendar` that writes it), names no patient, follows every change,
and stops the moment it is revoked or replaced."""

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone
from ical.calendar_stream import IcsCalendarStream

from kapclinic.audit.models import AccessEvent
from kapclinic.calendar import feeds
from kapclinic.calendar.models import CalendarFeed
from kapclinic.clinic.models import Appointment, Role
from kapclinic.reminders.ics import uid_for
from sessions import booking
from tests.factories import AppointmentFactory, CourseFactory, PatientFactory, ResourceFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
NAMES = ("Sophie Renard", "Jonah Okafor-Lee", "Ana María Ortiz")


@pytest.fixture
def clinician(world):
    return world.one.staff[Role.PRESCRIBER]


@pytest.fixture
def diary(world, clinician):
    """The prescriber's appointments with three named patients, and a colleague's."""
    now = timezone.now()
    courses = [
        CourseFactory(patient=PatientFactory(clinic=world.one.clinic, legal_name=name))
        for name in NAMES
    ]
    courses[0].patient.preferred_name = "Sophie"
    courses[0].patient.save()

    def book(course, days, **fields):
        starts = (now + days * DAY).replace(microsecond=0)
        return AppointmentFactory(
            course=course,
            clinician=fields.pop("clinician", clinician),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            **fields,
        )

    return {
        "dosing": book(
            courses[0], 3, resource=ResourceFactory(clinic=world.one.clinic, name="Room 2")
        ),
        "integration": book(courses[1], 10, kind=Appointment.Kind.INTEGRATION),
        "cancelled": book(courses[2], 5, status=Appointment.Status.CANCELLED),
        "last_week": book(courses[1], -7, status=Appointment.Status.COMPLETED),
        "too_old": book(courses[2], -40, status=Appointment.Status.COMPLETED),
        "too_far": book(courses[0], 200),
        "colleague": book(courses[2], 4, clinician=world.one.staff[Role.NURSE]),
    }


def fetch(client, token):
    return client.get(reverse("calendar:feed", args=[token]))


def parse(response):
    return IcsCalendarStream.calendar_from_ics(response.content.decode())


def test_the_feed_parses_with_an_independent_reader_and_names_no_patient(client, clinician, diary):
    _, token = feeds.create_feed(clinician, by=clinician.user)
    response = fetch(client, token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse(response)
    events = {event.uid: event for event in calendar.events}
    inside = ("dosing", "integration", "cancelled", "last_week")
    assert set(events) == {uid_for(diary[key].pk) for key in inside}

    dosing = events[uid_for(diary["dosing"].pk)]
    assert dosing.summary == "S.R. · Dosing session"
    assert dosing.location == f"Room 2, {clinician.clinic.name}"
    assert dosing.dtstart == diary["dosing"].starts_at
    assert dosing.dtend == diary["dosing"].ends_at
    assert (dosing.sequence, dosing.status) == (0, "CONFIRMED")
    assert dosing.description is None
    assert events[uid_for(diary["integration"].pk)].summary == "J.O. · Integration session"
    assert events[uid_for(diary["cancelled"].pk)].status == "CANCELLED"
    title = f"{clinician.clinic.name}: my appointments"
    assert calendar.name == [title]
    extras = {extra.name.lower(): extra.value for extra in calendar.extras}
    assert extras["x-wr-calname"] == title and extras["x-published-ttl"] == "PT1H"
    assert calendar.refresh_interval == datetime.timedelta(hours=1)

    body = response.content
    assert b"X-WR-CALNAME:" in body and b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body
    lines = body.split(b"\r\n")
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75  # folded (RFC 5545 §3.1)
    text = body.decode().lower()
    for name in NAMES + ("Sophie", "Renard", "Okafor", "Ortiz"):
        assert name.lower() not in text
    for patient in (a.course.patient for a in diary.values()):
        assert patient.email.lower() not in text
    for word in ("ketamine", "spravato", "esketamine", "dose"):
        assert word not in text.replace("dosing session", "")


def test_a_cancellation_or_a_move_shows_with_a_higher_sequence(client, clinician, world, diary):
    _, token = feeds.create_feed(clinician, by=clinician.user)
    appointment = diary["dosing"]
    booking.cancel(appointment, by=world.one.staff[Role.NURSE].user, reason="Unwell")
    moved = diary["integration"]
    Appointment.objects.filter(pk=moved.pk).update(
        starts_at=moved.starts_at + DAY, ends_at=moved.ends_at + DAY
    )
    events = {event.uid: event for event in parse(fetch(client, token)).events}
    cancelled = events[uid_for(appointment.pk)]
    assert (cancelled.status, cancelled.sequence) == ("CANCELLED", 1)
    assert (events[uid_for(moved.pk)].dtstart, events[uid_for(moved.pk)].sequence) == (
        moved.starts_at + DAY,
        1,
    )


def test_only_a_hash_and_a_short_prefix_of_the_secret_are_kept(clinician):
    feed, token = feeds.create_feed(clinician, by=clinician.user)
    assert len(token) >= 40
    feed.refresh_from_db()
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert feed.token_prefix == token[:8]
    stored = " ".join(str(v) for v in CalendarFeed.objects.values().get().values())
    assert token not in stored


def test_revoked_replaced_unknown_or_a_departed_clinicians_feed_is_not_found(client, clinician):
    _, first = feeds.create_feed(clinician, by=clinician.user)
    assert fetch(client, first).status_code == 200
    _, second = feeds.replace_feed(clinician, by=clinician.user)
    assert fetch(client, first).status_code == 404
    assert fetch(client, second).status_code == 200
    feeds.revoke_feed(clinician, by=clinician.user)
    assert fetch(client, second).status_code == 404
    assert fetch(client, "A" * 43).status_code == 404

    _, third = feeds.create_feed(clinician, by=clinician.user)
    clinician.active = False
    clinician.save()
    assert fetch(client, third).status_code == 404


def test_the_feed_serves_get_only(client, clinician):
    _, token = feeds.create_feed(clinician, by=clinician.user)
    assert client.post(reverse("calendar:feed", args=[token])).status_code == 405
    assert client.head(reverse("calendar:feed", args=[token])).status_code == 200


def test_each_fetch_is_one_audit_row_by_the_owner_without_the_secret(client, clinician, diary):
    feed, token = feeds.create_feed(clinician, by=clinician.user)
    before = AccessEvent.objects.count()
    fetch(client, token)
    fetch(client, token)
    rows = list(AccessEvent.objects.order_by("pk")[before:])
    assert len(rows) == 2
    for row in rows:
        assert (row.actor_id, row.patient_id, row.action) == (clinician.user_id, None, "view")
        assert row.what == f"calendar feed {feed.token_prefix}… fetched: 4 appointments"
        assert token not in row.path and feed.token_prefix in row.path
    feed.refresh_from_db()
    assert feed.last_used_at is not None


def test_the_feed_reads_a_fixed_number_of_queries(
    client, clinician, diary, django_assert_max_num_queries
):
    _, token = feeds.create_feed(clinician, by=clinician.user)
    course = diary["dosing"].course
    for days in range(20, 60, 2):
        starts = timezone.now() + days * DAY
        AppointmentFactory(
            course=course, clinician=clinician, starts_at=starts, ends_at=starts + DAY / 12
        )
    with django_assert_max_num_queries(8):
        assert fetch(client, token).status_code == 200


@pytest.mark.parametrize(
    ("name", "initials"),
    [("Sophie Renard", "S.R."), ("Jonah Okafor-Lee", "J.O."), ("Madonna", "M."), ("1 2", "?")],
)
def test_initials_take_the_first_and_last_name(world, name, initials):
    assert feeds.initials(PatientFactory(clinic=world.one.clinic, legal_name=name)) == initials
