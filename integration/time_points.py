"""Outcomes at the protocol's time points, beside "latest" (reference §5: "compute
response/remission only at protocol time-points").

The time points: the end of induction (the first re-evaluation, or the move to integration
when none came before it), each later re-evaluation or move to integration, and the
protocol's weeks after a completed course (1, 4 and 12 by default). At each, the score
judged is the last one in the time point's window, against the same baseline and by the same
rules as the outcome page (integration.outcome_rules):
- a re-evaluation or a move to integration: what was known then, since the time point before
  it (the latest score of its block, as the clinician saw it);
- weeks after the course: from the time point to when its questionnaire expires (twice
  `measure_window_days`, as integration.questionnaire_requests opens them).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from kapclinic.clinic.models import CourseEvent, CourseState, Reevaluation
from kapclinic.clinic.models.follow_up import When
from kapclinic.instruments import get_instrument

from .outcome_rules import Rules, instrument_outcome
from .selectors import UNREAD, first_doses, measurements_by_course


@dataclass(frozen=True)
class TimePoint:
    label: str
    at: datetime
    window_start: datetime
    window_end: datetime
    outcomes: list  # {short_name, outcome (None: no score in the window)}; [] before it
    reached: bool


def judge_at(instrument, measurements, rules, *, window_start, window_end, started_at):
    """The outcome with the last score inside the window as "latest" (pure)."""
    inside = [m for m in measurements if window_start <= m.at <= window_end]
    if not inside:
        return None
    chosen = max(inside, key=lambda m: m.at)
    upto = [m for m in measurements if m.at <= chosen.at]
    return instrument_outcome(instrument, upto, rules, treatment_started_at=started_at)


def course_end(course):
    """When a completed course ended (as its follow-ups are anchored), or None."""
    from .models import CourseClosure
    from .questionnaire_requests import _follow_up_anchor

    closure = (
        CourseClosure.objects.filter(course=course, outcome=CourseClosure.Outcome.COMPLETED)
        .select_related("course__clinic")
        .first()
    )
    return _follow_up_anchor(closure) if closure else None


def block_ends(course):
    """[(when, what in words)] of each end of a block of dosing, in order: the re-evaluations,
    and the moves to integration no re-evaluation made ("Move to integration")."""
    records = Reevaluation.objects.filter(course=course).order_by("decided_at", "pk")
    ends = [(record.decided_at, record.get_decision_display().lower()) for record in records]
    signed = {at for at, _ in ends}
    moves = CourseEvent.objects.filter(course=course, to_state=CourseState.INTEGRATION)
    ends += [
        (at, "moved to integration")
        for at in moves.values_list("at", flat=True)
        if at not in signed
    ]
    return sorted(ends, key=lambda end: end[0])


def time_points(course, protocol):
    """[(label, at, window start, window end)] of this course, in order."""
    window = timedelta(days=protocol.measure_window_days)
    points = []
    since = datetime.min.replace(tzinfo=UTC)
    for number, (at, what) in enumerate(block_ends(course), start=1):
        label = "End of induction" if number == 1 else f"Re-evaluation {number}"
        points.append((f"{label} ({what})", at, since, at))
        since = at
    end = course_end(course)
    if end is not None:
        for step in protocol.measure_schedule or []:
            if step.get("when") != When.AFTER_COURSE:
                continue
            weeks = step["weeks"]
            at = end + timedelta(weeks=weeks)
            label = f"{weeks} week{'s' if weeks != 1 else ''} after the course"
            points.append((label, at, at, at + 2 * window))
    return sorted(points, key=lambda point: point[1])


def outcomes_at_time_points(course, protocol, now=None, *, scores=None, started=UNREAD):
    """A TimePoint per protocol time point, each with its judged outcomes; bounded queries.

    `scores` and `started`: the course's measurements_by_course() and first dose, when the
    caller has read them already (the outcome page), so they are read once."""
    if protocol is None:
        return []
    now = now or timezone.now()
    instruments = list(protocol.outcome_rules or {})
    if scores is None:
        scores = measurements_by_course([course.pk], instruments)
    if started is UNREAD:
        started = first_doses([course.pk]).get(course.pk)
    result = []
    for label, at, start, end in time_points(course, protocol):
        reached = at <= now
        outcomes = []
        if reached:
            for code in instruments:
                outcome = judge_at(
                    code,
                    scores.get((course.pk, code), []),
                    Rules.from_protocol(protocol, code),
                    window_start=start,
                    window_end=end,
                    started_at=started,
                )
                outcomes.append({"short_name": get_instrument(code).short_name, "outcome": outcome})
        result.append(TimePoint(label, at, start, end, outcomes, reached))
    return result
