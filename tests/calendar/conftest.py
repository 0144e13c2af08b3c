"""The calendar's scene: clinic one of `world` with a cleared course, and a helper to put an
appointment on the calendar at a wall-clock time of the clinic; for appointment requests, a
course dosed yesterday with open slots tomorrow."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kapclinic.calendar.models import OpenSlot
from kapclinic.clinic.models import Appointment, Role
from kapclinic.demo.builder import book, clear_course, open_session
from sessions.models import DosingSession


def at(clinic, days, hour, minute=0):
    """An aware datetime `days` from today at a wall-clock time in the clinic's zone."""
    day = timezone.localdate(timezone=clinic.tz) + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=clinic.tz)


def put(course, clinician, start, minutes=60, resource=None, kind=Appointment.Kind.DOSING, **extra):
    """A direct create: the scene as it stands, no booking rules."""
    return Appointment.objects.create(
        course=course,
        kind=kind,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        clinician=clinician,
        resource=resource,
        **extra,
    )


@pytest.fixture
def north(world):
    return world.one


# --- Appointment requests ---------------------------------------------------------------------


def slot_at(clinic, by, starts_at, minutes=60, clinician=None, **fields):
    return OpenSlot.objects.create(
        clinic=clinic,
        clinician=clinician,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        published_by=by,
        **fields,
    )


def tomorrow_at(clinic, hour, days=1):
    return at(clinic, days, hour)


@pytest.fixture
def dosed(world):
    """Clinic one's first course, dosed yesterday; two slots tomorrow with the therapist."""
    return dosed_course(world)


def dosed_course(world):
    """Clinic one's first course, dosed yesterday; two slots tomorrow with the therapist."""
    side = world.one
    course = side.courses[0]
    prescriber = side.staff[Role.PRESCRIBER]
    therapist = side.staff[Role.THERAPIST]
    nurse = side.staff[Role.NURSE]
    clear_course(course, prescriber.user)
    course.start_treatment(prescriber.user)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    dosing = book(course, yesterday, hours=2, clinician=nurse)
    session = open_session(dosing, nurse.user, yesterday)
    # Discharged (the scene as it stands): an integration session follows a discharge.
    DosingSession.objects.filter(pk=session.pk).update(status=DosingSession.Status.DISCHARGED)
    clinic = side.clinic
    return SimpleNamespace(
        world=world,
        clinic=clinic,
        course=course,
        patient=course.patient,
        other_course=side.courses[1],
        session=session,
        prescriber=prescriber,
        therapist=therapist,
        nurse=nurse,
        admin=side.staff[Role.CLINIC_ADMIN],
        outsider=world.two.staff[Role.PRESCRIBER],
        slot=slot_at(clinic, prescriber.user, tomorrow_at(clinic, 10), clinician=therapist),
        later=slot_at(clinic, prescriber.user, tomorrow_at(clinic, 14), clinician=therapist),
    )


def integration_of(course, starts_at, clinician=None):
    return book(course, starts_at, hours=1, kind=Appointment.Kind.INTEGRATION, clinician=clinician)
