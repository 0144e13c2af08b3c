"""Seeded in the evening, the demo booked Theo's "later today" dosing visit at 22:00, past the
demo clinic's 18:00 close: a coming visit the clinic's own hours would refuse. The seed's
coming visits now fall within the hours it gives the clinic (Monday to Friday, 08:00–18:00,
Christmas and Boxing Day closed)."""

import datetime

import pytest
from django.utils import timezone

from kapclinic.clinic.models import Appointment, CourseState
from kapclinic.clinic.models.opening_hours import hours_of
from kapclinic.demo.management.commands.seed_demo import within_hours

from .test_seed_demo import seeded  # noqa: F401  (the demo seeded once for the module)

WEDNESDAY, SATURDAY = 2, 5


def at(weekday, hour, minute=0):
    tz = timezone.get_current_timezone()
    day = datetime.date(2027, 3, 1)  # a Monday, far from Christmas
    day += datetime.timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def test_a_visit_within_the_hours_keeps_its_time():
    assert within_hours(at(WEDNESDAY, 13)) == at(WEDNESDAY, 13)


def test_an_evening_visit_moves_to_the_next_morning():
    assert within_hours(at(WEDNESDAY, 22)) == at(WEDNESDAY, 8) + datetime.timedelta(days=1)


def test_a_visit_that_would_end_after_closing_moves_to_the_next_morning():
    assert within_hours(at(WEDNESDAY, 16)) == at(WEDNESDAY, 8) + datetime.timedelta(days=1)


def test_a_saturday_visit_moves_to_monday_morning():
    assert within_hours(at(SATURDAY, 10)) == at(SATURDAY, 8) + datetime.timedelta(days=2)


@pytest.mark.django_db
def test_theos_visit_today_falls_within_the_clinics_hours_whenever_the_demo_is_seeded(seeded):  # noqa: F811
    theo = Appointment.objects.select_related("course__clinic").get(
        course__state=CourseState.CLEARED, kind=Appointment.Kind.DOSING
    )
    clinic = theo.course.clinic
    assert hours_of(clinic).refusal(theo.starts_at, theo.ends_at, clinic.tz) is None
    assert theo.starts_at > timezone.now()


@pytest.mark.django_db
def test_the_demos_open_slots_fall_within_the_clinics_hours(seeded):  # noqa: F811
    """The demo offered times for the six days ahead whatever the weekday: a patient asked for
    "Sunday 13 December, 16:00" at a clinic closed on Sundays (walk of 7 Dec 2026)."""
    from kapclinic.calendar.models import OpenSlot

    slots = list(OpenSlot.objects.select_related("clinic"))
    assert slots
    for slot in slots:
        clinic = slot.clinic
        refusal = hours_of(clinic).refusal(slot.starts_at, slot.ends_at, clinic.tz)
        assert refusal is None, (slot.starts_at, refusal)


@pytest.mark.django_db
def test_every_demo_visit_past_or_coming_falls_within_the_clinics_hours(seeded):  # noqa: F811
    """Past visits were backdated by whole days from the seed's moment: some fell on a
    Saturday or Sunday, at a clinic closed at weekends."""
    outside = []
    for visit in Appointment.objects.select_related("course__clinic"):
        clinic = visit.course.clinic
        refusal = hours_of(clinic).refusal(visit.starts_at, visit.ends_at, clinic.tz)
        if refusal:
            outside.append((visit.kind, visit.starts_at.isoformat(), refusal))
    assert outside == []
