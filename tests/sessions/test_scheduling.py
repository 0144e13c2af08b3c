"""Booking dosing sessions: no double booking (model and database), cancel and no-show as
statuses with a reason, a clinician's day, and who may do what across two clinics.

The database tests run on whichever database is configured: PostgreSQL refuses through the
exclusion constraints, the SQLite demo through triggers.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.models import IntakeSubmission
from intake.services import record_decision
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Appointment, CourseState, JourneyError, Role
from kapclinic.clinic.models.scheduling import AppointmentDeletionError
from kapclinic.demo.builder import room as clinic_room
from sessions import booking
from tests.factories import CourseFactory, PatientFactory

pytestmark = pytest.mark.django_db


def clear_course(course, prescriber):
    """Take a course through intake to a signed clearance with a plan, as intake does."""
    course.start_intake(course.patient.user)
    course.submit_intake(course.patient.user)
    IntakeSubmission.objects.create(course=course, number=1, answers={}, ruleset_version="t")
    course.begin_review(prescriber.user)
    record_decision(
        course,
        by=prescriber.user,
        data={
            "outcome": "cleared",
            "rationale": "No contraindications.",
            "route": "sublingual",
            "product": "racemic_ketamine",
            "dose_min_mg": 100,
            "dose_max_mg": 300,
            "planned_dosing_sessions": 6,
            "integration_cadence": "Within 3 days of each dose",
        },
    )
    return course


def at(clinic, days, hour, minute=0):
    """An aware datetime `days` from today at a wall-clock time in the clinic's zone."""
    day = timezone.localdate(timezone=clinic.tz) + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=clinic.tz)


def book(course, clinician, start, minutes=150, room="Dosing room 1", **extra):
    """A direct ORM create: no clean(), only the database stands in the way.

    `room` names one of the clinic's standard rooms and chairs ("" for none).
    """
    return Appointment.objects.create(
        course=course,
        kind=Appointment.Kind.DOSING,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        clinician=clinician,
        resource=clinic_room(course.clinic, room) if room else None,
        **extra,
    )


