"""Recurring series (issue 21): every occurrence checked before anything is booked, all booked
in one transaction or none, and cancelling one occurrence or the rest of the series."""

import datetime
import zoneinfo

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.calendar import series as services
from kapclinic.clinic.models import Appointment, AppointmentSeries, JourneyError, Role
from kapclinic.demo.builder import book, clear_course, room, sign_consent
from sessions import booking
from sessions import services as dosing
from sessions.models import DosingSession
from tests.real_services import require_real_service

pytestmark = pytest.mark.django_db

WEEK = 7


def at(clinic, days, hour, minute=0):
    """An aware datetime `days` from today at a wall-clock time in the clinic's zone."""
    day = timezone.localdate(timezone=clinic.tz) + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=clinic.tz)


@pytest.fixture
def north(world):
    side = world.one
    clear_course(side.courses[0], side.staff[Role.PRESCRIBER].user)
    sign_consent(side.courses[0])
    return side


def weekly(side, count=4, *, first=None, **more):
    """Four weekly dosing sessions at 10:00 with the nurse in dosing room 1, from 3 days on."""
    fields = {
        "kind": Appointment.Kind.DOSING,
        "first_starts_at": first or at(side.clinic, 3, 10),
        "duration_minutes": 150,
        "every_days": WEEK,
        "count": count,
        "clinician": side.staff[Role.NURSE],
        "resource": room(side.clinic, "Dosing room 1"),
    }
    fields.update(more)
    return services.plan_series(side.courses[0], **fields)


def nurse_busy_in_week_two(side):
    """Another patient with the same nurse at 11:00 on the day of the second session."""
    return book(
        side.courses[1],
        at(side.clinic, 3 + WEEK, 11),
        hours=1,
        clinician=side.staff[Role.NURSE],
    )


def test_each_weekly_occurrence_keeps_the_wall_clock_time_across_a_change_of_the_clocks():
    london = zoneinfo.ZoneInfo("Europe/London")
    first = datetime.datetime(2027, 3, 21, 10, 0, tzinfo=london)
    times = services.occurrence_times(
        first, every_days=WEEK, count=3, duration_minutes=60, tz=london
    )
    assert [start.astimezone(london).strftime("%d %H:%M") for start, _ in times] == [
        "21 10:00",
        "28 10:00",
        "04 10:00",
    ]
    # 10:00 before the clocks go forward is 10:00 UTC; after, 09:00 UTC.
    assert [start.astimezone(datetime.UTC).hour for start, _ in times] == [10, 9, 9]


def test_a_clear_series_is_planned_with_every_occurrence_ok_and_nothing_saved(north):
    before = Appointment.objects.count()
    plan = weekly(north)
    assert plan.ready
    assert [o.number for o in plan.occurrences] == [1, 2, 3, 4]
    assert [o.problem for o in plan.occurrences] == [""] * 4
    gaps = {
        b.starts_at - a.starts_at
        for a, b in zip(plan.occurrences, plan.occurrences[1:], strict=False)
    }
    assert gaps <= {datetime.timedelta(days=7), datetime.timedelta(days=7, hours=1)}
    assert Appointment.objects.count() == before
    assert not AppointmentSeries.objects.exists()


def test_a_series_with_one_clash_books_nothing_and_names_the_clash(north):
    nurse_busy_in_week_two(north)
    before = Appointment.objects.count()
    plan = weekly(north)

    assert not plan.ready
    assert [o.number for o in plan.in_the_way] == [2]
    problem = plan.occurrences[1].problem
    assert str(north.staff[Role.NURSE]) in problem
    assert "already booked" in problem
    with pytest.raises(services.SeriesError) as refused:
        services.book_series(plan, by=north.staff[Role.NURSE].user)
    assert "Nothing was booked" in str(refused.value)
    assert [o.number for o in refused.value.plan.in_the_way] == [2]
    assert Appointment.objects.count() == before
    assert not AppointmentSeries.objects.exists()


