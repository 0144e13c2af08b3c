"""Consent on the chart's timeline: each signature and withdrawal, with its signed copy (plug-in
point `kapclinic/clinic/timeline.py`)."""

from django.urls import reverse

from kapclinic.clinic.statements import compiled
from kapclinic.clinic.timeline import TimelineEntry, register

from .models import ConsentSignature


def _signatures(*course_ids):
    return ConsentSignature.objects.filter(course_id__in=course_ids).values_list(
        "pk",
        "signed_at",
        "signed_name",
        "document__title",
        "document__version",
        "withdrawal__pk",
        "withdrawal__withdrawn_at",
        "withdrawal__reason",
    )


@register
def consent_timeline(patient, courses):
    """Signatures and withdrawals on the chart's timeline, linked to the signed copy (PDF);
    one query whatever the number of signatures, its SQL built once per process and read as
    plain rows (a signature, its document and withdrawal as model objects cost ~2 ms)."""
    course_ids = [course.pk for course in courses]
    if not course_ids:
        return []
    entries = []
    for row in compiled("chart timeline: consent signatures", course_ids, _signatures):
        pk, signed_at, signed_name, title, version, withdrawal, withdrawn_at, reason = row
        url = reverse("reports:signed-consent", args=[pk])
        entries.append(
            TimelineEntry(
                signed_at,
                "consent",
                f"Consent signed: {title} v{version}",
                f"Signed “{signed_name}”. Download the signed copy (PDF).",
                "success",
                url,
            )
        )
        if withdrawal is not None:
            reason = f" Reason: {reason}" if reason else ""
            entries.append(
                TimelineEntry(
                    withdrawn_at,
                    "consent",
                    f"Consent withdrawn: {title} v{version}",
                    f"Withdrawn by the patient.{reason}",
                    "danger",
                    url,
                )
            )
    return entries
