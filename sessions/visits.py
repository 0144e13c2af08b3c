"""Booking the visits that are neither a dosing session nor an integration session: the
assessment (the intake review in person) and a follow-up (the re-evaluation visit).

The same clash checks as every booking (`Appointment.clean`, then the database, in
`booking.place`); the course must be open and the clinician one of the clinic's clinicians.
"""

from django.core.exceptions import ValidationError

from kapclinic.clinic.models import Appointment, JourneyError
from kapclinic.clinic.models.people import CLINICIAN_ROLES

from .booking import _check_staff, place

VISIT_KINDS = (Appointment.Kind.ASSESSMENT, Appointment.Kind.FOLLOW_UP)


def book_visit(course, *, by, kind, starts_at, ends_at, clinician, resource=None):
    """Book an assessment or a follow-up; a clash raises ValidationError beside its field."""
    if kind not in VISIT_KINDS:
        raise ValidationError({"kind": "Book dosing and integration sessions with their own form."})
    if not course.is_open:
        raise JourneyError(
            f"This course is “{course.get_state_display()}”: no more visits can be booked."
        )
    _check_staff(by, course.clinic_id)
    if clinician is None or clinician.role not in CLINICIAN_ROLES:
        raise ValidationError(
            {"clinician": "Choose the prescriber, therapist or nurse who sees the patient."}
        )
    appointment = Appointment(
        course=course,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        clinician=clinician,
        resource=resource,
    )
    return place(appointment, by=by, what=appointment.get_kind_display().lower())
