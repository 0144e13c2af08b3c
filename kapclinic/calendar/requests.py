"""Patients' appointment requests: ask, withdraw, accept, propose another time, decline.

A request is never an appointment. Only `accept` (staff) or `answer_proposal` (the patient
saying yes to the time staff offered) books one, through the phase's own booking service,
in the same transaction that marks the request booked: a clash refuses both, in words.
Views call these; each refusal is a RequestError (a plain message) or a ValidationError
keyed by the field it concerns. The patient hears of each answer by email, a reminder
row written with the answer (reminder_emails.py).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integration.services import BOOKABLE_SESSION_STATES, book_integration_session
from kapclinic.audit.trail import CHANGE, CREATE, audit
from kapclinic.clinic.mixins import require_patient, require_staff
from kapclinic.clinic.models import Appointment, JourneyError
from kapclinic.clinic.models.people import ALL_STAFF
from sessions.booking import reschedule
from sessions.models import DosingSession

from .models import NOTE_MAX_LENGTH, AppointmentRequest, OpenSlot, RequestKind, RequestStatus

S = RequestStatus


class RequestError(JourneyError):
    """A request step was refused; the message is shown to the person as is."""


def followed_sessions(course):
    """The dosing sessions an integration session may follow: the patient was discharged."""
    return DosingSession.objects.filter(course=course, status__in=BOOKABLE_SESSION_STATES)


def latest_dosing_session(course):
    """The dosing session an integration session follows (the latest discharged one)."""
    return followed_sessions(course).order_by("-started_at").first()


def asking_refusal(course, now=None):
    """Why this course cannot ask for an integration session now, in words, or None."""
    if not course.is_open:
        return "This course is closed, so there is nothing to book."
    if not followed_sessions(course).exists():
        return (
            "Integration sessions follow a dosing session: you can ask for a time once your "
            "first dosing session has taken place and you have been discharged from it."
        )
    return None


def movable_appointment(course, appointment, now=None):
    """Refuse unless `appointment` is this course's upcoming integration session."""
    now = now or timezone.now()
    if appointment.course_id != course.pk:
        raise RequestError("That appointment is not yours.")
    if appointment.kind != Appointment.Kind.INTEGRATION:
        raise RequestError("Only an integration session can be moved here: call the clinic.")
    if not appointment.is_live or appointment.starts_at <= now:
        raise RequestError("Only an upcoming appointment can be moved.")


def expire_stale(course, now=None):
    """Open requests whose time has passed are expired: nobody can book the past."""
    now = now or timezone.now()
    stale = AppointmentRequest.objects.filter(course=course)
    stale.filter(status=S.REQUESTED, starts_at__lte=now).update(status=S.EXPIRED, closed_at=now)
    stale.filter(status=S.PROPOSED, proposed_starts_at__lte=now).update(
        status=S.EXPIRED, closed_at=now
    )


def request_time(by, course, *, slot, note="", appointment=None):
    """The patient asks for `slot` (for a new integration session, or to move `appointment`).

    Only their own course; the slot must be published, free and in the future. Nothing is
    booked: the request waits for the clinic.
    """
    require_patient(by, course, "ask for a time on this course", refusal=RequestError)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"Keep the note under {NOTE_MAX_LENGTH} characters."})
    now = timezone.now()
    if appointment is not None:
        movable_appointment(course, appointment, now)
    else:
        refusal = asking_refusal(course, now)
        if refusal:
            raise RequestError(refusal)
    with transaction.atomic():
        expire_stale(course, now)
        if (
            slot is None
            or not OpenSlot.objects.offered(course.clinic_id, now=now).filter(pk=slot.pk).exists()
        ):
            raise ValidationError(
                {"slot": "That time is no longer free. Please choose another time."}
            )
        if AppointmentRequest.objects.open().filter(course=course).exists():
            raise RequestError(
                "You already have a request waiting: withdraw it first to ask for another time."
            )
        request = AppointmentRequest(
            course=course,
            kind=RequestKind.RESCHEDULE if appointment else RequestKind.INTEGRATION,
            appointment=appointment,
            slot=slot,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            clinician=slot.clinician,
            note=note,
            requested_by=by,
        )
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError as error:  # the same form sent twice at once
            raise RequestError(
                "You already have a request waiting: withdraw it first to ask for another time."
            ) from error
        audit(by, request, f"appointment request {request.pk} sent", CREATE)
    return request


def withdraw(by, request):
    """The patient no longer wants the time asked for (or offered)."""
    require_patient(by, request.course, "withdraw this request", refusal=RequestError)
    with transaction.atomic():
        current = _locked(request, S.REQUESTED, S.PROPOSED)
        _close(current, by, S.WITHDRAWN)
        audit(by, current, f"appointment request {current.pk} withdrawn", CHANGE)
    _refresh(request, current)
    return request


def accept(by, request):
    """Staff book the time the patient asked for; a clash refuses it and nothing changes."""
    require_staff(by, request.course, ALL_STAFF, "answer appointment requests", RequestError)
    with transaction.atomic():
        current = _locked(request, S.REQUESTED)
        if current.starts_at <= timezone.now():
            raise RequestError("That time has passed: propose another time instead.")
        appointment = _book(current, by, current.starts_at, current.ends_at, current.clinician)
        current.status, current.booked = S.ACCEPTED, appointment
        current.answered_by, current.answered_at = by, timezone.now()
        current.save(update_fields=["status", "booked", "answered_by", "answered_at", "updated_at"])
        audit(by, current, f"appointment request {current.pk} accepted and booked", CHANGE)
        _tell_patient(current)
    _refresh(request, current)
    return request


