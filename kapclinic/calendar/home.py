"""The calendar on the patient's home page: a request waiting, or open times to ask for.

At most two queries whatever the record's size (the home page asserts its query count).
"""

from django.urls import reverse

from kapclinic.clinic.home import HomeTask, register
from kapclinic.clinic.models import CourseState

from .models import AppointmentRequest, OpenSlot, RequestStatus

# Integration sessions follow dosing: from the first dose on, the patient may ask for one.
ASKING_STATES = frozenset(
    {CourseState.IN_TREATMENT, CourseState.MAINTENANCE, CourseState.INTEGRATION}
)


@register
def request_tasks(patient, course):
    if not course.is_open:
        return []
    waiting = (
        AppointmentRequest.objects.filter(course=course, patient=patient)
        .open()
        .order_by("-pk")
        .first()
    )
    url = reverse("calendar:ask")
    if waiting is not None:
        offered = waiting.status == RequestStatus.PROPOSED
        return [
            HomeTask(
                title="Answer the clinic's offer of another time"
                if offered
                else "Your appointment request",
                url=url,
                badge="Your answer needed" if offered else "Waiting for the clinic",
                tone="warning" if offered else "info",
                detail="Nothing is booked until the time is accepted.",
                first=offered,
            )
        ]
    if course.state in ASKING_STATES and OpenSlot.objects.offered(course.clinic_id).exists():
        return [
            HomeTask(
                title="Ask for a time for your next integration session",
                url=url,
                detail="Choose from the times the clinic has open.",
            )
        ]
    return []
