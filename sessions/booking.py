"""Booking dosing sessions, cancelling, recording a no-show or a check-in. Views call these.

Double booking is refused twice over: `Appointment.clean()` explains the clash beside the
field, and the database refuses whatever slips past it (two staff booking the same slot at
once); that refusal comes back as the same field error.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.plans import plan_in_force
from intake.services import is_cleared
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.constraints import CLINICIAN_OVERLAP, PATIENT_OVERLAP, RESOURCE_OVERLAP
from kapclinic.clinic.mixins import require_patient_or_staff
from kapclinic.clinic.models import (
    Appointment,
    CourseState,
    JourneyError,
    Protocol,
    Provider,
    Role,
)
from kapclinic.clinic.models.resources import DOSING_RESOURCE_NEEDED
from kapclinic.clinic.patient_journey import check_in_window
from kapclinic.clinic.text_limits import required_text
from kapclinic.rems import services as rems

from .models import CheckIn, DosingError, DosingSession
from .session_length import check_dosing_length

# Dosing needs someone who can supervise the dose: a prescriber or a nurse.
DOSING_CLINICIAN_ROLES = (Role.PRESCRIBER, Role.NURSE)
BOOKABLE_STATES = frozenset(
    {CourseState.CLEARED, CourseState.IN_TREATMENT, CourseState.MAINTENANCE}
)
LIVE = (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)


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
    return rems.booking_refusal(course, plan_in_force(course))


def book_dosing_session(course, *, by, starts_at, ends_at, clinician, resource=None, series=None):
    """Book a dosing session in a dosing room or chair (`resource`; None is refused beside
    the field), lasting at least the protocol's observation time (`session_length`), as one
    of a recurring `series` if given; a clash raises a field error."""
    refusal = booking_refusal(course)
    if refusal:
        raise JourneyError(refusal)
    _check_staff(by, course.clinic_id)
    _check_dosing_slot(clinician, resource)
    check_dosing_length(course, starts_at, ends_at)
    appointment = Appointment(
        course=course,
        clinic_id=course.clinic_id,
        kind=Appointment.Kind.DOSING,
        starts_at=starts_at,
        ends_at=ends_at,
        clinician=clinician,
        resource=resource,
        series=series,
    )
    return place(appointment, by=by, what="dosing session")


def place(appointment, *, by, what):
    """Check, insert and audit a new appointment: the last step of every booking service."""
    appointment.full_clean()
    with transaction.atomic():
        insert(appointment)
        _audit(
            appointment,
            by,
            f"{what} booked: appointment {appointment.pk}",
            AccessEvent.Action.CREATE,
        )
    return appointment


def _check_dosing_slot(clinician, resource):
    """A dose is supervised by a prescriber or nurse (DOSING_CLINICIAN_ROLES), in a dosing
    room or chair (the resource's kind is checked by `Appointment.clean`)."""
    errors = {}
    if clinician is None:
        errors["clinician"] = "A dosing session needs a prescriber or nurse to supervise it."
    elif clinician.role not in DOSING_CLINICIAN_ROLES:
        errors["clinician"] = f"{clinician} cannot supervise a dose: choose a prescriber or nurse."
    if resource is None:
        errors["resource"] = DOSING_RESOURCE_NEEDED
    if errors:
        raise ValidationError(errors)


def reschedule(appointment, *, by, starts_at, ends_at, clinician=None, resource=None, reason):
    """Move a live appointment to another time, clinician or room, with the booking's checks.

    `clinician` and `resource` (a Resource) left None stay as they are. A clash, a course no
    longer bookable for dosing, a dosing session shorter than the observation time, or an
    integration session moved before its dosing session is refused in words; the move is
    audited with its reason. Saved with `.save()`, so reminders are planned again.
    """
    reason = required_text(
        reason,
        ValidationError,
        {"reason": "Say why the appointment moves: it is kept on the record."},
    )
    _check_staff(by, appointment.clinic_id)
    with transaction.atomic():
        current = (
            Appointment.objects.select_for_update(no_key=True, of=("self",))
            .select_related("course__patient", "clinic", "clinician__user", "resource")
            .get(pk=appointment.pk)
        )
        if current.status not in LIVE:
            raise JourneyError(
                f"An appointment that is “{current.get_status_display()}” cannot be moved."
            )
        if DosingSession.objects.filter(appointment=current).exists():
            raise JourneyError("This visit's dosing session has been opened: it cannot be moved.")
        before = current.when()
        if current.kind == Appointment.Kind.DOSING:
            refusal = booking_refusal(current.course)
            if refusal:
                raise JourneyError(refusal)
            _check_dosing_slot(clinician or current.clinician, resource or current.resource)
            check_dosing_length(current.course, starts_at, ends_at)
        elif current.kind == Appointment.Kind.INTEGRATION:
            _check_follows_dosing(current, starts_at)
        current.starts_at, current.ends_at = starts_at, ends_at
        if clinician is not None:
            current.clinician = clinician
        if resource is not None:
            current.resource = resource
        current.full_clean()
        insert(current)
        _audit(
            current,
            by,
            f"appointment {current.pk} rescheduled from {before} to {current.when()}: {reason}",
        )
    for name in ("starts_at", "ends_at", "clinician", "resource", "status"):
        setattr(appointment, name, getattr(current, name))
    return appointment


def _check_follows_dosing(appointment, starts_at):
    """An integration session stays after the dosing session it follows (reference §5)."""
    session = (
        DosingSession.objects.filter(
            course_id=appointment.course_id, started_at__lte=appointment.starts_at
        )
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    if session is not None and starts_at <= session:
        raise ValidationError(
            {"starts_at": "An integration session follows its dosing session: choose a later time."}
        )


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
    if RESOURCE_OVERLAP in text:
        errors["resource"] = (
            f"{appointment.resource} was booked for this time a moment ago. "
            "Choose another time, room or chair."
        )
    if PATIENT_OVERLAP in text:
        errors["starts_at"] = (
            f"{appointment.course.patient.display_name} was booked for this time a moment ago, "
            "elsewhere. A patient cannot be in two places at once: choose another time."
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


def complete(appointment, *, by):
    """The visit took place and its record is signed: a live appointment becomes Completed.

    Opening a session leaves the status alone (a checked-in appointment stays checked in);
    only the prescriber's signature closes the visit. Runs inside the caller's transaction.
    """
    updated = Appointment.objects.filter(pk=appointment.pk, status__in=LIVE).update(
        status=Appointment.Status.COMPLETED
    )
    if updated:
        appointment.status = Appointment.Status.COMPLETED
        _audit(appointment, by, f"appointment {appointment.pk}: completed")


def _change_status(appointment, *, by, reason, target, sources):
    reason = required_text(reason, JourneyError, "A reason is required.")
    _check_staff(by, appointment.clinic_id)
    with transaction.atomic():
        current = Appointment.objects.select_for_update(no_key=True).get(pk=appointment.pk)
        if current.status not in sources:
            raise JourneyError(
                f"An appointment that is “{current.get_status_display()}” cannot become "
                f"“{Appointment.Status(target).label}”."
            )
        Appointment.objects.filter(pk=appointment.pk).update(status=target, status_reason=reason)
        appointment.status, appointment.status_reason = target, reason
        _audit(
            appointment,
            by,
            f"appointment {appointment.pk}: {Appointment.Status(target).label.lower()}",
        )


# What the day list says once a dosing session exists: its own state, not the appointment's
# ("Checked in" stays on the appointment until the prescriber signs).
SESSION_STATE = {
    DosingSession.Status.OPEN: ("Session started", "warning"),
    DosingSession.Status.DISCHARGED: ("Discharged, to sign", "info"),
    DosingSession.Status.SIGNED: ("Signed", "success"),
}


def visit_state(appointment):
    """(words, badge tone) for where this visit stands: its session's state once opened.

    Reads `appointment.dosing_session`: select it with the appointment for a list.
    """
    session = getattr(appointment, "dosing_session", None)
    if session is not None and appointment.status not in (
        Appointment.Status.CANCELLED,
        Appointment.Status.NO_SHOW,
    ):
        return SESSION_STATE[session.status]
    return appointment.get_status_display(), appointment.status_tone


def opening_refusal(appointment, protocol=None, now=None):
    """Why the dosing session cannot be opened yet, in words, or None.

    A session opens from the protocol's `session_opens_minutes_before` the appointment's
    start: a visit booked for this afternoon is not started this morning by mistake.
    """
    protocol = protocol or Protocol.objects.effective_for(appointment.course.clinic)
    now = now or timezone.now()
    opens = appointment.starts_at - timedelta(minutes=protocol.session_opens_minutes_before)
    if now >= opens:
        return None
    tz = appointment.course.clinic.tz
    local, start = timezone.localtime(opens, tz), timezone.localtime(appointment.starts_at, tz)
    return (
        f"This session can be opened from {local:%H:%M} on {local:%a} {local.day} {local:%b}, "
        f"{protocol.session_opens_minutes_before} minutes before the appointment starts "
        f"({start:%H:%M}), as the clinic's protocol says."
    )


def refuse_early_opening(appointment, protocol):
    """A session not yet opened is refused before the protocol's window (an open one stays)."""
    if DosingSession.objects.filter(appointment=appointment).exists():
        return
    refusal = opening_refusal(appointment, protocol)
    if refusal:
        raise DosingError(refusal)


# What a patient reads when check-in is closed because of the appointment's status.
CHECK_IN_CLOSED = {
    Appointment.Status.CANCELLED: (
        "This session was cancelled, so there is nothing to check in for. The clinic will "
        "contact you about a new date."
    ),
    Appointment.Status.NO_SHOW: (
        "This session was recorded as missed, so check-in is closed. Please contact the clinic."
    ),
    Appointment.Status.COMPLETED: (
        "This session has already taken place. There is nothing to check in."
    ),
}


def check_in_refusal(appointment, now=None):
    """Why the patient cannot check in for this appointment now, in words, or None.

    A completed check-in ("Checked in") is not refused here: the patient sees their answers.
    """
    if appointment.status in CHECK_IN_CLOSED:
        return CHECK_IN_CLOSED[appointment.status]
    if appointment.status == Appointment.Status.CHECKED_IN:
        return None
    now = now or timezone.now()
    opens, closes = check_in_window(appointment)
    if now < opens:
        local = timezone.localtime(opens, appointment.course.clinic.tz)
        return (
            f"Check-in opens on {local:%A} {local.day} {local:%B} at {local:%H:%M}. "
            "Please come back then: it takes about five minutes."
        )
    if now >= closes:
        return "This session has ended, so check-in is closed. Please contact the clinic."
    return None


def mark_checked_in(appointment, by):
    """The patient's check-in is complete: the appointment becomes "Checked in"."""
    require_patient_or_staff(
        by, appointment.course, "check in for this appointment", refusal=DosingError
    )
    with transaction.atomic():
        current = Appointment.objects.select_for_update(no_key=True).get(pk=appointment.pk)
        if current.status == Appointment.Status.CHECKED_IN:
            appointment.status = current.status
            return appointment
        if current.status != Appointment.Status.BOOKED:
            raise DosingError(
                f"This appointment is {current.get_status_display().lower()}: it cannot be "
                "checked in."
            )
        if not CheckIn.objects.filter(appointment=current, completed_at__isnull=False).exists():
            raise DosingError("The check-in is not complete yet.")
        Appointment.objects.filter(pk=current.pk).update(status=Appointment.Status.CHECKED_IN)
        appointment.status = Appointment.Status.CHECKED_IN
        _audit(appointment, by, f"appointment {appointment.pk}: checked in")
    return appointment


def _audit(appointment, by, what, action=AccessEvent.Action.CHANGE):
    """One row on the patient's access trail for a write to their appointment."""
    AccessEvent.record(actor=by, action=action, what=what, patient_id=appointment.course.patient_id)


def _check_staff(user, clinic_id):
    if user is not None and user.is_authenticated and user.is_superuser:
        return
    provider = provider_for(user)
    if provider is None or provider.clinic_id != clinic_id:
        raise JourneyError("Only staff of the patient's clinic may do this.")
