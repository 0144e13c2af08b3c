"""Phase 3 on the chart timeline: notes, shared journal entries (a count), measure requests.

Three queries whatever the record's size. Private journal entries never appear, not even as
a count: staff learn nothing of what the patient keeps to themself.
"""

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.records import SIGNED
from kapclinic.clinic.statements import compiled
from kapclinic.clinic.timeline import TimelineEntry, person_name, register

from .models import IntegrationNote, JournalEntry, MeasureRequest

WHO = ("written_by", "signed_by")


# Plain rows of only what an entry shows: notes are wide rows (every section's text) and the
# chart needs their status, time and the signer's or writer's name.
PEOPLE = [f"{who}__{field}" for who in WHO for field in ("first_name", "last_name", "email")]


def _notes(*course_ids):
    return IntegrationNote.objects.filter(course_id__in=course_ids).values_list(
        "status", "signed_at", "created_at", *PEOPLE
    )


def _shared_journal(*course_ids):
    return (
        JournalEntry.objects.filter(course_id__in=course_ids, shared_at__isnull=False)
        .values("course_id")
        .annotate(count=Count("pk"), latest=Max("shared_at"))
        .values_list("course_id", "count", "latest")
    )


def _measure_requests(*course_ids):
    return (
        MeasureRequest.objects.filter(course_id__in=course_ids)
        .exclude(status=MeasureRequest.Status.CANCELLED)
        .only("instrument", "label", "status", "completed_at", "expires_at", "due_at")
    )


@register
def integration_entries(patient, courses):
    course_ids = [course.pk for course in courses]
    if not course_ids:
        return []
    entries = []
    notes = compiled("chart timeline: integration notes", course_ids, _notes)
    for status, signed_at, created_at, *names in notes:
        signed = status == SIGNED
        who = names[3:] if signed else names[:3]
        entries.append(
            TimelineEntry(
                signed_at if signed else created_at,
                "integration",
                "Integration note signed" if signed else "Integration note (draft)",
                f"by {person_name(*who)}",
                "success" if signed else "neutral",
            )
        )
    for course_id, count, latest in compiled(
        "chart timeline: shared journal entries", course_ids, _shared_journal
    ):
        # Reachable whatever the course's stage: the patient may share before treatment.
        entries.append(
            TimelineEntry(
                latest,
                "journal",
                f"{count} journal entr{'y' if count == 1 else 'ies'} shared with the care team",
                "",
                "info",
                url=reverse("integration:outcomes", args=[course_id]) + "#journal-h",
            )
        )
    now = timezone.now()
    for request in compiled("chart timeline: measure requests", course_ids, _measure_requests):
        name = request.get_instrument_display()
        if request.status == MeasureRequest.Status.COMPLETED:
            entries.append(
                TimelineEntry(
                    request.completed_at, "measure", f"{name} answered", request.label, "success"
                )
            )
        elif request.status == MeasureRequest.Status.EXPIRED:
            entries.append(
                TimelineEntry(
                    request.expires_at, "measure", f"{name} not answered", request.label, "warning"
                )
            )
        elif request.due_at < now:
            entries.append(
                TimelineEntry(
                    request.due_at, "measure", f"{name} overdue", request.label, "warning"
                )
            )
    return entries