def test_after_moving_the_clashing_occurrence_every_session_is_booked(north):
    nurse_busy_in_week_two(north)
    plan = weekly(north)
    second = plan.occurrences[1]
    second.starts_at += datetime.timedelta(hours=3)  # 13:00, after the other patient
    second.ends_at += datetime.timedelta(hours=3)
    plan = weekly(north, occurrences=plan.occurrences)
    assert plan.ready

    series = services.book_series(plan, by=north.staff[Role.NURSE].user)

    booked = list(series.appointments.order_by("starts_at"))
    assert len(booked) == 4
    assert {a.kind for a in booked} == {Appointment.Kind.DOSING}
    assert {a.status for a in booked} == {Appointment.Status.BOOKED}
    assert timezone.localtime(booked[1].starts_at, north.clinic.tz).hour == 13
    assert (series.count, series.every_days, series.cadence) == (4, 7, "weekly")
    assert series.created_by == north.staff[Role.NURSE].user
    assert AccessEvent.objects.filter(
        patient=north.courses[0].patient, what__startswith=f"appointment series {series.pk}"
    ).exists()


def test_a_dropped_occurrence_is_not_booked_and_the_rest_are(north):
    nurse_busy_in_week_two(north)
    plan = weekly(north)
    plan.occurrences[1].dropped = True
    series = services.book_series(
        weekly(north, occurrences=plan.occurrences), by=north.staff[Role.NURSE].user
    )
    assert series.appointments.count() == 3
    assert series.count == 4


def test_occurrences_of_one_series_may_not_overlap_each_other(north):
    plan = weekly(north)
    plan.occurrences[2].starts_at = plan.occurrences[1].starts_at + datetime.timedelta(hours=1)
    plan.occurrences[2].ends_at = plan.occurrences[2].starts_at + datetime.timedelta(hours=2)
    plan = weekly(north, occurrences=plan.occurrences)
    assert [o.number for o in plan.in_the_way] == [3]
    assert "Overlaps session 2" in plan.occurrences[2].problem


def test_a_slot_taken_at_the_last_moment_is_refused_by_the_database_and_nothing_is_booked(
    north, monkeypatch
):
    """Two staff at once: clean() passed for this series, then another booking took a slot."""
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    plan = weekly(north)
    assert plan.ready
    taken = nurse_busy_in_week_two(north)  # lands after the check, before the insert
    monkeypatch.setattr(Appointment, "clashes", lambda self: {})  # as if checked before it
    before = Appointment.objects.count()

    with pytest.raises(services.SeriesError) as refused:
        services.book_series(plan, by=north.staff[Role.NURSE].user)

    assert [o.number for o in refused.value.plan.in_the_way] == [2]
    assert "a moment ago" in refused.value.plan.occurrences[1].problem
    assert Appointment.objects.count() == before
    assert list(Appointment.objects.exclude(course=north.courses[1])) == []
    assert Appointment.objects.get() == taken
    assert not AppointmentSeries.objects.exists()


def test_a_dosing_series_is_refused_while_the_course_is_not_cleared(world):
    side = world.one
    plan = services.plan_series(
        side.courses[1],
        kind=Appointment.Kind.DOSING,
        first_starts_at=at(side.clinic, 3, 10),
        duration_minutes=150,
        every_days=WEEK,
        count=3,
        clinician=side.staff[Role.NURSE],
    )
    assert "cleared" in plan.refusal
    assert not plan.ready
    with pytest.raises(services.SeriesError):
        services.book_series(plan, by=side.staff[Role.NURSE].user)
    assert not Appointment.objects.exists()


def discharged_session(side, started_days_ago=1):
    """A dosing session of the first course, opened and discharged `started_days_ago` days ago."""
    course = side.courses[0]
    nurse = side.staff[Role.NURSE]
    start = timezone.now() - datetime.timedelta(days=started_days_ago)
    appointment = book(course, start, hours=2.5, clinician=nurse)
    with timezone.override(side.clinic.tz):
        session = dosing.open_session(appointment, nurse.user)
    DosingSession.objects.filter(pk=session.pk).update(
        started_at=start, status=DosingSession.Status.DISCHARGED
    )
    session.refresh_from_db()
    return session


def test_an_integration_series_follows_the_latest_dosing_session(north):
    therapist = north.staff[Role.THERAPIST]
    session = discharged_session(north)
    plan = weekly(
        north,
        kind=Appointment.Kind.INTEGRATION,
        duration_minutes=60,
        clinician=therapist,
        resource=room(north.clinic, "Therapy room"),
        count=3,
    )
    assert plan.ready, [o.problem for o in plan.occurrences]
    series = services.book_series(plan, by=therapist.user)
    assert series.appointments.filter(kind=Appointment.Kind.INTEGRATION).count() == 3
    assert plan.dosing_session == session


