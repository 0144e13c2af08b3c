"""Telling the patient how the clinic answered their request: a reminder row, sent by the worker.

Written with the answer, in its transaction, so a Redis or mail outage delays the email and
never loses it (the periodic scan sends what the worker was not handed). The words name the
clinic and a time, never a treatment nor the staff's message (it may hold clinical detail):
the patient reads that signed in. Found by the reminders app by this module's name.
"""

from kapclinic.reminders.emails import Skip, link, local, register, subject_of
from kapclinic.reminders.models import Kind, SubjectType
from kapclinic.reminders.signals import write_row

from .models import AppointmentRequest, RequestStatus

TOLD = (RequestStatus.ACCEPTED, RequestStatus.PROPOSED, RequestStatus.DECLINED)


def tell_patient(request):
    """One email per answer (accepted, offer, declined), keyed by when it was given."""
    write_row(
        Kind.REQUEST_ANSWERED,
        SubjectType.APPOINTMENT_REQUEST,
        request.pk,
        request.answered_at,
        clinic_id=request.clinic_id,
        patient_id=request.patient_id,
    )


@register(
    SubjectType.APPOINTMENT_REQUEST,
    Kind.REQUEST_ANSWERED,
    "request_answered",
    "Your appointment request at {clinic}",
)
def answered(reminder, now):
    """The request as it stands when the email is written (the patient may have answered an
    offer since: the email says where it is now)."""
    rows = AppointmentRequest.objects.select_related("clinic", "booked")
    request = subject_of(reminder, rows, "appointment request")
    if request.status not in TOLD:
        raise Skip(f"the request is {request.get_status_display().lower()}")
    clinic = request.clinic
    return request, {
        "status": request.status,
        "asked_time": local(request.starts_at, clinic),
        "booked_time": local(request.booked.starts_at, clinic) if request.booked else "",
        "proposed_time": (
            local(request.proposed_starts_at, clinic) if request.proposed_starts_at else ""
        ),
        "url": link("calendar:ask"),
        "preferences_url": "",  # not a reminder the patient can turn off
    }