def refused_by_database(**kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        book(**kwargs)


@pytest.fixture
def north(world):
    return world.one


# --- The database refuses double booking -----------------------------------------------------


def test_database_refuses_a_clinician_in_two_overlapping_sessions(north):
    nurse = north.staff[Role.NURSE]
    book(north.courses[0], nurse, at(north.clinic, 3, 10), room="Dosing room 1")
    refused_by_database(
        course=north.courses[1],
        clinician=nurse,
        start=at(north.clinic, 3, 11),
        room="Dosing room 2",
    )
    assert Appointment.objects.count() == 1


def test_database_refuses_one_room_twice_at_a_clinic_but_not_at_another(world, north):
    book(north.courses[0], north.staff[Role.NURSE], at(north.clinic, 3, 10), room="Recliner A")
    refused_by_database(
        course=north.courses[1],
        clinician=north.staff[Role.PRESCRIBER],
        start=at(north.clinic, 3, 12),
        room="Recliner A",
    )
    # The other clinic has its own Recliner A.
    two = world.two
    book(two.courses[0], two.staff[Role.NURSE], at(north.clinic, 3, 10), room="Recliner A")
    assert Appointment.objects.count() == 2


def test_back_to_back_sessions_and_cancelled_ones_do_not_clash(north):
    nurse = north.staff[Role.NURSE]
    first = book(north.courses[0], nurse, at(north.clinic, 3, 9, 30), minutes=150)
    book(north.courses[1], nurse, at(north.clinic, 3, 12), minutes=120)  # starts as first ends
    first.status = Appointment.Status.CANCELLED
    first.save()
    replacement = book(north.courses[0], nurse, at(north.clinic, 3, 9), minutes=120)
    assert replacement.pk
    # Moving the one at 12 into those hours would double-book the nurse and room: refused too
    # (reviving the cancelled one is refused before that: clinic migration 0028).
    with pytest.raises(IntegrityError, match="_overlap"), transaction.atomic():
        Appointment.objects.filter(course=north.courses[1]).update(
            starts_at=at(north.clinic, 3, 10), ends_at=at(north.clinic, 3, 12)
        )


def test_unassigned_and_roomless_appointments_never_clash(north):
    for course in north.courses:
        book(course, None, at(north.clinic, 3, 10), room="")
    assert Appointment.objects.count() == 2


# --- The clash explained beside the field ----------------------------------------------------


def test_clean_names_the_clashing_clinician_and_room(north):
    nurse = north.staff[Role.NURSE]
    book(north.courses[0], nurse, at(north.clinic, 3, 10))
    clash = Appointment(
        course=north.courses[1],
        kind=Appointment.Kind.DOSING,
        starts_at=at(north.clinic, 3, 11),
        ends_at=at(north.clinic, 3, 13),
        clinician=nurse,
        resource=clinic_room(north.clinic, "Dosing room 1"),
    )
    with pytest.raises(ValidationError) as refused:
        clash.full_clean(exclude=["clinic"])
    errors = refused.value.message_dict
    assert "10:00–12:30" in errors["clinician"][0]
    assert errors["resource"] == [
        f"Dosing room 1 is already booked {Appointment.objects.get().when()}. "
        "Choose another time, room or chair."
    ]


@pytest.mark.parametrize(
    ("field", "same_clinician", "room"),
    [("clinician", True, "Dosing room 2"), ("resource", False, "Dosing room 1")],
)
def test_a_database_refusal_comes_back_as_a_field_error(north, field, same_clinician, room):
    """Two staff booking at once: clean() passed for both, the database refuses the second."""
    nurse, prescriber = north.staff[Role.NURSE], north.staff[Role.PRESCRIBER]
    book(north.courses[0], nurse, at(north.clinic, 3, 10), room="Dosing room 1")
    late = Appointment(
        course=north.courses[1],
        kind=Appointment.Kind.DOSING,
        starts_at=at(north.clinic, 3, 10),
        ends_at=at(north.clinic, 3, 12),
        clinician=nurse if same_clinician else prescriber,
        resource=clinic_room(north.clinic, room),
    )
    with pytest.raises(ValidationError) as refused:
        booking.insert(late)
    assert list(refused.value.message_dict) == [field]
    assert "a moment ago" in refused.value.message_dict[field][0]
    assert Appointment.objects.count() == 1  # and the transaction is still usable


def form_data(start, clinician, minutes=150, room="Dosing room 1"):
    return {
        "date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "duration_minutes": str(minutes),
        "clinician": str(clinician.pk),
        "resource": str(clinic_room(clinician.clinic, room).pk) if room else "",
    }


def test_booking_form_shows_the_clash_beside_the_field(north, staff_client):
    prescriber, nurse = north.staff[Role.PRESCRIBER], north.staff[Role.NURSE]
    course = clear_course(north.courses[1], prescriber)
    book(north.courses[0], nurse, at(north.clinic, 3, 10))
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    url = reverse("dosing:book-session", args=[course.pk])
    response = client.post(url, form_data(at(north.clinic, 3, 11), nurse))
    assert response.status_code == 200
    form = response.context["form"]
    assert "already booked" in form.errors["clinician"][0]
    assert "already booked" in form.errors["resource"][0]
    assert 'aria-invalid="true"' in response.content.decode()
    assert Appointment.objects.count() == 1


# --- Booking ---------------------------------------------------------------------------------


def test_staff_book_a_session_in_the_clinic_time_zone(north, staff_client):
    # East of the server (Europe/London), so the protocol the world signed on London's date is
    # in force on the clinic's date at any hour: in New York it was not yet, from 00:00 to
    # 05:00 UTC (a protocol is in force from the clinic's day of its sign-off).
    north.clinic.time_zone = "Asia/Tokyo"
    north.clinic.save()
    prescriber, nurse = north.staff[Role.PRESCRIBER], north.staff[Role.NURSE]
    course = clear_course(north.courses[0], prescriber)
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    url = reverse("dosing:book-session", args=[course.pk])
    page = client.get(url)
    assert page.context["form"]["duration_minutes"].value() == 150
    assert set(page.context["form"].fields["clinician"].queryset) == {prescriber, nurse}

    start = at(north.clinic, 4, 10)
    response = client.post(url, form_data(start, nurse, minutes=120, room="Recliner B"))
    assert response.status_code == 302
    assert response.url == reverse("clinic:patient-chart", args=[course.patient_id])
    booked = Appointment.objects.get()
    assert booked.kind == Appointment.Kind.DOSING
    assert booked.clinic == north.clinic and booked.resource.name == "Recliner B"
    assert booked.starts_at == start and booked.ends_at - booked.starts_at == datetime.timedelta(
        hours=2
    )
    assert booked.starts_at.astimezone(datetime.UTC).hour == 1  # 10:00 in Tokyo (UTC+9)
    assert AccessEvent.objects.filter(
        patient=course.patient, action=AccessEvent.Action.CREATE, what__contains="booked"
    ).exists()


def test_booking_refused_in_the_past_and_for_a_therapist(north, staff_client):
    course = clear_course(north.courses[0], north.staff[Role.PRESCRIBER])
    client = staff_client(north.staff[Role.NURSE])
    url = reverse("dosing:book-session", args=[course.pk])
    past = client.post(url, form_data(at(north.clinic, -1, 10), north.staff[Role.NURSE]))
    assert "in the future" in past.context["form"].errors["date"][0]
    therapist = client.post(url, form_data(at(north.clinic, 2, 10), north.staff[Role.THERAPIST]))
    assert "clinician" in therapist.context["form"].errors
    assert not Appointment.objects.exists()


def test_booking_refused_for_a_course_not_cleared(north, staff_client):
    prescriber, nurse = north.staff[Role.PRESCRIBER], north.staff[Role.NURSE]
    invited = north.courses[0]
    client = staff_client(prescriber)
    url = reverse("dosing:book-session", args=[invited.pk])
    page = client.get(url)
    assert "Not ready for dosing sessions" in page.content.decode()
    assert 'name="start_time"' not in page.content.decode()
    client.post(url, form_data(at(north.clinic, 2, 10), nurse))
    assert not Appointment.objects.exists()

    # Marked cleared without a signed decision and plan: intake says no, so do we.
    course = north.courses[1]
    course.start_intake(course.patient.user)
    course.submit_intake(course.patient.user)
    course.begin_review(prescriber.user)
    course.clear(prescriber.user, "Suitable.")
    assert course.state == CourseState.CLEARED
    with pytest.raises(JourneyError, match="treatment plan"):
        booking.book_dosing_session(
            course,
            by=prescriber.user,
            starts_at=at(north.clinic, 2, 10),
            ends_at=at(north.clinic, 2, 12),
            clinician=nurse,
        )
    assert not Appointment.objects.exists()


def test_chart_offers_booking_only_for_a_cleared_course(north, staff_client):
    client = staff_client(north.staff[Role.PRESCRIBER])
    cleared = clear_course(north.courses[0], north.staff[Role.PRESCRIBER])
    link = reverse("dosing:book-session", args=[cleared.pk])
    chart = client.get(reverse("clinic:patient-chart", args=[cleared.patient_id]))
    assert link in chart.content.decode()
    other = north.courses[1]
    chart = client.get(reverse("clinic:patient-chart", args=[other.patient_id]))
    assert reverse("dosing:book-session", args=[other.pk]) not in chart.content.decode()


# --- Cancel and no-show: statuses with a reason, never deletions -----------------------------


def test_cancel_needs_a_reason_and_keeps_the_row(north, staff_client):
    appointment = book(north.courses[0], north.staff[Role.NURSE], at(north.clinic, 3, 10))
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    url = reverse("dosing:cancel-appointment", args=[appointment.pk])
    response = client.post(url, {"cancel-reason": "  "})
    assert response.status_code == 200 and response.context["cancel_form"].errors
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED

    response = client.post(url, {"cancel-reason": "Patient unwell; rebook next week."})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.status_reason == "Patient unwell; rebook next week."
    assert AccessEvent.objects.filter(
        patient=north.patients[0], action=AccessEvent.Action.CHANGE, what__contains="cancelled"
    ).exists()
    # Cancelled once is cancelled: a second try is refused in words.
    again = client.post(url, {"cancel-reason": "again"})
    assert "cannot become" in str(again.context["cancel_form"].non_field_errors())


def test_no_show_only_once_the_start_has_passed_and_keeps_the_row(north, staff_client):
    nurse = north.staff[Role.NURSE]
    future = book(north.courses[0], nurse, at(north.clinic, 3, 10))
    started = book(north.courses[1], nurse, timezone.now() - datetime.timedelta(hours=1))
    client = staff_client(nurse)

    url = reverse("dosing:record-no-show", args=[future.pk])
    refused = client.post(url, {"no_show-reason": "Did not arrive."})
    assert "start time has passed" in str(refused.context["no_show_form"].non_field_errors())

    url = reverse("dosing:record-no-show", args=[started.pk])
    assert client.post(url, {"no_show-reason": "Did not arrive; no answer."}).status_code == 302
    started.refresh_from_db()
    assert started.status == Appointment.Status.NO_SHOW
    assert started.status_reason == "Did not arrive; no answer."
    assert Appointment.objects.count() == 2


def test_appointments_are_never_deleted(north):
    appointment = book(north.courses[0], north.staff[Role.NURSE], at(north.clinic, 3, 10))
    with pytest.raises(AppointmentDeletionError):
        appointment.delete()
    with pytest.raises(AppointmentDeletionError):
        Appointment.objects.all().delete()
    assert Appointment.objects.filter(pk=appointment.pk).exists()


# --- A clinician's day -----------------------------------------------------------------------


def test_my_day_defaults_to_today_and_the_signed_in_clinician(north, staff_client):
    nurse, prescriber = north.staff[Role.NURSE], north.staff[Role.PRESCRIBER]
    mine = book(north.courses[0], nurse, at(north.clinic, 0, 0, 30), minutes=60, room="Recliner A")
    mine_cancelled = book(north.courses[1], nurse, at(north.clinic, 0, 2), minutes=30, room="")
    mine_cancelled.status = Appointment.Status.CANCELLED
    mine_cancelled.save()
    book(north.courses[1], prescriber, at(north.clinic, 0, 9), room="")  # not the nurse's
    book(north.courses[1], nurse, at(north.clinic, 1, 9), room="")  # tomorrow

    client = staff_client(nurse)
    response = client.get(reverse("dosing:day"))
    assert response.status_code == 200
    assert list(response.context["appointments"]) == [mine, mine_cancelled]
    html = response.content.decode()
    assert "My day" in html and "(today)" in html
    assert reverse("clinic:patient-chart", args=[north.patients[0].pk]) in html
    assert "00:30" in html and "Recliner A" in html
    assert '<span class="badge badge--info">Booked</span>' in html
    assert '<span class="badge badge--neutral">Cancelled</span>' in html
    today = timezone.localdate(timezone=north.clinic.tz)
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert f"?date={tomorrow}&amp;clinician={nurse.pk}" in html


def test_day_view_shows_another_clinicians_day_and_ignores_a_bad_date(north, staff_client):
    prescriber = north.staff[Role.PRESCRIBER]
    theirs = book(north.courses[0], prescriber, at(north.clinic, 5, 10))
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    day = theirs.starts_at.astimezone(north.clinic.tz).date().isoformat()
    url = reverse("dosing:day")
    response = client.get(url, {"date": day, "clinician": prescriber.pk})
    assert list(response.context["appointments"]) == [theirs]
    response = client.get(url, {"date": "not-a-date", "clinician": prescriber.pk})
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate(timezone=north.clinic.tz)


def test_day_view_query_count_does_not_grow_with_appointments(north, staff_client):
    nurse = north.staff[Role.NURSE]
    client = staff_client(nurse)
    url = reverse("dosing:day")
    day = at(north.clinic, 2, 0).date().isoformat()

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"date": day})
            assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["appointments"])

    book(north.courses[0], nurse, at(north.clinic, 2, 7), minutes=30)
    one, rows = count_queries()
    assert rows == 1
    for index in range(9):
        patient = PatientFactory(clinic=north.clinic)
        course = CourseFactory(patient=patient)
        book(
            course,
            nurse,
            at(north.clinic, 2, 8, 0) + datetime.timedelta(minutes=40 * index),
            minutes=30,
        )
    ten, rows = count_queries()
    assert rows == 10
    assert ten == one


