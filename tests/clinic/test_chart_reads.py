"""The patient chart's course reads, built once per process (clinic/chart_reads.py): the same
rows as the ORM's prefetches, a change shown at once, and nothing of another patient."""

import pytest
from django.db.models import Prefetch
from django.utils import timezone

from kapclinic.clinic.chart_reads import chart_appointments, chart_courses, chart_flags
from kapclinic.clinic.diagnoses import add_diagnosis, enter_in_error
from kapclinic.clinic.models import CourseEvent, Diagnosis, Provider, Role
from tests.factories import AppointmentFactory, CourseFactory, SafetyFlagFactory

pytestmark = pytest.mark.django_db


def shown(courses):
    return [
        (
            course.pk,
            [(m.pk, str(m)) for m in course.care_team.all()],
            [(e.pk, e.to_state, str(e.actor)) for e in course.events.all()],
            [(d.pk, d.code, d.primary) for d in course.diagnoses_shown],
        )
        for course in courses
    ]


def as_the_orm_reads(patient):
    return list(
        patient.courses.prefetch_related(
            Prefetch("care_team", queryset=Provider.objects.select_related("user")),
            Prefetch("events", queryset=CourseEvent.objects.select_related("actor")),
            Prefetch("diagnoses", queryset=Diagnosis.objects.in_force(), to_attr="diagnoses_shown"),
        )
    )


def test_the_charts_course_reads_match_the_orm_and_show_a_change_at_once(
    world, django_assert_num_queries
):
    north = world.one
    patient, course = north.patients[0], north.courses[0]
    prescriber, therapist = north.staff[Role.PRESCRIBER], north.staff[Role.THERAPIST]
    second = CourseFactory(patient=patient)
    course.care_team.add(prescriber)
    add_diagnosis(course, therapist.user, "F41.1")
    chart_courses(patient)  # the statements built
    course.care_team.add(therapist)
    second.care_team.add(prescriber)
    wrong = add_diagnosis(second, prescriber.user, "F33.1")
    add_diagnosis(second, prescriber.user, "F32.1")
    enter_in_error(wrong, prescriber.user, "Wrong patient's code")
    CourseEvent.objects.create(
        course=course,
        from_state="invited",
        to_state="invited",
        actor=prescriber.user,
        at=timezone.now(),
        note="",
    )
    # Another patient's rows never join these.
    other = north.courses[1]
    other.care_team.add(therapist)
    add_diagnosis(other, therapist.user, "F43.10")

    with django_assert_num_queries(4):
        courses = chart_courses(patient)
    with django_assert_num_queries(0):
        read = shown(courses)
        assert all(c.patient is patient for c in courses)
    assert read == shown(as_the_orm_reads(patient))
    by_course = {pk: (team, events, dx) for pk, team, events, dx in read}
    assert {pk for pk, _ in by_course[course.pk][0]} == {prescriber.pk, therapist.pk}
    assert len(by_course[course.pk][1]) == 1
    assert [code for _, code, _ in by_course[second.pk][2]] == ["F32.1"]
    assert [pk for pk, _ in by_course[second.pk][0]] == [prescriber.pk]


def test_the_charts_appointments_and_flags_are_the_patients_own(world):
    north = world.one
    mine, theirs = north.courses[0], north.courses[1]
    chart_appointments(mine.patient_id), chart_flags(mine.patient_id)  # built
    appointment = AppointmentFactory(course=mine)
    AppointmentFactory(course=theirs)
    flag = SafetyFlagFactory(course=mine)
    SafetyFlagFactory(course=theirs)
    assert [a.pk for a in chart_appointments(mine.patient_id)] == [appointment.pk]
    assert [f.pk for f in chart_flags(mine.patient_id)] == [flag.pk]
    assert chart_courses(world.two.patients[0])[0].pk == world.two.courses[0].pk


def test_the_charts_access_read_built_once_still_refuses_another_clinics_staff(world, staff_client):
    """The chart's patient read for staff is built once per process (access.chart_reader):
    after it was built, another clinic's staff get a 404 and a new patient opens at once."""
    from django.urls import reverse

    from tests.factories import PatientFactory

    mine = world.one.patients[0]
    client = staff_client(world.one.staff[Role.NURSE])
    assert client.get(reverse("clinic:patient-chart", args=[mine.pk])).status_code == 200
    new = PatientFactory(clinic=world.one.clinic)
    assert client.get(reverse("clinic:patient-chart", args=[new.pk])).status_code == 200
    client = staff_client(world.two.staff[Role.NURSE])  # the same client, signed in again
    for patient in (mine, new):
        assert client.get(reverse("clinic:patient-chart", args=[patient.pk])).status_code == 404
