"""The clinicians' notes a clinician released to the patient in the app (HIPAA 164.524, GDPR
article 15), as a PDF for the patient to read.

A release is a request for notes answered "done" with the notes released
(kapclinic.clinic.record_requests.answer): it covers the notes signed by the time of the
answer, so what the clinician released is what the patient reads, whenever they download it.
Signed notes only: drafts are not yet the record. Each kind is read once for all the
patient's courses, so the PDF takes the same queries however long the record.
"""

from collections import defaultdict
from operator import attrgetter

from intake.models import SuitabilityDecision
from integration.models import IntegrationNote, NoteAddendum
from kapclinic.clinic.models import RecordRequest, Reevaluation, TreatmentCourse
from sessions.models import Addendum, DosingSession, Observation

from .render import printed_for

TEMPLATE = "reports/released_notes.html"
patient_of = attrgetter("patient")


def records():
    """Released requests with their patient; scope with `.visible_to(user)` (their own)."""
    return RecordRequest.objects.filter(notes_released=True).select_related(
        "patient__clinic", "answered_by"
    )


def _grouped(rows, key="course_id"):
    """{key value: [rows]}, in the rows' order."""
    grouped = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def build_context(release, *, generated_by, generated_at=None):
    patient, until = release.patient, release.answered_at
    courses = list(TreatmentCourse.objects.filter(patient=patient).order_by("created_at", "pk"))
    mine = {"course__patient": patient}
    decisions = _grouped(
        SuitabilityDecision.objects.filter(**mine, decided_at__lte=until)
        .select_related("decided_by")
        .order_by("decided_at", "pk")
    )
    reevaluations = _grouped(
        Reevaluation.objects.filter(**mine, decided_at__lte=until)
        .select_related("decided_by")
        .order_by("decided_at", "pk")
    )
    sessions = list(
        DosingSession.objects.filter(
            **mine, status=DosingSession.Status.SIGNED, signed_at__lte=until
        )
        .select_related("signed_by")
        .order_by("started_at", "pk")
    )
    observations = _grouped(
        Observation.entries.filter(session__in=sessions)
        .select_related("recorded_by")
        .order_by("observed_at", "pk"),
        "session_id",
    )
    addenda = _grouped(
        Addendum.objects.filter(session__in=sessions, written_at__lte=until)
        .select_related("author")
        .order_by("written_at", "pk"),
        "session_id",
    )
    notes = list(
        IntegrationNote.objects.filter(
            **mine, status=IntegrationNote.Status.SIGNED, signed_at__lte=until
        )
        .select_related("signed_by", "appointment")
        .order_by("signed_at", "pk")
    )
    note_addenda = _grouped(
        NoteAddendum.objects.filter(note__in=notes, written_at__lte=until)
        .select_related("author")
        .order_by("written_at", "pk"),
        "note_id",
    )
    sessions_of, notes_of = _grouped(sessions), _grouped(notes)
    return {
        **printed_for(patient, generated_by, generated_at),
        "release": release,
        "courses": [
            {
                "course": course,
                "decisions": decisions[course.pk],
                "reevaluations": reevaluations[course.pk],
                "sessions": [
                    (s, observations[s.pk], addenda[s.pk]) for s in sessions_of[course.pk]
                ],
                "notes": [(n, note_addenda[n.pk]) for n in notes_of[course.pk]],
            }
            for course in courses
        ],
    }


def title(release):
    return "Your clinicians' notes"


def filename(release):
    return f"clinical-notes-{release.pk}.pdf"
