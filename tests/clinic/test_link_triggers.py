"""PostgreSQL itself keeps a course with its patient and clinic, an appointment with its course,
a completed visit final and a cancelled or missed one ended: a queryset update, raw SQL or
another program is refused in the model's own words (clinic migration 0028)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction

from kapclinic.clinic.models import Appointment, Role, TreatmentCourse
from kapclinic.demo.builder import room as clinic_room
from sessions import booking
from tests.real_services import require_real_service
from tests.sessions.test_scheduling import at, book, clear_course

pytestmark = pytest.mark.django_db

COMPLETED_WORDS = "This visit took place and its record is signed: it cannot change now."
MOVED_COURSE = Appointment.kept_links["course"]


@pytest.fixture(autouse=True)
def _postgresql():
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")


@pytest.fixture
def north(world):
    return world.one


def refused_with(words, sql, params=()):
    """Raw SQL the database refuses, saying `words`; the test's transaction survives."""
    with (
        pytest.raises(IntegrityError) as refusal,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    assert words in str(refusal.value)


def update_refused_with(words, queryset, **changes):
    """A queryset update the database refuses, saying `words`."""
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        models.QuerySet.update(queryset, **changes)  # the bare UPDATE, past any guard
    assert words in str(refusal.value)


def visit(north, day=3, hour=10, **extra):
    return book(north.courses[0], north.staff[Role.NURSE], at(north.clinic, day, hour), **extra)


# --- A course keeps its patient and clinic ----------------------------------------------------


def test_a_course_is_not_moved_to_another_patient_or_clinic(world, north):
    course, other = north.courses
    courses = TreatmentCourse.objects.filter(pk=course.pk)
    patient_words = TreatmentCourse.kept_links["patient"]
    update_refused_with(patient_words, courses, patient=other.patient)
    refused_with(
        patient_words,
        "UPDATE clinic_treatmentcourse SET patient_id = %s WHERE id = %s",
        [other.patient_id, course.pk],
    )
    clinic_words = TreatmentCourse.kept_links["clinic"]
    update_refused_with(clinic_words, courses, clinic=world.two.clinic)
    course.refresh_from_db()
    assert (course.patient_id, course.clinic_id) == (north.patients[0].pk, north.clinic.pk)
    # Its other columns still change (the journey's moves are queryset updates).
    assert courses.update(indication_detail="Treatment-resistant") == 1


def test_the_queryset_refuses_moving_a_course_in_the_model_s_words(north):
    course, other = north.courses
    with pytest.raises(ValidationError) as refusal:
        TreatmentCourse.objects.filter(pk=course.pk).update(patient=other.patient)
    assert refusal.value.message_dict == {"patient": [TreatmentCourse.kept_links["patient"]]}


# --- An appointment keeps its course ----------------------------------------------------------


def test_an_appointment_is_not_moved_to_another_course(north):
    appointment = visit(north)
    other = north.courses[1]
    appointments = Appointment.objects.filter(pk=appointment.pk)
    update_refused_with(MOVED_COURSE, appointments, course=other)
    for column, value in (
        ("course_id", other.pk),
        ("patient_id", other.patient_id),
        ("clinic_id", other.clinic_id + 1000),
    ):
        refused_with(
            MOVED_COURSE,
            f"UPDATE clinic_appointment SET {column} = %s WHERE id = %s",
            [value, appointment.pk],
        )
    with pytest.raises(ValidationError) as refusal:
        appointments.update(course=other)
    assert refusal.value.message_dict == {"course": [MOVED_COURSE]}
    appointment.refresh_from_db()
    assert appointment.course_id == north.courses[0].pk


def test_an_appointment_is_never_deleted_by_the_database_either(north):
    appointment = visit(north)
    refused_with(
        "cancelled or marked no-show, not deleted",
        "DELETE FROM clinic_appointment WHERE id = %s",
        [appointment.pk],
    )
    assert Appointment.objects.filter(pk=appointment.pk).exists()


def test_a_course_with_records_is_not_deleted_by_raw_sql(north):
    """Its records' foreign keys refuse it (checked at commit, here at once)."""
    course = visit(north).course
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DELETE FROM clinic_treatmentcourse WHERE id = %s", [course.pk])
    assert TreatmentCourse.objects.filter(pk=course.pk).exists()


# --- A completed visit is final ---------------------------------------------------------------


def test_a_completed_visit_keeps_its_status_kind_and_time(north):
    appointment = visit(north)
    booking.complete(appointment, by=north.staff[Role.PRESCRIBER].user)
    appointments = Appointment.objects.filter(pk=appointment.pk)
    later = appointment.starts_at + datetime.timedelta(days=1)
    for changes in (
        {"status": Appointment.Status.CANCELLED},
        {"status": Appointment.Status.BOOKED},
        {"status": Appointment.Status.NO_SHOW},
        {"kind": Appointment.Kind.FOLLOW_UP},
        {"starts_at": later - datetime.timedelta(hours=1), "ends_at": later},
    ):
        update_refused_with(COMPLETED_WORDS, appointments, **changes)
    refused_with(
        COMPLETED_WORDS,
        "UPDATE clinic_appointment SET status = 'cancelled' WHERE id = %s",
        [appointment.pk],
    )
    # What a completed visit may still gain: a note beside it, its version stamp.
    assert appointments.update(status_reason="Patient asked for a copy") == 1
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED


# --- A cancelled or missed visit stays ended --------------------------------------------------


@pytest.mark.parametrize(
    ("ended", "word"),
    [(Appointment.Status.CANCELLED, "cancelled"), (Appointment.Status.NO_SHOW, "missed")],
)
def test_an_ended_visit_is_not_made_live_again(north, ended, word):
    appointment = visit(north, day=-1)
    Appointment.objects.filter(pk=appointment.pk).update(status=ended)
    appointments = Appointment.objects.filter(pk=appointment.pk)
    words = f"This visit was {word}: book a new one instead"
    for live in (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN):
        update_refused_with(words, appointments, status=live)
        refused_with(
            words,
            "UPDATE clinic_appointment SET status = %s WHERE id = %s",
            [live, appointment.pk],
        )
    # Ended is not final otherwise: a cancellation can be corrected to a no-show, say.
    other = {"cancelled": Appointment.Status.NO_SHOW, "missed": Appointment.Status.CANCELLED}
    assert appointments.update(status=other[word]) == 1


# --- The services still do their work ---------------------------------------------------------


def test_booking_moving_cancelling_and_completing_through_the_services(north):
    prescriber, nurse = north.staff[Role.PRESCRIBER], north.staff[Role.NURSE]
    course = clear_course(north.courses[0], prescriber)
    room = clinic_room(north.clinic, "Dosing room 1")

    def dosing(day):
        return booking.book_dosing_session(
            course,
            by=nurse.user,
            starts_at=at(north.clinic, day, 9),
            ends_at=at(north.clinic, day, 12),
            clinician=nurse,
            resource=room,
        )

    moved = dosing(5)
    booking.reschedule(
        moved,
        by=nurse.user,
        starts_at=at(north.clinic, 6, 9),
        ends_at=at(north.clinic, 6, 12),
        reason="The patient asked",
    )
    booking.cancel(moved, by=nurse.user, reason="Unwell")
    done = dosing(7)
    booking.complete(done, by=prescriber.user)
    statuses = dict(Appointment.objects.filter(course=course).values_list("pk", "status"))
    assert statuses[moved.pk] == Appointment.Status.CANCELLED
    assert statuses[done.pk] == Appointment.Status.COMPLETED
