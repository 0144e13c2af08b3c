"""The course summary: the patient's journey on paper, from invitation to where it stands now.

Outcomes are the outcomes page's own read (integration.outcome_page), so the paper and the
screen judge change by the same rules and draw the same charts; the timeline comes from the
same sources as the patient chart's.
"""

from decimal import Decimal
from operator import attrgetter

from django.db.models import (
    OuterRef,
    Prefetch,
    prefetch_related_objects,
)
from django.utils import timezone

from intake.models import TreatmentPlan
from integration.models import CourseClosure, JournalEntry, NoteAddendum
from integration.outcome_page import outcome_page
from integration.reevaluation import with_moves
from kapclinic.clinic.models import (
    Appointment,
    CourseEvent,
    Diagnosis,
    PsychiatricReview,
    Reevaluation,
    RiskReview,
    SafetyFlag,
    SafetyPlan,
    TreatmentCourse,
)
from kapclinic.clinic.selectors import ACTIVE_APPOINTMENT, counted
from kapclinic.clinic.timeline import course_timeline
from sessions.models import Administration, AdverseEvent, Discharge, DosingSession, VitalSigns
from sessions.models.monitoring import Dissociation, Observation
from sessions.timeline import peak_reading

TEMPLATE = "reports/course_summary.html"
DISSOCIATION_ORDER = {value: index for index, value in enumerate(Dissociation.values)}


def records():
    """Courses with what the report header needs; scope it with `.visible_to(user)`."""
    return TreatmentCourse.objects.select_related("patient", "clinic")


def dosing_sessions(course):
    """Every dosing session with its doses, events and observations: four queries in all."""
    return list(
        DosingSession.objects.filter(course=course)
        .select_related("appointment", "signed_by", "discharge")
        .annotate(
            peak_systolic=peak_reading("systolic"),  # the session's peak, as on the chart
            peak_diastolic=peak_reading("diastolic"),
            vitals_count=counted(VitalSigns.objects.filter(session=OuterRef("pk")), "session"),
        )
        .prefetch_related(
            Prefetch("administrations", queryset=Administration.objects.order_by("given_at", "pk")),
            Prefetch("adverse_events", queryset=AdverseEvent.objects.order_by("onset_at", "pk")),
            Prefetch("observations", queryset=Observation.objects.order_by("observed_at", "pk")),
        )
        .order_by("started_at", "pk")
    )


def session_brief(number, session):
    """One dosing session in a line or two: dose, peak BP, sedation, events, discharge."""
    doses = list(session.administrations.all())
    observations = list(session.observations.all())
    try:
        discharge = session.discharge
    except Discharge.DoesNotExist:
        discharge = None
    deepest = min(observations, key=lambda o: o.moaas, default=None)
    strongest = max(
        observations, key=lambda o: DISSOCIATION_ORDER.get(o.dissociation, 0), default=None
    )
    return {
        "number": number,
        "session": session,
        "doses": doses,
        "total_mg": sum((d.amount_mg for d in doses), Decimal(0)),
        "total_mg_per_kg": sum((d.mg_per_kg or Decimal(0) for d in doses), Decimal(0)),
        "events": list(session.adverse_events.all()),
        "deepest_sedation": deepest.moaas if deepest else None,
        "strongest_dissociation": strongest.get_dissociation_display() if strongest else "",
        "discharge": discharge,
    }


def integration_sessions(course):
    """Integration appointments with their notes and the notes' addenda: two queries."""
    return list(
        Appointment.objects.filter(course=course, kind=Appointment.Kind.INTEGRATION)
        .select_related(
            "clinician__user", "integration_note__signed_by", "integration_note__written_by"
        )
        .prefetch_related(
            Prefetch(
                "integration_note__addenda", queryset=NoteAddendum.objects.select_related("author")
            )
        )
        .order_by("starts_at", "pk")
    )


def risk_records(course):
    """The course's risk reviews and the patient's current safety plan: three queries."""
    return {
        "risk_reviews": list(
            RiskReview.objects.filter(course=course)
            .select_related("reviewed_by")
            .prefetch_related(
                Prefetch(
                    "psychiatric_reviews",
                    queryset=PsychiatricReview.objects.select_related("reviewed_by"),
                )
            )
            .order_by("reviewed_at", "pk")
        ),
        "safety_plan": SafetyPlan.objects.filter(patient_id=course.patient_id)
        .select_related("written_by")
        .order_by("-version")
        .first(),
    }


def build_context(course, *, generated_by, generated_at=None):
    """Everything the template shows, in a fixed number of queries (however long the course)."""
    generated_at = generated_at or timezone.now()
    prefetch_related_objects(
        [course], Prefetch("events", queryset=CourseEvent.objects.select_related("actor"))
    )
    appointments = list(
        Appointment.objects.filter(course=course)
        .select_related("clinician__user")
        .order_by("starts_at", "pk")
    )
    flags = list(
        SafetyFlag.objects.filter(course=course)
        .select_related("resolved_by")
        .order_by("raised_at", "pk")
    )
    sessions = dosing_sessions(course)
    outcomes = outcome_page(course, dose_times=[s.started_at for s in sessions])
    dosing = [session_brief(n, s) for n, s in enumerate(sessions, start=1)]
    return {
        "course": course,
        "patient": course.patient,
        "clinic": course.clinic,
        "care_team": list(course.care_team.select_related("user")),
        "diagnoses": list(Diagnosis.objects.in_force().filter(course=course)),
        "plan": TreatmentPlan.objects.filter(course=course).first(),
        "closure": CourseClosure.objects.filter(course=course)
        .select_related("recorded_by")
        .first(),
        "timeline": sorted(
            course_timeline(course.patient, [course], appointments, flags), key=attrgetter("at")
        ),
        "dosing": dosing,
        "dosed_sessions": sum(1 for row in dosing if row["doses"]),
        "first_dose_at": min(
            (row["doses"][0].given_at for row in dosing if row["doses"]), default=None
        ),
        "integration": integration_sessions(course),
        "protocol": outcomes.protocol,
        "outcomes": outcomes.instruments,
        "journal": list(
            JournalEntry.objects.shared()
            .filter(course=course)
            .select_related("dosing_session")
            .order_by("written_at", "pk")
        ),
        "open_flags": [flag for flag in flags if flag.is_open],
        **risk_records(course),
        "reevaluations": with_moves(
            Reevaluation.objects.filter(course=course)
            .select_related("decided_by")
            .order_by("decided_at", "pk"),
            course.events.all(),
        ),
        "next_appointment": next(
            (
                a
                for a in appointments
                if a.starts_at >= generated_at and a.status in ACTIVE_APPOINTMENT
            ),
            None,
        ),
        "generated_by": generated_by,
        "generated_at": generated_at,
    }


def title(course):
    return f"Course summary: {course.patient.legal_name}"


def filename(course):
    return f"course-summary-course-{course.pk}.pdf"
