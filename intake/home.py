"""Consent on the shared pages: first on the patient's to-do list, a badge for staff, and
signatures on the chart's timeline."""

from django.urls import reverse

from kapclinic.clinic.badges import CourseBadge
from kapclinic.clinic.home import HomeTask
from kapclinic.clinic.timeline import TimelineEntry

from .consent import consents_due, due_for_courses, withdrawal_of
from .models import ConsentSignature


def consent_tasks(patient, course):
    """One task per required consent the patient must (re-)sign; two queries, or none when
    the course is not cleared for or in dosing."""
    tasks = []
    for row in consents_due(course):
        document = row.document
        if row.withdrawn:
            badge, detail = "Withdrawn", "You withdrew this consent. Sign it again to continue."
        elif row.signature is not None:
            badge = "New version"
            detail = (
                f"The clinic updated this consent (you signed version "
                f"{row.signature.document.version}). Please read what changed and sign before "
                "your next session."
            )
        else:
            badge, detail = "To sign", "Please read and sign before your next session."
        tasks.append(
            HomeTask(
                title=f"Sign {document.title} (version {document.version})",
                url=reverse("intake:sign-consent", args=[document.pk]),
                badge=badge,
                tone="warning",
                detail=detail,
                first=True,
            )
        )
    return tasks


def consent_badges(courses):
    """Staff see who still has to sign before their next session (two queries)."""
    badges = {}
    for course_id, rows in due_for_courses(courses).items():
        badges[course_id] = [
            CourseBadge(
                f"Consent withdrawn: {row.document.title}"
                if row.withdrawn
                else f"Consent v{row.document.version} to sign",
                "danger" if row.withdrawn else "warning",
                row.reason(),
            )
            for row in rows
        ]
    return badges


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