# --- Who may do what -------------------------------------------------------------------------


def test_staff_of_another_clinic_get_not_found(world, north, staff_client):
    course = clear_course(north.courses[0], north.staff[Role.PRESCRIBER])
    appointment = book(north.courses[1], north.staff[Role.NURSE], at(north.clinic, 3, 10))
    outsider = world.two.staff[Role.PRESCRIBER]
    client = staff_client(outsider)
    book_url = reverse("dosing:book-session", args=[course.pk])
    assert client.get(book_url).status_code == 404
    data = form_data(at(north.clinic, 2, 10), outsider)
    assert client.post(book_url, data).status_code == 404
    assert client.get(reverse("dosing:appointment", args=[appointment.pk])).status_code == 404
    for name, key in (
        ("dosing:cancel-appointment", "cancel"),
        ("dosing:record-no-show", "no_show"),
    ):
        response = client.post(reverse(name, args=[appointment.pk]), {f"{key}-reason": "x"})
        assert response.status_code == 404
    day = client.get(reverse("dosing:day"), {"clinician": north.staff[Role.NURSE].pk})
    assert day.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert Appointment.objects.count() == 1


def test_the_service_refuses_staff_of_another_clinic(world, north):
    appointment = book(north.courses[0], north.staff[Role.NURSE], at(north.clinic, 3, 10))
    with pytest.raises(JourneyError, match="staff of the patient's clinic"):
        booking.cancel(appointment, by=world.two.staff[Role.PRESCRIBER].user, reason="x")


def test_patients_are_refused_staff_pages(north, client):
    course = clear_course(north.courses[0], north.staff[Role.PRESCRIBER])
    appointment = book(course, north.staff[Role.NURSE], at(north.clinic, 3, 10))
    client.force_login(course.patient.user)
    assert client.get(reverse("dosing:day")).status_code == 403
    assert client.get(reverse("dosing:book-session", args=[course.pk])).status_code == 403
    assert client.get(reverse("dosing:appointment", args=[appointment.pk])).status_code == 403
    url = reverse("dosing:cancel-appointment", args=[appointment.pk])
    assert client.post(url, {"cancel-reason": "I can't come"}).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
