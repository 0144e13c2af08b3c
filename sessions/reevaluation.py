"""When a re-evaluation is due, and the dose refused until it is done.

A block of dosing is the plan's sessions (`planned_dosing_sessions` of the version in force)
counted from the latest re-evaluation (or from the start): once they have all had a dose, the
next dose waits for a prescriber's re-evaluation (kapclinic.clinic.models.reevaluation). In
maintenance a re-evaluation is also due every `Protocol.reevaluate_every_months` months
(reference §3: evaluate benefit at the end of induction; §5: maintenance every 1–2 months).
"""

import calendar
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q
from django.utils import timezone

from intake.models import TreatmentPlan
from kapclinic.clinic.models import CourseState, Protocol, Reevaluation, TreatmentCourse

from .models import DosingSession

BLOCK_STATES = (CourseState.IN_TREATMENT, CourseState.MAINTENANCE)


def add_months(moment, months):
    """The same day `months` later (the month's last day when it has fewer days)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Block:
    """Where a course stands in its current block of dosing sessions."""

    course: TreatmentCourse
    planned: int | None  # the plan in force's sessions; None without a plan
    done: int  # sessions with a dose given since the latest re-evaluation
    last: Reevaluation | None
    months: int | None  # the protocol's interval in maintenance
    last_dose_at: datetime | None

    @property
    def sessions_done(self):
        return self.planned is not None and self.done >= self.planned

    @property
    def months_due_on(self):
        """In maintenance, the date the interval since the last re-evaluation runs out."""
        if self.course.state != CourseState.MAINTENANCE or not self.months or not self.last:
            return None
        return add_months(self.last.decided_at, self.months)

    def due_on(self, now=None):
        """When the re-evaluation is (or was) due, or None when it is not due yet."""
        now = now or timezone.now()
        if self.course.state not in BLOCK_STATES:
            return None
        dates = []
        if self.sessions_done:
            dates.append(self.last_dose_at or now)
        by_months = self.months_due_on
        if by_months is not None and by_months <= now:
            dates.append(by_months)
        return min(dates) if dates else None

    @property
    def why(self):
        if self.sessions_done:
            return f"all {self.planned} planned session{'s' if self.planned != 1 else ''} given"
        return f"{self.months} months since the last re-evaluation"


# A session counts as dosed by a dose in effect: one struck out (entered in error) gives none.
DOSED = {"administrations__isnull": False, "administrations__entered_in_error_at__isnull": True}


def blocks(courses):
    """A Block per course, in a fixed number of queries (four) whatever their number."""
    courses = list(courses)
    ids = [course.pk for course in courses]
    if not ids:
        return []
    dosed = dict(
        DosingSession.objects.filter(course_id__in=ids, **DOSED)
        .values("course_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("course_id", "n")
    )
    last_doses = dict(
        DosingSession.objects.filter(course_id__in=ids, **DOSED)
        .order_by()
        .values("course_id")
        .annotate(last=Max("administrations__given_at"))
        .values_list("course_id", "last")
    )
    latest = {}
    for record in Reevaluation.objects.filter(course_id__in=ids).order_by("decided_at", "pk"):
        latest[record.course_id] = record
    plans = {
        plan.course_id: plan
        for plan in TreatmentPlan.objects.filter(course_id__in=ids).prefetch_related("revisions")
    }
    months = {}
    result = []
    for course in courses:
        if course.clinic_id not in months:
            protocol = Protocol.objects.effective_for(course.clinic)
            months[course.clinic_id] = protocol.reevaluate_every_months if protocol else None
        plan = plans.get(course.pk)
        version = _in_force(plan) if plan else None
        last = latest.get(course.pk)
        result.append(
            Block(
                course=course,
                planned=version.planned_dosing_sessions if version else None,
                done=dosed.get(course.pk, 0) - (last.sessions_before if last else 0),
                last=last,
                months=months[course.clinic_id],
                last_dose_at=last_doses.get(course.pk),
            )
        )
    return result


def _in_force(plan):
    """The latest signed version, from the prefetched revisions (no query)."""
    revisions = sorted(plan.revisions.all(), key=lambda r: r.version)
    return revisions[-1] if revisions else plan


def block_of(course):
    return blocks([course])[0]


def due_reevaluations(clinic, now=None, courses=None):
    """[(block, due date)] of the clinic's courses whose re-evaluation is due by `now`, oldest
    first; `courses` narrows them (e.g. to those a user may see). Bounded queries."""
    now = now or timezone.now()
    courses = (
        (TreatmentCourse.objects if courses is None else courses)
        .filter(Q(clinic=clinic), state__in=BLOCK_STATES)
        .select_related("patient", "clinic")
    )
    found = [(block, block.due_on(now)) for block in blocks(courses)]
    return sorted(((b, d) for b, d in found if d is not None), key=lambda pair: pair[1])


def reevaluation_refusal(session):
    """Why a dose would start a session beyond the plan's sessions, or past the months
    interval in maintenance, or ''.

    Boosters in a session already dosed are never refused here: the block is counted in
    sessions, and this one is already counted.
    """
    if session.administrations.exists():
        return ""
    course = session.course
    if course.state not in BLOCK_STATES:
        return ""
    block = block_of(course)
    decide = (
        "a prescriber must re-evaluate the course (the outcome so far, a decision and a new "
        "signed plan) before another dosing session."
    )
    if block.sessions_done:
        s = "s" if block.planned != 1 else ""
        return f"The plan's {block.planned} dosing session{s} have all been given: {decide}"
    # Sessions left in the block never stand in for the re-evaluation due every N months.
    months_due = block.months_due_on
    if months_due is not None and months_due <= (session.started_at or timezone.now()):
        last = timezone.localdate(block.last.decided_at, course.clinic.tz)
        return (
            f"In maintenance a re-evaluation is due every {block.months} months and the last "
            f"was on {last:%-d %b %Y}: {decide}"
        )
    return ""
