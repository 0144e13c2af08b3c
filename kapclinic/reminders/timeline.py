"""The chart shows each invitation email's delivery: queued, sent, retrying or failed, and when.

Staff see at once whether the patient has their link, and resend it from the chart when the
mail server refused it for good.
"""

from kapclinic.clinic.statements import compiled
from kapclinic.clinic.timeline import TimelineEntry, register

from .models import Kind, Reminder, Status


def _delivery(reminder):
    """How one invitation email went: (when, what happened, detail, tone)."""
    if reminder.status == Status.SENT:
        return reminder.sent_at, "sent", "", "success"
    if reminder.status == Status.FAILED:
        failed = "failed: resend the invitation"
        return reminder.updated_at, failed, reminder.last_error[:200], "danger"
    if reminder.status == Status.SKIPPED:
        return reminder.updated_at, "not sent", reminder.reason, "neutral"
    if reminder.attempts:
        retrying = "not sent yet: the mail server refused it, retrying"
        return reminder.updated_at, retrying, reminder.last_error[:200], "warning"
    return reminder.created_at, "queued", "", "info"


def _entry(reminder):
    at, what, detail, tone = _delivery(reminder)
    return TimelineEntry(at, "email", f"Invitation email {what}", detail=detail, tone=tone)


@register
def invitation_emails(patient, courses):
    """One entry per invitation email of the patient (one query)."""
    reminders = compiled("chart timeline: invitation emails", [patient.pk], _invitations)
    return [_entry(reminder) for reminder in reminders]


def _invitations(patient_id):
    return Reminder.objects.filter(patient_id=patient_id, kind=Kind.INVITATION).only(
        "status", "attempts", "last_error", "reason", "created_at", "updated_at", "sent_at"
    )