def test_an_integration_series_waits_for_the_patient_to_leave_the_dosing_session(north):
    session = discharged_session(north)
    DosingSession.objects.filter(pk=session.pk).update(status=DosingSession.Status.OPEN)
    plan = weekly(north, kind=Appointment.Kind.INTEGRATION, clinician=north.staff[Role.THERAPIST])
    assert "discharged" in plan.refusal


def booked_series(side, count=4):
    return services.book_series(weekly(side, count), by=side.staff[Role.NURSE].user)


def test_cancelling_the_rest_cancels_only_this_and_later_live_sessions(north):
    nurse = north.staff[Role.NURSE].user
    series = booked_series(north)
    first, second, third, fourth = series.appointments.order_by("starts_at")
    services.cancel_occurrence(fourth, by=nurse, reason="Away that week.")

    cancelled = services.cancel_rest_of_series(series, second, by=nurse, reason="Moving abroad.")

    assert cancelled == [second, third]
    statuses = {
        a.pk: (a.status, a.status_reason) for a in series.appointments.order_by("starts_at")
    }
    assert statuses == {
        first.pk: (Appointment.Status.BOOKED, ""),
        second.pk: (Appointment.Status.CANCELLED, "Moving abroad."),
        third.pk: (Appointment.Status.CANCELLED, "Moving abroad."),
        fourth.pk: (Appointment.Status.CANCELLED, "Away that week."),
    }


def test_cancelling_the_rest_needs_a_reason_and_an_appointment_of_the_series(north):
    nurse = north.staff[Role.NURSE].user
    series = booked_series(north, count=2)
    first = series.appointments.order_by("starts_at").first()
    with pytest.raises(JourneyError, match="reason"):
        services.cancel_rest_of_series(series, first, by=nurse, reason=" ")
    stranger = book(north.courses[1], at(north.clinic, 30, 9), hours=1)
    with pytest.raises(JourneyError, match="not part of this series"):
        services.cancel_rest_of_series(series, stranger, by=nurse, reason="No.")
    assert not series.appointments.filter(status=Appointment.Status.CANCELLED).exists()


def test_staff_of_another_clinic_cannot_cancel_the_rest(world, north):
    series = booked_series(north, count=2)
    first = series.appointments.order_by("starts_at").first()
    outsider = world.two.staff[Role.NURSE].user
    with pytest.raises(JourneyError):
        services.cancel_rest_of_series(series, first, by=outsider, reason="Not mine.")
    assert not series.appointments.filter(status=Appointment.Status.CANCELLED).exists()


# --- The pages ---------------------------------------------------------------------------------


def series_form(side, **more):
    day = timezone.localdate(timezone=side.clinic.tz) + datetime.timedelta(days=3)
    data = {
        "kind": "dosing",
        "date": day.isoformat(),
        "start_time": "10:00",
        "duration_minutes": "150",
        "every_days": "7",
        "count": "4",
        "clinician": side.staff[Role.NURSE].pk,
        "resource": room(side.clinic, "Dosing room 1").pk,
    }
    data.update(more)
    return data


def rows(plan, changes=None):
    """The review step's rows as posted: each occurrence's date and time (changes by number)."""
    changes, data = changes or {}, {}
    for o in plan.occurrences:
        local = timezone.localtime(o.starts_at, o.starts_at.tzinfo)
        data[f"o{o.number}-date"] = local.date().isoformat()
        data[f"o{o.number}-start_time"] = local.strftime("%H:%M")
        data.update({f"o{o.number}-{k}": v for k, v in changes.get(o.number, {}).items()})
    return data


