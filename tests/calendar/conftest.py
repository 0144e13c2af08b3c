"""The calendar's scene: clinic one of `world` with a cleared course, and a helper to put an
appointment on the calendar at a wall-clock time of the clinic."""

import datetime

import pytest
from django.utils import timezone

from kapclinic.clinic.models import Appointment


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
