"""Two staff book clashing series at the same instant (real threads, real transactions): one
series is booked whole, the other leaves nothing behind, whether clean() or PostgreSQL's
exclusion constraint caught it."""

import pytest
from django.db import connection

from kapclinic.calendar import series as services
from kapclinic.clinic.models import Appointment, AppointmentSeries, Role
from kapclinic.demo.builder import clear_course, room, sign_consent
from tests.concurrency import at_once
from tests.real_services import require_real_service

from .test_series import WEEK, at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("shared", ["clinician", "room"])
def test_two_clashing_series_booked_at_once_leave_one_whole_series(world, shared):
    """Sharing the nurse or only the room, the second waits on the first's row lock, then
    finds the first's sessions in its way."""
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    side = world.one
    nurse = side.staff[Role.NURSE]
    leads = [nurse, nurse if shared == "clinician" else side.staff[Role.PRESCRIBER]]
    names = ["Dosing room 1", "Dosing room 2"]
    for course in side.courses:
        clear_course(course, side.staff[Role.PRESCRIBER].user)
        sign_consent(course)
    plans = [
        services.plan_series(
            course,
            kind=Appointment.Kind.DOSING,
            first_starts_at=at(side.clinic, 3, 10),
            duration_minutes=150,
            every_days=WEEK,
            count=4,
            clinician=leads[index],  # the same four mornings
            resource=room(side.clinic, "Dosing room 1" if shared == "room" else names[index]),
        )
        for index, course in enumerate(side.courses)
    ]
    assert all(plan.ready for plan in plans)
    outcomes = [None, None]

    def book(index):
        try:
            outcomes[index] = services.book_series(plans[index], by=leads[index].user)
        except services.SeriesError as error:
            outcomes[index] = error

    at_once(book, 2)

    booked = [o for o in outcomes if isinstance(o, AppointmentSeries)]
    refused = [o for o in outcomes if isinstance(o, services.SeriesError)]
    assert (len(booked), len(refused)) == (1, 1), outcomes
    assert "Nothing was booked" in str(refused[0])
    assert AppointmentSeries.objects.get() == booked[0]
    assert Appointment.objects.count() == 4
    assert set(Appointment.objects.values_list("series", flat=True)) == {booked[0].pk}
