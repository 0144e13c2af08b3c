"""Flagged patients first on the caseload, ranked by urgency, then by how long they waited."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.models import Role, SafetyFlag
from tests.factories import CourseFactory, PatientFactory, SafetyFlagFactory

pytestmark = pytest.mark.django_db


def caseload_order(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    return list(client.get(reverse("clinic:caseload")).context["courses"])


def flag(course, urgency, hours_ago):
    return SafetyFlagFactory(
        course=course,
        urgency=urgency,
        raised_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )


def test_an_urgent_flag_rises_above_older_routine_ones(world, staff_client):
    routine_a, routine_b = world.one.courses
    urgent = CourseFactory(patient=PatientFactory(clinic=world.one.clinic))
    flag(routine_a, SafetyFlag.Urgency.ROUTINE, hours_ago=72)
    flag(routine_b, SafetyFlag.Urgency.ROUTINE, hours_ago=48)
    flag(routine_b, SafetyFlag.Urgency.ROUTINE, hours_ago=47)  # more flags, still routine
    flag(urgent, SafetyFlag.Urgency.URGENT, hours_ago=1)
    order = caseload_order(world, staff_client)
    assert order[:3] == [urgent, routine_a, routine_b]


def test_among_urgent_flags_the_oldest_comes_first(world, staff_client):
    newer, older = world.one.courses[0], world.one.courses[1]
    flag(newer, SafetyFlag.Urgency.URGENT, hours_ago=2)
    flag(older, SafetyFlag.Urgency.URGENT, hours_ago=20)
    assert caseload_order(world, staff_client)[:2] == [older, newer]


def test_the_caseload_says_when_a_flag_is_urgent(world, staff_client):
    flag(world.one.courses[0], SafetyFlag.Urgency.URGENT, hours_ago=1)
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    body = client.get(reverse("clinic:caseload")).content.decode()
    assert "Urgent — same day" in body


def test_a_course_ranks_by_its_most_urgent_open_flag_and_routine_comes_before_none(
    world, staff_client
):
    """The rank is the top open flag's: an old routine flag beside a new urgent one still
    ranks urgent (waiting since the urgent one), a resolved urgent flag no longer counts, and
    a routine flag still puts a course above those with none."""
    mixed, resolved_urgent = world.one.courses
    plain = CourseFactory(patient=PatientFactory(clinic=world.one.clinic))
    routine = CourseFactory(patient=PatientFactory(clinic=world.one.clinic))
    flag(mixed, SafetyFlag.Urgency.ROUTINE, hours_ago=100)
    flag(mixed, SafetyFlag.Urgency.URGENT, hours_ago=3)
    flag(routine, SafetyFlag.Urgency.ROUTINE, hours_ago=90)
    gone = flag(resolved_urgent, SafetyFlag.Urgency.URGENT, hours_ago=200)
    gone.resolve(world.one.staff[Role.PRESCRIBER].user, "Called the patient; safe at home.")
    flag(resolved_urgent, SafetyFlag.Urgency.ROUTINE, hours_ago=80)
    order = caseload_order(world, staff_client)
    assert order[:3] == [mixed, routine, resolved_urgent]
    assert order.index(plain) > 2


def test_a_course_whose_open_flags_tie_is_listed_once(world, staff_client):
    """Two urgent flags raised at the same moment: one of them decides the place, and the course
    is one row (the top flag is joined, so a tie must not bring the course twice)."""
    tied, other = world.one.courses
    at = timezone.now() - datetime.timedelta(hours=5)
    for _ in range(2):
        SafetyFlagFactory(course=tied, urgency=SafetyFlag.Urgency.URGENT, raised_at=at)
    flag(other, SafetyFlag.Urgency.URGENT, hours_ago=4)
    order = caseload_order(world, staff_client)
    assert order[:2] == [tied, other]
    assert order.count(tied) == 1
    assert order[0].open_flag_count == 2
