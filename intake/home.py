"""Consent on the patient's to-do list: a consent to (re-)sign heads it (plug-in point
`kapclinic/clinic/home.py`)."""

from django.urls import reverse

from kapclinic.clinic.home import HomeTask, register

from .consent import consents_due


@register
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
