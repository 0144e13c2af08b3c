"""The demo's open slots and one request waiting: the front desk sees the inbox, a patient in
treatment sees "Ask for a time" on their home page (issue 21)."""

import datetime

from django.utils import timezone

from kapclinic.calendar import requests as calendar_requests
from kapclinic.calendar import slots
from kapclinic.calendar.models import OpenSlot
from kapclinic.clinic.models import CourseState, Role, TreatmentCourse

SLOT_TIMES = (datetime.time(11, 30), datetime.time(16, 0))
DAYS_AHEAD = range(1, 7)


def seed(clinic, staff):
    """A week of afternoon slots with the therapist; Lee asks for one of them."""
    admin, therapist = staff[Role.CLINIC_ADMIN], staff[Role.THERAPIST]
    today = timezone.localdate(timezone=clinic.tz)
    for days in DAYS_AHEAD:
        slots.publish_slots(
            admin.user,
            day=today + datetime.timedelta(days=days),
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
