"""The patient's home page read: where their course stands, what to do next, and whether a
check-in is open. A fixed number of queries whatever the data size."""

import datetime

from django.conf import settings
from django.utils import timezone

from .home import home_tasks
from .models import Appointment, CourseState, SafetyFlag, SafetyPlan

# Dosing appointments are booked only for these courses; others need no check-in query.
DOSING_STATES = frozenset({CourseState.CLEARED, CourseState.IN_TREATMENT, CourseState.MAINTENANCE})

# What the patient sees as their next step, per stage of the journey.
NEXT_STEP = {
    CourseState.INVITED: (
        "Start your intake",
        "Tell us about yourself, your health and what you hope for. It takes about 30 minutes "
        "and saves as you go.",
    ),
    CourseState.INTAKE_IN_PROGRESS: (
        "Continue your intake",
        "Everything you have entered so far is saved. Pick up where you left off.",
    ),
    CourseState.INTAKE_SUBMITTED: (
        "Your intake is with the clinic",
        "A clinician will review it, usually within a few working days. We will email you.",
    ),
    CourseState.UNDER_REVIEW: (
        "Your intake is being reviewed",
        "A prescriber is looking at your answers. We will email you when there is news.",
    ),
    CourseState.MORE_INFO_REQUESTED: (
        "The clinic needs a little more information",
        "Please read the clinic's message, update your answers and submit again.",
    ),
    CourseState.DECLINED: (
        "This treatment is not the right fit now",
        "Your clinician will talk with you about other options.",
    ),
    CourseState.CLEARED: (
        "You are cleared for treatment",
        "The clinic will book your first session with you.",
    ),
    CourseState.IN_TREATMENT: (
        "Your treatment is under way",
        "Check in before each session and write down reflections afterwards.",
    ),
    CourseState.MAINTENANCE: (
        "Maintenance sessions",
        "Your clinic spaces your sessions further apart now. Check in before each one.",
    ),
    CourseState.INTEGRATION: (
        "Integration",
        "Keep reflecting on your sessions and answer follow-up questionnaires when asked.",
    ),
    CourseState.COMPLETED: ("Course completed", "Thank you. Your clinic may check in later."),
    CourseState.DISCONTINUED: (
        "Course closed",
        "This course has ended. Contact the clinic if you have questions.",
    ),
}

# After a prescriber's re-evaluation took the course back from integration to dosing.
RESUMED = (
    "Your sessions resume",
    "Your prescriber has planned more dosing sessions with you. Check in before each one and "
    "keep writing your reflections.",
)

# Once the first session is booked, "the clinic will book" is no longer true.
CLEARED_AND_BOOKED = "Your first session is booked: it is in your appointments below."

INTAKE_ACTION = {
    CourseState.INVITED: "Start my intake",
    CourseState.INTAKE_IN_PROGRESS: "Continue my intake",
    CourseState.MORE_INFO_REQUESTED: "Update my answers",
}

JOURNEY_MILESTONES = [
    ("Intake", {CourseState.INVITED, CourseState.INTAKE_IN_PROGRESS}),
    (
        "Review",
        {CourseState.INTAKE_SUBMITTED, CourseState.UNDER_REVIEW, CourseState.MORE_INFO_REQUESTED},
    ),
    ("Dosing sessions", {CourseState.CLEARED, CourseState.IN_TREATMENT, CourseState.MAINTENANCE}),
    ("Integration", {CourseState.INTEGRATION}),
    ("Completed", {CourseState.COMPLETED}),
]


def check_in_window(appointment):
    """(opens, closes) of a dosing appointment's patient check-in.

    It opens KAP_CHECK_IN_OPENS_HOURS before the start, but never before midnight of the
    appointment's own day in the clinic's time zone, so "when did you last eat" means that
    day; it closes when the appointment ends.
    """
    tz = appointment.course.clinic.tz
    day = appointment.starts_at.astimezone(tz).date()
    midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    hours = datetime.timedelta(hours=settings.KAP_CHECK_IN_OPENS_HOURS)
    return max(midnight, appointment.starts_at - hours), appointment.ends_at


def due_check_in(course, now=None, clinic=None):
    """The booked dosing appointment the patient can check in for now, or None.

    Read from Appointment alone: completing a check-in makes the appointment "Checked in".
    """
    now = now or timezone.now()
    tz = (clinic or course.clinic).tz
    tomorrow = datetime.datetime.combine(
        now.astimezone(tz).date() + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    hours = datetime.timedelta(hours=settings.KAP_CHECK_IN_OPENS_HOURS)
    # The same window as check_in_window(), as a filter: opened (its day has begun and it
    # starts within the hours) and not yet ended.
    return (
        Appointment.objects.filter(
            course=course,
            kind=Appointment.Kind.DOSING,
            status=Appointment.Status.BOOKED,
            starts_at__lt=tomorrow,
            starts_at__lte=now + hours,
            ends_at__gt=now,
        )
        .order_by("starts_at")
        .first()
    )


def patient_journey(patient):
    """The patient's current course, where it stands, and what to do next."""
    course = patient.courses.order_by("-created_at").first()
    if course is None:
        return None
    reached = True
    milestones = []
    for label, states in JOURNEY_MILESTONES:
        current = course.state in states
        if current:
            reached = False
        milestones.append({"label": label, "current": current, "done": reached and not current})
    headline, detail = NEXT_STEP[course.state]
    upcoming = list(
        Appointment.objects.filter(course=course).upcoming().select_related("clinician__user")[:5]
    )
    if course.state == CourseState.CLEARED and any(
        a.kind == Appointment.Kind.DOSING for a in upcoming
    ):
        detail = CLEARED_AND_BOOKED
    if course.state in DOSING_STATES - {CourseState.CLEARED} and _resumed(course):
        headline, detail = RESUMED
    check_in = None
    if course.state in DOSING_STATES:
        clinic = patient.clinic if patient.clinic_id == course.clinic_id else None
        check_in = due_check_in(course, clinic=clinic)
    return {
        "course": course,
        "milestones": milestones
        if course.state not in {CourseState.DECLINED, CourseState.DISCONTINUED}
        else [],
        "headline": headline,
        "intake_action": INTAKE_ACTION.get(course.state),
        "detail": detail,
        "upcoming": upcoming,
        "check_in": check_in,
        "next_appointment": upcoming[0] if upcoming else None,
        "tasks": home_tasks(patient, course),
        # After an urgent answer the patient was told a clinician would call: home keeps that
        # promise, and the crisis numbers, in view until the flag is resolved.
        "risk_call": course.safety_flags.open().filter(kind=SafetyFlag.Kind.SUICIDE_RISK).exists(),
        "safety_plan": SafetyPlan.objects.filter(patient=patient)
        .order_by("-version")
        .only("version", "written_at")
        .first(),
        "last_message": course.events.filter(to_state=CourseState.MORE_INFO_REQUESTED)
        .order_by("-at")
        .values_list("note", flat=True)
        .first()
        if course.state == CourseState.MORE_INFO_REQUESTED
        else None,
    }


def _resumed(course):
    """Whether the course's latest move came from integration (dosing resumed)."""
    latest = course.events.order_by("-at", "-pk").values_list("from_state", flat=True).first()
    return latest == CourseState.INTEGRATION