def propose(by, request, *, starts_at, ends_at, clinician=None, response=""):
    """Staff offer another time; it is booked only if the patient accepts it."""
    require_staff(by, request.course, ALL_STAFF, "answer appointment requests", RequestError)
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "Choose a date and time in the future."})
    with transaction.atomic():
        current = _locked(request, S.REQUESTED)
        tentative = _appointment_for(current, starts_at, ends_at, clinician)
        _refuse_clashes(tentative)
        current.status = S.PROPOSED
        current.proposed_starts_at, current.proposed_ends_at = starts_at, ends_at
        current.proposed_clinician = clinician
        current.response = (response or "").strip()[:NOTE_MAX_LENGTH]
        current.answered_by, current.answered_at = by, timezone.now()
        current.save()
        audit(by, current, f"appointment request {current.pk}: another time proposed", CHANGE)
        _tell_patient(current)
    _refresh(request, current)
    return request


def decline(by, request, *, reason):
    """Staff cannot offer the time; the reason is shown to the patient when signed in."""
    require_staff(by, request.course, ALL_STAFF, "answer appointment requests", RequestError)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why, so the patient knows what to do next."})
    with transaction.atomic():
        current = _locked(request, S.REQUESTED, S.PROPOSED)
        current.response = reason[:NOTE_MAX_LENGTH]
        current.answered_by, current.answered_at = by, timezone.now()
        _close(current, by, S.DECLINED)
        audit(by, current, f"appointment request {current.pk} declined", CHANGE)
        _tell_patient(current)
    _refresh(request, current)
    return request


def answer_proposal(by, request, *, accepted):
    """The patient says yes (booked now, in the proposer's name) or no to the time offered.

    The booking services book in a member of staff's name: here it is the one who offered
    the time, since their proposal is the clinic's consent to it.
    """
    require_patient(by, request.course, "answer this offer", refusal=RequestError)
    with transaction.atomic():
        current = _locked(request, S.PROPOSED)
        if not accepted:
            _close(current, by, S.DECLINED)
            audit(by, current, f"appointment request {current.pk}: offer declined", CHANGE)
        else:
            if current.proposed_starts_at <= timezone.now():
                raise RequestError("The time offered has passed. Please ask for another time.")
            try:
                appointment = _book(
                    current,
                    current.answered_by,
                    current.proposed_starts_at,
                    current.proposed_ends_at,
                    current.proposed_clinician,
                )
            except JourneyError as error:
                raise RequestError(
                    f"{error} Please ask for another time or call the clinic."
                ) from error
            current.status, current.booked = S.ACCEPTED, appointment
            current.closed_by, current.closed_at = by, timezone.now()
            current.save()
            audit(by, current, f"appointment request {current.pk}: offer accepted", CHANGE)
    _refresh(request, current)
    return request


# --- The booking itself -----------------------------------------------------------------------


def _book(current, by, starts_at, ends_at, clinician):
    """Book or move the appointment; a clash becomes words beside `starts_at`."""
    try:
        with transaction.atomic():
            if current.kind == RequestKind.RESCHEDULE:
                return _move(current, by, starts_at, ends_at, clinician)
            session = latest_dosing_session(current.course)
            if session is None:
                raise RequestError("Integration sessions follow a dosing session: none yet.")
            return book_integration_session(
                session, by, starts_at=starts_at, ends_at=ends_at, clinician=clinician
            )
    except ValidationError as error:
        raise ValidationError({"starts_at": _taken(error)}) from error
    except IntegrityError as error:  # booked by someone else a moment ago
        raise ValidationError(
            {"starts_at": "That time was booked a moment ago. Nothing was booked."}
        ) from error


def _move(current, by, starts_at, ends_at, clinician):
    """Move the appointment (sessions/booking.py::reschedule): the same row, so its note and
    reminders follow it."""
    appointment = Appointment.objects.select_related("course").get(pk=current.appointment_id)
    movable_appointment(current.course, appointment)
    return reschedule(
        appointment,
        by=by,
        starts_at=starts_at,
        ends_at=ends_at,
        clinician=clinician,
        reason=f"the patient asked for this time (appointment request {current.pk})",
    )


def _appointment_for(current, starts_at, ends_at, clinician):
    return Appointment(
        course=current.course,
        kind=Appointment.Kind.INTEGRATION,
        starts_at=starts_at,
        ends_at=ends_at,
        clinician=clinician,
        pk=current.appointment_id if current.kind == RequestKind.RESCHEDULE else None,
    )


def _refuse_clashes(tentative):
    if tentative.ends_at <= tentative.starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    tentative.copy_from_course()
    outside = tentative.hours_refusal()  # a time proposed is one the clinic could book
    if outside:
        raise ValidationError({"starts_at": outside})
    errors = tentative.clashes()
    if errors:
        raise ValidationError({"starts_at": " ".join(errors.values())})


def _taken(error):
    words = " ".join(" ".join(messages) for messages in error.message_dict.values())
    return f"That time cannot be booked: {words} Nothing was booked."


# --- Helpers -----------------------------------------------------------------------------------


def _locked(request, *statuses):
    current = (
        AppointmentRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("course__patient", "course__clinic", "clinic", "clinician")
        .get(pk=request.pk)
    )
    if current.status not in statuses:
        raise RequestError(
            f"This request is “{current.get_status_display().lower()}”: it cannot be changed now."
        )
    return current


def _close(current, by, status):
    current.status = status
    current.closed_by, current.closed_at = by, timezone.now()
    current.save()


def _refresh(request, current):
    for field in current._meta.concrete_fields:
        setattr(request, field.attname, getattr(current, field.attname))


def _tell_patient(current):
    from .reminder_emails import tell_patient  # imports the reminders app's email helpers

    tell_patient(current)
