"""The chart shows each invitation email's delivery: queued, sent, retrying or failed, and when.

Staff see at once whether the patient has their link, and resend it from the chart when the
mail server refused it for good.
"""

from kapclinic.clinic.timeline import TimelineEntry, register

from .models import Kind, Reminder, Status


def _entry(reminder):
    if reminder.status == Status.SENT:
        return TimelineEntry(reminder.sent_at, "email", "Invitation email sent", tone="success")
    if reminder.status == Status.FAILED:
        return TimelineEntry(
            reminder.updated_at,
            "email",
            "Invitation email failed: resend the invitation",
            detail=reminder.last_error[:200],
            tone="danger",
        )
    if reminder.status == Status.SKIPPED:
        return TimelineEntry(
            reminder.updated_at, "email", "Invitation email not sent", detail=reminder.reason
        )
    if reminder.attempts:
        return TimelineEntry(
            reminder.updated_at,
            "email",
            "Invitation email not sent yet: the mail server refused it, retrying",
            detail=reminder.last_error[:200],
            tone="warning",
        )
    return TimelineEntry(reminder.created_at, "email", "Invitation email queued", tone="info")


@register
def invitation_emails(patient, courses):
    """One entry per invitation email of the patient (one query)."""
    reminders = Reminder.objects.filter(patient=patient, kind=Kind.INVITATION).only(
        "status", "attempts", "last_error", "reason", "created_at", "updated_at", "sent_at"
    )
    return [_entry(reminder) for reminder in reminders]
