"""Consent on the chart's timeline: each signature and withdrawal, with its signed copy (plug-in
point `kapclinic/clinic/timeline.py`)."""

from django.urls import reverse

from kapclinic.clinic.timeline import TimelineEntry, register

from .consent import withdrawal_of
from .models import ConsentSignature


@register
def consent_timeline(patient, courses):
    """Signatures and withdrawals on the chart's timeline, linked to the signed copy (PDF);
    one query whatever the number of signatures."""
    course_ids = [course.pk for course in courses]
    if not course_ids:
        return []
    entries = []
    signatures = ConsentSignature.objects.filter(course_id__in=course_ids).select_related(
        "document", "withdrawal"
    )
    for signature in signatures:
        document = signature.document
        url = reverse("reports:signed-consent", args=[signature.pk])
        entries.append(
            TimelineEntry(
                signature.signed_at,
                "consent",
                f"Consent signed: {document.title} v{document.version}",
                f"Signed “{signature.signed_name}”. Download the signed copy (PDF).",
                "success",
                url,
            )
        )
        if (withdrawal := withdrawal_of(signature)) is not None:
            reason = f" Reason: {withdrawal.reason}" if withdrawal.reason else ""
            entries.append(
                TimelineEntry(
                    withdrawal.withdrawn_at,
                    "consent",
                    f"Consent withdrawn: {document.title} v{document.version}",
                    f"Withdrawn by the patient.{reason}",
                    "danger",
                    url,
                )
            )
    return entries
