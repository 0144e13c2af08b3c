"""The demo's open slots and one request waiting: the front desk sees the inbox, a patient in
treatment sees "Ask for a time" on their home page (issue 21)."""

import datetime

from django.utils import timezone

from kapclinic.calendar import requests as calendar_requests
from kapclinic.calendar import slots
from kapclinic.calendar.models import OpenSlot
from kapclinic.clinic.models import ClosedDay, CourseState, OpeningHours, Role, TreatmentCourse
from kapclinic.clinic.models.opening_hours import DEFAULT_HOURS, ClinicHours

SLOT_TIMES = (datetime.time(11, 30), datetime.time(16, 0))
OPEN_DAYS_OFFERED = 5  # a working week


def open_days_ahead(today, count=OPEN_DAYS_OFFERED):
    """The next `count` days the demo clinic opens (its hours are written last, so read from
    their defaults): a patient is never offered a Sunday or Christmas Day."""
    hours = ClinicHours(week=DEFAULT_HOURS, closed=closed_days(today))
    days, day = [], today
    while len(days) < count:
        day += datetime.timedelta(days=1)
        if hours.window(day) is not None:
            days.append(day)
    return days


def seed(clinic, staff):
    """A working week of slots with the therapist; Lee asks for one of them."""
    admin, therapist = staff[Role.CLINIC_ADMIN], staff[Role.THERAPIST]
    for day in open_days_ahead(timezone.localdate(timezone=clinic.tz)):
        slots.publish_slots(
            admin.user,
            day=day,
            times=SLOT_TIMES,
            minutes=60,
            clinician=therapist,
        )
    lee = (
        TreatmentCourse.objects.filter(clinic=clinic, state=CourseState.INTEGRATION)
        .select_related("patient__user")
        .first()
    )
    slot = OpenSlot.objects.offered(clinic.pk).last()
    if lee is not None and slot is not None:
        calendar_requests.request_time(
            lee.patient.user, lee, slot=slot, note="Later in the afternoon works best for me."
        )


def opening_hours(clinic):
    """Monday to Friday, 08:00–18:00, and the coming Christmas and Boxing Day closed. Set last,
    as a clinic sets them: the visits the demo booked before keep their times."""
    for weekday, (opens, closes) in DEFAULT_HOURS.items():
        OpeningHours.objects.create(clinic=clinic, weekday=weekday, opens=opens, closes=closes)
    for date, reason in closed_days(timezone.localdate(timezone=clinic.tz)).items():
        ClosedDay.objects.create(clinic=clinic, date=date, reason=reason)


def closed_days(today):
    """{date: reason}: the coming Christmas Day and Boxing Day."""
    year = today.year + (today > datetime.date(today.year, 12, 26))
    return {
        datetime.date(year, 12, 25): "Christmas Day",
        datetime.date(year, 12, 26): "Boxing Day",
    }
