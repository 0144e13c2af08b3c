"""Booking dosing sessions, and cancelling or recording a no-show. Views call these.

Double booking is refused twice over: `Appointment.clean()` explains the clash beside the
field, and the database refuses whatever slips past it (two staff booking the same slot at
once); that refusal comes back as the same field error.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.services import is_cleared
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.constraints import CLINICIAN_OVERLAP, ROOM_OVERLAP
from kapclinic.clinic.models import Appointment, CourseState, JourneyError, Provider, Role

# Dosing needs someone who can supervise the dose: a prescriber or a nurse.
DOSING_CLINICIAN_ROLES = (Role.PRESCRIBER, Role.NURSE)
BOOKABLE_STATES = frozenset({CourseState.CLEARED, CourseState.IN_TREATMENT})


def dosing_clinicians(clinic):
    return (
        Provider.objects.active()
        .filter(clinic=clinic, role__in=DOSING_CLINICIAN_ROLES)
        .select_related("user")
    )


def booking_refusal(course):
    """Why dosing sessions cannot be booked for this course, or None when they can."""
    if course.state not in BOOKABLE_STATES:
        return (
            f"Dosing sessions can be booked once a course is cleared; this course is "
            f"“{course.get_state_display()}”."
        )
    if not is_cleared(course):
        return "This course has no signed clearance and treatment plan yet."
    return None


def book_dosing_session(course, *, by, starts_at, ends_at, clinician, room=""):
    """Book a dosing session; a clash raises ValidationError keyed by the clashing field."""
    refusal = booking_refusal(course)
    if refusal:
        raise JourneyError(refusal)
    _check_staff(by, course.clinic_id)
    appointment = Appointment(
        course=course,
        clinic_id=course.clinic_id,
        kind=Appointment.Kind.DOSING,
        starts_at=starts_at,
        ends_at=ends_at,
        clinician=clinician,
        room=room,
    )
    appointment.full_clean()
    with transaction.atomic():
        insert(appointment)
        AccessEvent.record(
            actor=by,
            action=AccessEvent.Action.CREATE,
            what=f"dosing session booked: appointment {appointment.pk}",
            patient_id=course.patient_id,
        )
    return appointment


def insert(appointment):
    """Save in a savepoint, so a database refusal leaves the transaction usable."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        errors = _clash_errors(error, appointment)
        if not errors:
            raise
        raise ValidationError(errors) from error


def _clash_errors(error, appointment):
    text = str(error)
    errors = {}
    if CLINICIAN_OVERLAP in text:
        errors["clinician"] = (
            f"{appointment.clinician} was booked for this time a moment ago. "
            "Choose another time or clinician."
        )
    if ROOM_OVERLAP in text:
        errors["room"] = (
            f"{appointment.room} was booked for this time a moment ago. "
            "Choose another time or room."
        )
    return errors


def cancel(appointment, *, by, reason):
    """The appointment stays on the record, marked cancelled with the reason given."""
    _change_status(
        appointment,
        by=by,
        reason=reason,
        target=Appointment.Status.CANCELLED,
        sources=(Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN),
    )


def record_no_show(appointment, *, by, reason):
    """The patient did not come; only once the start time has passed."""
    if appointment.starts_at > timezone.now():
        raise JourneyError("A no-show can only be recorded once the start time has passed.")
    _change_status(
        appointment,
        by=by,
        reason=reason,
        target=Appointment.Status.NO_SHOW,
        sources=(Appointment.Status.BOOKED,),
    )


def _change_status(appointment, *, by, reason, target, sources):
    reason = (reason or "").strip()
    if not reason:
        raise JourneyError("A reason is required.")
    _check_staff(by, appointment.clinic_id)
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status not in sources:
            raise JourneyError(
                f"An appointment that is “{current.get_status_display()}” cannot become "
                f"“{Appointment.Status(target).label}”."
            )
        Appointment.objects.filter(pk=appointment.pk).update(status=target, status_reason=reason)
        appointment.status, appointment.status_reason = target, reason
        AccessEvent.record(
            actor=by,
            action=AccessEvent.Action.CHANGE,
            what=f"appointment {appointment.pk}: {Appointment.Status(target).label.lower()}",
            patient_id=appointment.course.patient_id,
        )


def _check_staff(user, clinic_id):
    if user is not None and user.is_authenticated and user.is_superuser:
        return
    provider = provider_for(user)
    if provider is None or provider.clinic_id != clinic_id:
        raise JourneyError("Only staff of the patient's clinic may do this.")
