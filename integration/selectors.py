"""Phase 3 reads: outcomes per course, the clinic dashboard, tasks and overdue requests.

Each runs a fixed number of queries whatever the size of the record: a course's outcomes are
computed in Python (integration.outcome_rules) from one query of scores and one of first
doses; the dashboard's rates over many courses are counted by the database
(integration.dashboard).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min

from kapclinic.clinic.models import CourseState, Protocol, TreatmentCourse
from kapclinic.clinic.models.journey import CLOSED_STATES
from kapclinic.instruments import get_instrument
from kapclinic.measures.models import QuestionnaireResponse
from sessions.models import Administration

from .dashboard import InstrumentSummary, outcome_summaries
from .models import CourseClosure, JournalEntry, MeasureRequest
from .outcome_rules import Measurement, Rules, instrument_outcome

ONE_PLACE = Decimal("0.1")
UNREAD = object()  # an argument the caller did not read: the function reads it


def measurements_by_course(course_ids, instruments):
    """{(course id, instrument): [Measurement]} of completed, scored responses: one query."""
    rows = (
        QuestionnaireResponse.objects.completed()
        .filter(course_id__in=course_ids, instrument__in=instruments, total__isnull=False)
        .values_list("course_id", "instrument", "completed_at", "total", "purpose")
        .order_by("completed_at", "pk")
    )
    found = {}
    for course_id, instrument, at, total, purpose in rows:
        found.setdefault((course_id, instrument), []).append(Measurement(at, total, purpose))
    return found


def first_doses(course_ids):
    """{course id: time of the first dose given}: one query."""
    rows = (
        Administration.objects.filter(session__course_id__in=course_ids)
        .values("session__course_id")
        .annotate(first=Min("given_at"))
        .values_list("session__course_id", "first")
    )
    return dict(rows)


def course_outcomes(course, protocol=None, scores=None, started=UNREAD):
    """One Outcome per instrument the protocol has rules for, judged over this course.

    `scores`: this course's measurements_by_course() if the caller already read them (the
    outcome page shows them too), so they are read once; `started` likewise, the course's
    first dose (first_doses(), None before any).
    """
    protocol = protocol or Protocol.objects.effective_for(course.clinic)
    instruments = list(protocol.outcome_rules or {}) if protocol else []  # none signed off
    if scores is None:
        scores = measurements_by_course([course.pk], instruments)
    if started is UNREAD:
        started = first_doses([course.pk]).get(course.pk)
    return [
        instrument_outcome(
            code,
            scores.get((course.pk, code), []),
            Rules.from_protocol(protocol, code),
            treatment_started_at=started,
        )
        for code in instruments
    ]


# --- The clinic dashboard -------------------------------------------------------------------


@dataclass
class Dashboard:
    stages: list  # (state, label, count) of open courses, in journey order
    completed_courses: int
    summaries: list  # InstrumentSummary per instrument
    indication: str | None
    start: object
    end: object


def clinic_dashboard(clinic, *, indication=None, start=None, end=None, protocol=None):
    """Active courses by stage; outcomes across courses completed from `start` to `end`.

    The period is the date each course ended (CourseClosure.effective_on), both ends included.
    """
    protocol = protocol or Protocol.objects.effective_for(clinic)
    courses = TreatmentCourse.objects.filter(clinic=clinic)
    if indication:
        courses = courses.filter(indication=indication)
    counts = dict(
        courses.exclude(state__in=CLOSED_STATES)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    stages = [
        (state, state.label, counts.get(state, 0))
        for state in CourseState
        if state not in CLOSED_STATES
    ]
    closures = CourseClosure.objects.order_by().filter(
        course__clinic=clinic, outcome=CourseClosure.Outcome.COMPLETED
    )
    if indication:
        closures = closures.filter(course__indication=indication)
    if start:
        closures = closures.filter(effective_on__gte=start)
    if end:
        closures = closures.filter(effective_on__lte=end)
    summaries = [
        InstrumentSummary(
            code, get_instrument(code).short_name, Rules.from_protocol(protocol, code)
        )
        for code in (protocol.outcome_rules or {} if protocol else {})
    ]
    completed = outcome_summaries(closures.values("course_id"), summaries) if summaries else None
    if completed is None:
        completed = closures.count()
    for summary in summaries:
        summary.not_computable = completed - summary.courses
    return Dashboard(stages, completed, summaries, indication, start, end)


# --- Tasks, reminders and overdue requests -------------------------------------------------


def patient_measure_tasks(user, now=None):
    """Questionnaires open for this patient now: the tasks on their home page."""
    return list(
        MeasureRequest.objects.visible_to(user)
        .filter(course__patient__user_id=user.pk)
        .open(now)
        .select_related("course")
        .order_by("due_at", "pk")
    )


def overdue_measure_requests(user, now=None):
    """Requests past due and unanswered, for the clinician (their clinic only)."""
    return list(
        MeasureRequest.objects.visible_to(user)
        .overdue(now)
        .select_related("course__patient")
        .order_by("due_at", "pk")
    )


def measure_requests_to_remind(now=None):
    """Open requests, for the reminders scan to pick up (it keeps its own log of what it sent)."""
    return (
        MeasureRequest.objects.open(now)
        .select_related("course__patient__user", "course__clinic")
        .order_by("due_at", "pk")
    )


def journal_for(user, course=None):
    """A patient's own journal, or the entries shared with a member of staff."""
    entries = JournalEntry.objects.visible_to(user).select_related("dosing_session")
    if course is not None:
        entries = entries.filter(course=course)
    return list(entries)
