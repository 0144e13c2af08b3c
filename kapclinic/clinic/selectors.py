"""Reads for the home pages, each a fixed number of queries whatever the data size."""

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .access import patient_scope, provider_for
from .badges import attach_badges, badge_hints
from .chart_reads import chart_appointments, chart_courses, chart_flags
from .flag_order import flag_rank, top_open_flag
from .models import (
    Appointment,
    CourseState,
    FollowUpTask,
    RiskReview,
    SafetyFlag,
    SafetyPlan,
    TreatmentCourse,
)
from .models.journey import CLOSED_STATES
from .statements import compiled
from .timeline import course_timeline

ACTIVE_APPOINTMENT = [Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN]


@dataclass(frozen=True)
class CaseloadFilters:
    q: str = ""
    stage: str = ""
    include_closed: bool = False

    @property
    def patient_number(self):
        """The patient's record number when the search is one, e.g. "1234" or "#1234"."""
        digits = self.q.removeprefix("#").strip()
        return int(digits) if digits.isdigit() and len(digits) < 12 else None

    @classmethod
    def from_query(cls, params, q=""):
        """Stage and closed from the URL; the search text only ever from a POST or the session.

        A `q` in the URL is ignored on purpose: a patient's name never needs to be in one.
        """
        stage = params.get("stage", "")
        return cls(
            q=q.strip()[:100],
            stage=stage if stage in CourseState.values else "",
            include_closed=params.get("closed") == "1",
        )

    def query_string(self, search_token=""):
        """The URL parameters that bring these filters back: a search token, never the text."""
        params = {"search": search_token if self.q else "", "stage": self.stage}
        params["closed"] = "1" if self.include_closed else ""
        return urlencode({key: value for key, value in params.items() if value})


# Searches kept per signed-in session, so a search's URL carries a token instead of a name.
CASELOAD_SEARCHES = "caseload_searches"
KEPT_SEARCHES = 20


def counted(rows, per):
    """How many of `rows` (filtered on an OuterRef) each outer row has, 0 for none: one
    subquery, so a list counts its rows in the same query that reads it."""
    counts = rows.order_by().values(per).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def remember_search(session, q):
    """A short random token for the search text `q`, kept in the server-side session."""
    if not q:
        return ""
    searches = dict(session.get(CASELOAD_SEARCHES, {}))
    # The same text keeps its token (moved to the end), so live search does not churn tokens.
    token = next((t for t, text in searches.items() if text == q), None)
    if token is None:
        token = secrets.token_urlsafe(6)
    searches.pop(token, None)
    searches[token] = q  # newest last; the oldest go once there are more than KEPT_SEARCHES
    session[CASELOAD_SEARCHES] = dict(list(searches.items())[-KEPT_SEARCHES:])
    return token


def recall_search(session, token):
    """The search text a token stands for in this session, or None if unknown or expired."""
    return session.get(CASELOAD_SEARCHES, {}).get(token)


def caseload(user, filters=CaseloadFilters()):
    """The clinic's courses, flagged first, with the next appointment and open flag count."""
    now = timezone.now()
    next_appointment = (
        Appointment.objects.filter(
            course=OuterRef("pk"), status__in=ACTIVE_APPOINTMENT, starts_at__gte=now
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    # The patient's own clinic as well as the course's (always the same one): with it the
    # planner reads patients through their (clinic, legal_name) index, never the whole table.
    scope = patient_scope(user, "patient__")
    provider = provider_for(user)  # read by patient_scope already: no query
    courses = (
        TreatmentCourse.objects.visible_to(user)
        .filter(scope if scope is not None else Q(pk__in=[]))
        .select_related("patient")
        .annotate(top_flag=top_open_flag())
        .annotate(
            next_appointment_at=Subquery(next_appointment),
            open_flag_count=counted(
                SafetyFlag.objects.filter(course=OuterRef("pk"), resolved_at__isnull=True), "course"
            ),
            top_flag_urgency=F("top_flag__urgency"),
            top_flag_raised_at=F("top_flag__raised_at"),
            # Urgent before routine before none: the top flag's place.
            flag_rank=flag_rank("top_flag__urgency"),
            # Whether a phase's badge may apply, so a page without any spares their queries.
            **badge_hints(provider.clinic if provider else None),
        )
    )
    if filters.stage:
        courses = courses.filter(state=filters.stage)
    elif not filters.include_closed:
        courses = courses.exclude(state__in=CLOSED_STATES)
    if filters.q:
        match = (
            Q(patient__legal_name__icontains=filters.q)
            | Q(patient__preferred_name__icontains=filters.q)
            | Q(patient__email__icontains=filters.q)
        )
        number = filters.patient_number
        if number is not None:
            match |= Q(patient_id=number)
        courses = courses.filter(match)
    # Within one urgency, the longest wait first.
    return courses.order_by(
        "flag_rank", F("top_flag_raised_at").asc(nulls_last=True), "patient__legal_name", "pk"
    )


def patient_chart(patient):
    """Courses, appointments, flags and one merged timeline for the chart page."""
    courses = chart_courses(patient)
    appointments = chart_appointments(patient.pk)
    flags = chart_flags(patient.pk)

    timeline = course_timeline(patient, courses, appointments, flags)
    timeline.sort(key=lambda entry: entry.at, reverse=True)
    tz = timezone.get_current_timezone()
    for entry in timeline:
        entry.stamp(tz)
    now = timezone.now()
    current = next((c for c in courses if c.is_open), courses[0] if courses else None)
    if current is not None:
        attach_badges([current])
    return {
        "courses": courses,
        "current_course": current,
        "upcoming": [
            a for a in appointments if a.starts_at >= now and a.status in ACTIVE_APPOINTMENT
        ],
        "open_flags": [f for f in flags if f.is_open],
        # Compiled once per process (the patient's id their only parameter).
        "risk_reviews": compiled(
            "patient chart: risk reviews",
            [patient.pk],
            lambda pk: (
                RiskReview.objects.filter(course__patient=pk)
                .with_dosing_block()
                .order_by("-reviewed_at")[:3]
            ),
        ),
        "open_tasks": compiled("patient chart: open tasks", [patient.pk], _open_tasks),
        "safety_plan": next(
            iter(
                compiled(
                    "patient chart: safety plan",
                    [patient.pk],
                    lambda pk: (
                        SafetyPlan.objects.filter(patient=pk)
                        .order_by("-version")
                        .only("version")[:1]
                    ),
                )
            ),
            None,
        ),
        "timeline": timeline,
    }


def _open_tasks(patient_id):
    tasks = FollowUpTask.objects.open().filter(course__patient=patient_id)
    return tasks.select_related("owner__user")[:5]
