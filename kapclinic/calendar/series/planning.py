"""Planning a recurring series: the occurrences laid out and each one's obstacle in words.

`plan_series` runs the same checks as one booking (`Appointment.clean()` and its clashes,
dosing's `booking_refusal`, integration after its dosing session) and saves nothing; the
review page shows its answer, and `all_or_none.book_series` checks it again before booking.
"""

import datetime
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.utils import timezone

from integration import services as integration
from kapclinic.clinic.models import (
    Appointment,
    JourneyError,
)
from kapclinic.clinic.models.resources import DOSING_RESOURCE_NEEDED
from sessions import booking
from sessions.models import DosingSession
from sessions.reevaluation import block_of
from sessions.session_length import check_dosing_length

DOSING, INTEGRATION = Appointment.Kind.DOSING, Appointment.Kind.INTEGRATION


class SeriesError(JourneyError):
    """Nothing was booked. The message says why; `plan` marks each occurrence in the way."""

    def __init__(self, message, plan=None):
        super().__init__(message)
        self.plan = plan


@dataclass
class Occurrence:
    """One session of the series: when, whether staff dropped it, and what is in its way."""

    number: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    dropped: bool = False
    problem: str = ""
    note: str = ""  # worth knowing, not in the way (a dose beyond the plan's sessions)

    @property
    def ok(self):
        return self.dropped or not self.problem


@dataclass
class SeriesPlan:
    """What staff asked for and the occurrences it gives, each checked; nothing saved."""

    course: object
    kind: str
    first_starts_at: datetime.datetime
    duration_minutes: int
    every_days: int
    count: int
    clinician: object = None
    resource: object = None  # the room or chair every session is booked in
    occurrences: list = field(default_factory=list)
    refusal: str = ""  # why no session of this kind can be booked for the course at all
    errors: dict = field(default_factory=dict)  # the refusal beside a field (the length)
    dosing_session: object = None  # the integration series' dosing session

    @property
    def to_book(self):
        return [o for o in self.occurrences if not o.dropped]

    @property
    def in_the_way(self):
        return [o for o in self.occurrences if not o.ok]

    @property
    def ready(self):
        """True when booking would book every occurrence kept (and at least one)."""
        return not self.refusal and not self.in_the_way and bool(self.to_book)


def occurrence_times(first_starts_at, *, every_days, count, duration_minutes, tz):
    """(start, end) of each occurrence at the first one's wall-clock time in the clinic's zone.

    Weekly at 10:00 stays at 10:00 across a change of the clocks. A wall-clock time the
    clocks skip on that day is kept as asked; the check says so.
    """
    first = timezone.localtime(first_starts_at, tz)
    length = datetime.timedelta(minutes=duration_minutes)
    times = []
    for index in range(count):
        day = first.date() + datetime.timedelta(days=index * every_days)
        start = datetime.datetime.combine(day, first.time().replace(tzinfo=None), tzinfo=tz)
        times.append((start, start + length))
    return times


def planned_occurrences(first_starts_at, *, every_days, count, duration_minutes, tz):
    """The occurrences as first laid out, numbered from 1, not yet checked."""
    times = occurrence_times(
        first_starts_at,
        every_days=every_days,
        count=count,
        duration_minutes=duration_minutes,
        tz=tz,
    )
    return [Occurrence(number, start, end) for number, (start, end) in enumerate(times, 1)]


def skipped_by_the_clocks(moment, tz):
    """True for a wall-clock time in `tz` that does not exist (the clocks went forward)."""
    if moment.tzinfo != tz:
        return False
    there_and_back = moment.astimezone(datetime.UTC).astimezone(tz)
    return there_and_back.replace(tzinfo=None) != moment.replace(tzinfo=None)