def test_the_review_page_lists_the_clash_and_books_after_the_time_is_changed(north, staff_client):
    nurse_busy_in_week_two(north)
    client = staff_client(north.staff[Role.NURSE])
    url = reverse("calendar:book-series", args=[north.courses[0].pk])
    assert client.get(url).status_code == 200

    review = client.post(url, {**series_form(north), "step": "plan"})
    assert review.status_code == 200
    page = review.content.decode()
    assert "cannot be booked as planned" in page
    assert "already booked" in page
    assert "Book 4 sessions" not in page

    plan = weekly(north)
    moved = rows(plan, {2: {"start_time": "13:00"}})
    refused = client.post(url, {**series_form(north), **rows(plan), "step": "book"})
    assert "already booked" in refused.content.decode()
    assert not AppointmentSeries.objects.exists()
    checked = client.post(url, {**series_form(north), **moved, "step": "check"})
    assert "Book 4 sessions" in checked.content.decode()
    booked = client.post(url, {**series_form(north), **moved, "step": "book"})

    series = AppointmentSeries.objects.get()
    assert booked.status_code == 302
    assert booked["Location"] == reverse("calendar:series", args=[series.pk])
    assert series.appointments.count() == 4
    assert client.get(booked["Location"]).status_code == 200


def test_the_cancel_page_cancels_this_and_the_rest(north, staff_client):
    series = booked_series(north, count=3)
    first, second, third = series.appointments.order_by("starts_at")
    client = staff_client(north.staff[Role.PRESCRIBER])
    url = reverse("calendar:cancel-in-series", args=[second.pk])
    page = client.get(url)
    assert "Cancel this and the rest of the series (2)" in page.content.decode()

    empty = client.post(url, {"scope": "rest", "reason": ""})
    assert empty.status_code == 422
    done = client.post(url, {"scope": "rest", "reason": "Course paused."})
    assert done.status_code == 302
    assert list(series.appointments.order_by("starts_at").values_list("status", flat=True)) == [
        "booked",
        "cancelled",
        "cancelled",
    ]
    one = client.post(
        reverse("calendar:cancel-in-series", args=[first.pk]),
        {"scope": "this", "reason": "Ill."},
    )
    assert one.status_code == 302
    first.refresh_from_db()
    assert first.status == Appointment.Status.CANCELLED


def test_another_clinics_staff_are_told_the_series_is_not_there(world, north, staff_client):
    series = booked_series(north, count=2)
    appointment = series.appointments.first()
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    urls = [
        reverse("calendar:book-series", args=[north.courses[0].pk]),
        reverse("calendar:series", args=[series.pk]),
        reverse("calendar:cancel-in-series", args=[appointment.pk]),
    ]
    data = {**series_form(north), "step": "book", "scope": "rest", "reason": "Not mine."}
    for url in urls:
        assert client.get(url).status_code == 404
    for url in (urls[0], urls[2]):
        assert client.post(url, data).status_code == 404
    assert not AppointmentSeries.objects.exclude(pk=series.pk).exists()
    assert not series.appointments.filter(status=Appointment.Status.CANCELLED).exists()


