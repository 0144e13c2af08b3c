"""Phase 3 workflows: integration sessions and notes, the journal, measures, course closure.

Views call these. Each refuses with IntegrationError (a plain message to show as is), the
journey's JourneyError, or SignedRecordError for a signed note; each runs in one transaction
and writes the audit trail. Journal and measure workflows live in their own modules and are
re-exported here.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.audit.trail import audit
from kapclinic.clinic import signing
from kapclinic.clinic.mixins import require_staff
from kapclinic.clinic.models import Appointment, SafetyFlag
from kapclinic.clinic.records import SignedRecordError
from kapclinic.clinic.submissions import save_once
from kapclinic.clinic.text_limits import required_text
from sessions.booking import cancel, place
from sessions.models import DosingSession

from . import course_outcome
from .journal import (
    JournalResult,
    active_prompts,
    save_journal_draft,
    share_journal_entry,
    unshare_journal_entry,
    write_journal_entry,
)
from .models import (
    CourseClosure,
    IntegrationError,
    IntegrationNote,
    SuicideRiskCheck,
)
from .models.common import ANY_STAFF, CLINICIANS, NOTE_AUTHORS
from .models.notes import NOTE_FIELDS
from .questionnaire_requests import (
    answer_measure_request,
    cancel_open_requests,
    complete_measure_request,
    expire_measure_requests,
    flag_unfinished_answers,
    reconcile_measure_requests,
    save_measure_draft,
    schedule_measures,
    urgent_answers,
)

__all__ = [
    "EditConflict",
    "JournalResult",
    "active_prompts",
    "add_note_addendum",
    "answer_measure_request",
    "book_integration_session",
    "complete_course",
    "complete_measure_request",
    "discontinue_course",
    "expire_measure_requests",
    "flag_unfinished_answers",
    "open_integration_note",
    "reconcile_measure_requests",
    "save_journal_draft",
    "save_measure_draft",
    "record_integration_note",
    "schedule_measures",
    "share_journal_entry",
    "sign_integration_note",
    "unshare_journal_entry",
    "urgent_answers",
    "write_journal_entry",
]

CHANGE = AccessEvent.Action.CHANGE


# --- Integration sessions and notes --------------------------------------------------------


# An integration session follows a dose the patient has been discharged from.
BOOKABLE_SESSION_STATES = frozenset({DosingSession.Status.DISCHARGED, DosingSession.Status.SIGNED})


def book_integration_session(
    dosing_session, by, *, starts_at, ends_at, clinician=None, resource=None, series=None
):
    """Offer the integration session that follows a dosing session (reference §5 cadence),
    in a room or by telehealth (`resource`, a Resource or None).

    `series`: the recurring series it is booked as one of (kapclinic.calendar), if any.
    """
    course = dosing_session.course
    require_staff(by, course, ANY_STAFF, "book an integration session", refusal=IntegrationError)
    if not course.is_open:
        raise IntegrationError("This course is closed: no more sessions can be booked.")
    if dosing_session.status not in BOOKABLE_SESSION_STATES:
        raise IntegrationError("Book the integration session once the patient has been discharged.")
    if starts_at <= dosing_session.started_at:
        raise IntegrationError("An integration session follows its dosing session.")
    appointment = Appointment(
        course=course,
        kind=Appointment.Kind.INTEGRATION,
        starts_at=starts_at,
        ends_at=ends_at,
        clinician=clinician,
        resource=resource,
        series=series,
    )
    return place(appointment, by=by, what="integration session")


def open_integration_note(appointment, by, *, dosing_session=None):
    """The note of an integration session, created on first open (a draft until signed)."""
    if appointment.kind != Appointment.Kind.INTEGRATION:
        raise IntegrationError("Only an integration session has an integration note.")
    course = appointment.course
    require_staff(by, course, NOTE_AUTHORS, "write an integration note", refusal=IntegrationError)
    if dosing_session is None:
        dosing_session = (
            DosingSession.objects.filter(course=course, started_at__lte=appointment.starts_at)
            .order_by("-started_at")
            .first()
        )
    elif dosing_session.course_id != course.pk:
        raise IntegrationError("That dosing session belongs to another course.")
    with transaction.atomic():
        note, created = IntegrationNote.objects.get_or_create(
            appointment=appointment,
            defaults={"course": course, "dosing_session": dosing_session, "written_by": by},
        )
        if created:
            audit(by, course, f"integration note {note.pk} opened")
    return note


class EditConflict(IntegrationError):
    """The draft changed since this editor opened it: nothing was overwritten.

    `note` is the note as now saved; the caller shows it beside what this editor typed.
    """

    def __init__(self, note):
        self.note = note
        super().__init__(
            "Someone else saved this note while you were editing it. Your text was not saved "
            "and nothing was overwritten."
        )


def record_integration_note(note, by, data, *, version=None, request_key=None):
    """Save what the clinician wrote; a suicide-risk concern raises a safety flag at once.

    `version` is the note version the editor started from: if the note was saved since,
    EditConflict is raised instead of overwriting the other person's text. `request_key` is
    the form's one-time key: the same form sent again raises AlreadySaved with the note.
    """
    require_staff(
        by, note.course, NOTE_AUTHORS, "write an integration note", refusal=IntegrationError
    )
    unknown = set(data) - set(NOTE_FIELDS)
    if unknown:
        raise IntegrationError(f"Unknown note fields: {', '.join(sorted(unknown))}.")
    return save_once(
        request_key,
        kind=IntegrationNote,
        record=note,
        by=by,
        write=lambda: _record_integration_note(note, by, data, version),
    )


def _record_integration_note(note, by, data, version):
    with transaction.atomic():
        note = _locked(note)
        if note.is_signed:
            raise SignedRecordError("This note is signed: add an addendum instead.")
        if version is not None and version != note.version:
            raise EditConflict(note)
        for name, value in data.items():
            setattr(note, name, (value or "").strip() if isinstance(value, str) else value)
        note.full_clean(exclude=["appointment", "course", "dosing_session", "written_by"])
        note.version += 1
        note.save()
        audit(by, note.course, f"integration note {note.pk} written", CHANGE)
        if note.suicide_risk_check == SuicideRiskCheck.CONCERNS:
            SafetyFlag.raise_for(
                note.course,
                source="Integration note: suicide-risk check",
                reason="Concerns identified at the integration session's suicide-risk check. "
                + (note.suicide_risk_detail or ""),
                by=by,
                kind=SafetyFlag.Kind.SUICIDE_RISK,
            )
    return note


def sign_integration_note(note, by):
    """The therapist or prescriber signs; from then on the note only takes addenda."""
    require_staff(
        by, note.course, NOTE_AUTHORS, "sign an integration note", refusal=IntegrationError
    )
    with transaction.atomic():
        note = _locked(note)
        if note.is_signed:
            raise IntegrationError("This note is already signed.")
        missing = note.missing_for_signature()
        if missing:
            raise IntegrationError(f"Before signing, record: {', '.join(missing)}.")
        # A signed note says the session happened: not before it began, nor for a missed one.
        appointment = note.appointment
        if appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW):
            raise IntegrationError(
                f"This session did not take place ({appointment.get_status_display().lower()}): "
                "its note cannot be signed."
            )
        if appointment.starts_at > timezone.now():
            raise IntegrationError("This session has not begun yet: sign its note once it has.")
        # updated_at is left as the last draft save: the hash covers the row as stored.
        signing.sign(note, by)
    return note


def add_note_addendum(note, by, text, *, request_key=None):
    """A correction or late entry by a clinician; the only way to add to a signed note."""
    return signing.add_addendum(note, by, text, roles=CLINICIANS, request_key=request_key)


def _locked(note):
    note.refresh_from_db(
        from_queryset=IntegrationNote.objects.select_for_update(of=("self",), no_key=True)
    )
    return note


# --- Course completion and discontinuation ------------------------------------------------


CLOSED_COURSE_CANCELS = (Appointment.Kind.DOSING, Appointment.Kind.INTEGRATION)
HELD = (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED)


def _closure_date(course, on):
    today = course.clinic.today()
    on = on or today
    if not isinstance(on, datetime.date) or isinstance(on, datetime.datetime):
        raise ValidationError({"effective_on": "Give the date the course ended."})
    if on > today:
        raise ValidationError({"effective_on": "The date cannot be in the future."})
    if on < timezone.localdate(course.created_at, course.clinic.tz):
        raise ValidationError({"effective_on": "The date is before the course began."})
    # Follow-up questionnaires are timed from this date: one before a session the course held
    # would make them overdue at once.
    held = (
        course.appointments.filter(kind__in=CLOSED_COURSE_CANCELS, status__in=HELD)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if held is not None and on < (last := timezone.localdate(held, course.clinic.tz)):
        raise ValidationError(
            {"effective_on": f"The date is before the course's last session ({last:%-d %b %Y})."}
        )
    return on


def cancelled_on_closing(course):
    """The booked sessions closing the course cancels, for its page to name before it does.

    A closed course holds no more dosing or integration sessions; follow-up visits stay, and
    so does a visit already under way (a dosing session opened early)."""
    return course.appointments.upcoming().filter(
        kind__in=CLOSED_COURSE_CANCELS, dosing_session__isnull=True
    )


def _close(course, by, outcome, reason, on):
    """The course moves on by its own transition and the closure is kept, with its reason and
    the date it ended (default today). Runs inside the caller's transaction."""
    reason = required_text(reason, IntegrationError, "Give a reason.")
    on = _closure_date(course, on)
    if outcome == CourseClosure.Outcome.COMPLETED:
        course.complete(by, note=reason)
    else:
        course.discontinue(by, reason)
    for appointment in cancelled_on_closing(course):
        cancel(appointment, by=by, reason=f"The course was closed: {reason}")
    return CourseClosure.objects.create(
        course=course, outcome=outcome, effective_on=on, reason=reason, recorded_by=by
    )


def complete_course(course, by, *, reason, on=None):
    """Close a course as completed on `on` (default today), and schedule its follow-up."""
    with transaction.atomic():
        closure = _close(course, by, CourseClosure.Outcome.COMPLETED, reason, on)
        schedule_measures(course)
        course_outcome.refresh(course.pk)
    return closure


def discontinue_course(course, by, *, reason, on=None):
    """Close a course as discontinued; questionnaires still requested are cancelled."""
    with transaction.atomic():
        closure = _close(course, by, CourseClosure.Outcome.DISCONTINUED, reason, on)
        cancel_open_requests(course)
    return closure