def plan_series(
    course,
    *,
    kind,
    first_starts_at,
    duration_minutes,
    every_days,
    count,
    clinician=None,
    resource=None,
    occurrences=None,
    now=None,
):
    """The occurrences, each with what is in its way in words; nothing is saved.

    `occurrences` are the review step's rows (a time changed, one dropped) in place of the
    computed ones; they are checked afresh.
    """
    plan = SeriesPlan(
        course=course,
        kind=kind,
        first_starts_at=first_starts_at,
        duration_minutes=duration_minutes,
        every_days=every_days,
        count=count,
        clinician=clinician,
        resource=resource,
    )
    if occurrences is None:
        occurrences = planned_occurrences(
            first_starts_at,
            every_days=every_days,
            count=count,
            duration_minutes=duration_minutes,
            tz=course.clinic.tz,
        )
    plan.occurrences = [replace(o, problem="", note="") for o in occurrences]
    plan.refusal = _refusal(plan) or ""
    now = now or timezone.now()
    kept = []
    for occurrence in plan.to_book:
        occurrence.problem = _in_the_way(plan, occurrence, kept, now)
        kept.append(occurrence)
    if not plan.refusal:
        _note_beyond_the_plan(plan, now)
    return plan


def _note_beyond_the_plan(plan, now):
    """Dosing sessions past the plan's sessions left in this block are noted, not refused:
    they may be booked, but each dose then waits for a prescriber's re-evaluation
    (`sessions/reevaluation.py`)."""
    if plan.kind != DOSING:
        return
    block = block_of(plan.course)
    if block.planned is None:
        return
    booked = (
        Appointment.objects.live()
        .filter(course=plan.course, kind=DOSING, starts_at__gte=now, dosing_session__isnull=True)
        .count()
    )
    left = max(block.planned - block.done - booked, 0)
    for occurrence in plan.to_book[left:]:
        occurrence.note = (
            f"Beyond the plan's {block.planned} dosing sessions: the dose waits for a "
            "prescriber's re-evaluation of the course."
        )


def _refusal(plan):
    """Why no session of the plan's kind can be booked for this course, or None."""
    course = plan.course
    if plan.kind == DOSING:
        refusal = booking.booking_refusal(course)
        if refusal:
            return refusal
        return DOSING_RESOURCE_NEEDED if plan.resource is None else _length_refusal(plan)
    if plan.kind != INTEGRATION:
        return "A series books dosing or integration sessions."
    if not course.is_open:
        return "This course is closed: no more sessions can be booked."
    plan.dosing_session = (
        DosingSession.objects.filter(course=course).order_by("-started_at").first()
    )
    if plan.dosing_session is None:
        return "Integration sessions follow a dosing session; this course has none yet."
    if plan.dosing_session.status not in integration.BOOKABLE_SESSION_STATES:
        return (
            "Book the integration series once the patient has been discharged from the "
            "latest dosing session."
        )
    return None


def _length_refusal(plan):
    """Every session of the series is as long: checked once, as the dosing booking does."""
    length = datetime.timedelta(minutes=plan.duration_minutes)
    try:
        check_dosing_length(plan.course, plan.first_starts_at, plan.first_starts_at + length)
    except ValidationError as error:
        plan.errors = error.message_dict
        return in_words(error)
    except JourneyError as error:
        return str(error)
    return None


def _in_the_way(plan, occurrence, kept, now):
    """What stops this occurrence being booked, in words ("" when nothing does)."""
    if skipped_by_the_clocks(occurrence.starts_at, plan.course.clinic.tz):
        return "The clocks change at that time: choose another."
    if occurrence.starts_at <= now:
        return "This time has passed: choose a later one."
    if occurrence.ends_at <= occurrence.starts_at:
        return "The end must be after the start."
    session = plan.dosing_session
    if plan.kind == INTEGRATION and session and occurrence.starts_at <= session.started_at:
        return "An integration session follows its dosing session: choose a later time."
    for other in kept:
        if other.starts_at < occurrence.ends_at and occurrence.starts_at < other.ends_at:
            return f"Overlaps session {other.number} of this series: choose another time."
    appointment = Appointment(
        course=plan.course,
        kind=plan.kind,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        clinician=plan.clinician,
        resource=plan.resource,
    )
    appointment.copy_from_course()
    try:
        appointment.clean()
    except ValidationError as error:
        return in_words(error)
    return ""


def in_words(error):
    """A ValidationError's messages as one sentence or a few, for a row of the review."""
    if hasattr(error, "message_dict"):
        return " ".join(m for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)