def test_patients_are_refused_the_series_pages(north, client):
    series = booked_series(north, count=2)
    client.force_login(north.courses[0].patient.user)
    for url in (
        reverse("calendar:book-series", args=[north.courses[0].pk]),
        reverse("calendar:series", args=[series.pk]),
        reverse("calendar:cancel-in-series", args=[series.appointments.first().pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"scope": "rest", "reason": "x"}).status_code == 403
    assert not series.appointments.filter(status=Appointment.Status.CANCELLED).exists()


def test_the_chart_and_the_appointment_link_to_the_series(north, staff_client):
    series = booked_series(north, count=2)
    client = staff_client(north.staff[Role.NURSE])
    chart = client.get(reverse("clinic:patient-chart", args=[north.courses[0].patient_id]))
    assert reverse("calendar:book-series", args=[north.courses[0].pk]) in chart.content.decode()
    assert chart.content.decode().count(reverse("calendar:series", args=[series.pk])) == 2
    appointment = series.appointments.first()
    page = client.get(reverse("dosing:appointment", args=[appointment.pk])).content.decode()
    assert reverse("calendar:series", args=[series.pk]) in page
    assert reverse("calendar:cancel-in-series", args=[appointment.pk]) in page


def test_two_bookings_waiting_on_each_other_are_refused_in_words(north, monkeypatch):
    """PostgreSQL aborts one of two transactions deadlocked on each other's new rows."""

    class Deadlock(Exception):
        pgcode = "40P01"

    def deadlocked(*args, **kwargs):
        raise OperationalError("deadlock detected") from Deadlock()

    monkeypatch.setattr(booking, "book_dosing_session", deadlocked)
    with pytest.raises(services.SeriesError, match="someone else was booking"):
        services.book_series(weekly(north), by=north.staff[Role.NURSE].user)
    assert not AppointmentSeries.objects.exists()


def test_the_admin_shows_a_series_and_its_sessions_read_only(north, client, superuser, enrol_mfa):
    series = booked_series(north, count=2)
    enrol_mfa(superuser)
    client.force_login(superuser)
    assert client.get(reverse("admin:clinic_appointmentseries_changelist")).status_code == 200
    page = client.get(reverse("admin:clinic_appointmentseries_change", args=[series.pk]))
    assert page.status_code == 200
    assert "Dosing room 1" in page.content.decode()
    assert client.get(reverse("admin:clinic_appointmentseries_add")).status_code == 403


def test_the_review_of_twelve_sessions_runs_a_bounded_number_of_queries(
    north, staff_client, django_assert_max_num_queries
):
    client = staff_client(north.staff[Role.NURSE])
    url = reverse("calendar:book-series", args=[north.courses[0].pk])
    # Three clash checks per session (clinician, room, patient), the plan's block of
    # sessions, the protocol's observation time (once for the series: every session is as
    # long) and the page's own reads: 56 measured for twelve sessions.
    with django_assert_max_num_queries(58):
        review = client.post(url, {**series_form(north, count="12"), "step": "plan"})
    assert review.content.decode().count(">OK</span>") == 12


def test_the_series_page_runs_the_same_queries_for_two_sessions_or_twelve(north, staff_client):
    client = staff_client(north.staff[Role.NURSE])
    client.get(reverse("calendar:week"))  # the signed-in user is read once, then kept
    counts = []
    for count in (2, 12):
        series = booked_series(north, count=count)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("calendar:series", args=[series.pk])).status_code == 200
        counts.append(len(queries))
        services.cancel_rest_of_series(
            series, series.appointments.first(), by=north.staff[Role.NURSE].user, reason="Done."
        )
    assert counts[0] == counts[1] <= 5


def test_dosing_sessions_beyond_the_plan_are_noted_not_refused(north):
    """The plan in force has six sessions; one is already booked, so eight more overrun by three."""
    book(north.courses[0], at(north.clinic, 1, 9), hours=2, clinician=north.staff[Role.PRESCRIBER])
    plan = weekly(north, count=8)
    assert plan.ready
    noted = [o.number for o in plan.occurrences if o.note]
    assert noted == [6, 7, 8]
    assert "re-evaluation" in plan.occurrences[7].note


def test_a_dosing_series_needs_a_dosing_room_or_chair(north):
    assert weekly(north, resource=None).refusal == "Choose a dosing room or chair."
    therapy = weekly(north, resource=room(north.clinic, "Therapy room"))
    assert "not a dosing room or chair" in therapy.occurrences[0].problem
    assert not therapy.ready


def test_the_form_says_beside_the_room_that_dosing_needs_a_dosing_room(north, staff_client):
    client = staff_client(north.staff[Role.NURSE])
    url = reverse("calendar:book-series", args=[north.courses[0].pk])
    therapy = room(north.clinic, "Therapy room").pk
    page = client.post(url, {**series_form(north, resource=therapy), "step": "plan"})
    form = page.context["form"]
    assert "not a dosing room or chair" in form.errors["resource"][0]
    page = client.post(url, {**series_form(north, resource=""), "step": "plan"})
    assert page.context["form"].errors["resource"] == ["Choose a dosing room or chair."]
    assert not Appointment.objects.filter(course=north.courses[0]).exists()


def test_a_review_with_every_session_dropped_offers_nothing_to_book(north, staff_client):
    client = staff_client(north.staff[Role.NURSE])
    url = reverse("calendar:book-series", args=[north.courses[0].pk])
    plan = weekly(north, count=2)
    dropped = rows(plan, {1: {"drop": "on"}, 2: {"drop": "on"}})
    page = client.post(url, {**series_form(north, count="2"), **dropped, "step": "book"})
    assert "Every session is dropped" in page.content.decode()
    assert not AppointmentSeries.objects.exists()
