"""The dosing session note: the whole record of one dosing visit, as the prescriber signed it.

It reads the same record as the session screen (sessions.screen.session_screen), and draws
the vitals chart from the same geometry (sessions.charts), so paper and screen never disagree.
"""

from django.utils import timezone

from kapclinic.clinic.access import provider_for
from sessions.models import CheckIn, DosingSession
from sessions.screen import session_screen

from .course_summary import risk_records
from .render import render_for_course

TEMPLATE = "reports/session_note.html"
# On paper a scheduled reading not taken by the end of the session is missed, not "overdue".
READING_STATUS = {"done": "Taken", "overdue": "Missed", "due": "Not taken", "upcoming": "Not due"}


def sessions():
    """Sessions with what the report header needs; scope it with `.visible_to(user)`."""
    return DosingSession.objects.select_related(
        "course__patient",
        "course__clinic",
        "appointment__clinician__user",
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


def render(session, *, generated_by, page_size=None):
    """The session note as a PDF, with times in the clinic's own time zone."""
    course = session.course
    with timezone.override(course.clinic.tz):
        context = build_context(session, generated_by=generated_by)
        day = timezone.localtime(session.started_at).strftime("%-d %b %Y")
        title = f"Dosing session note: {course.patient.legal_name}, {day}"
        return render_for_course(
            course,
            TEMPLATE,
            context,
            title=title,
            filename=f"session-note-{session.pk}.pdf",
            page_size=page_size,
        )
