"""The dosing session note: the whole record of one dosing visit, as the prescriber signed it.

It reads the same record as the session screen (sessions.screen.session_screen), and draws
the vitals chart from the same geometry (sessions.charts), so paper and screen never disagree.
"""

from operator import attrgetter

from django.utils import timezone

from kapclinic.clinic.access import provider_for
from sessions.models import CheckIn, DosingSession
from sessions.screen import session_screen

from .course_summary import risk_records

TEMPLATE = "reports/session_note.html"
course_of = attrgetter("course")  # whose clinic and patient the note is
# On paper a scheduled reading not taken by the end of the session is missed, not "overdue".
READING_STATUS = {"done": "Taken", "overdue": "Missed", "due": "Not taken", "upcoming": "Not due"}


def records():
    """Sessions with what the report header needs; scope it with `.visible_to(user)`."""
    return DosingSession.objects.select_related(
        "course__patient",
        "course__clinic",
        "appointment__clinician__user",
        "appointment__resource",
        "opened_by",
        "signed_by",
        "companion_confirmed_by",
    )


def build_context(session, *, generated_by, generated_at=None):
    """Everything the template shows, in a fixed number of queries (however long the record)."""
    generated_at = generated_at or timezone.now()
    screen = session_screen(session, None, now=generated_at)
    check_in = (
        CheckIn.objects.filter(appointment_id=session.appointment_id)
        .select_related("gad7", "phq9")
        .first()
    )
    signer = provider_for(session.signed_by) if session.signed_by_id else None
    return {
        **screen,
        "check_in": check_in,
        "schedule": [
            {"due": due, "status": READING_STATUS.get(due.status, due.status)}
            for due in screen["monitoring"].readings
        ],
        "signed_by": signer or session.signed_by,
        **risk_records(session.course),
        "generated_by": generated_by,
        "generated_at": generated_at,
    }


def title(session):
    """Whose note and which day, in the clinic's time zone (ReportKind.render sets it)."""
    day = timezone.localtime(session.started_at).strftime("%-d %b %Y")
    return f"Dosing session note: {session.course.patient.legal_name}, {day}"


def filename(session):
    return f"session-note-{session.pk}.pdf"
