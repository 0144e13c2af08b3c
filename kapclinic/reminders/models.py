"""The reminder log: one row per thing to send, from planned to sent (or skipped, or failed).

Due reminders are rows, not delayed Celery messages: the periodic scan claims them, so a lost
broker message, a restarted worker or a second beat process never loses or repeats one.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from kapclinic.clinic.models import Clinic, Patient
from kapclinic.clinic.record_rules import both_or_neither


class Kind(models.TextChoices):
    APPOINTMENT_EARLY = "appointment_early", "Appointment reminder (days before)"
    APPOINTMENT_SOON = "appointment_soon", "Appointment reminder (hours before)"
    APPOINTMENT_UPDATED = "appointment_updated", "Appointment moved"
    APPOINTMENT_CANCELLED = "appointment_cancelled", "Appointment cancelled"
    PRE_SESSION = "pre_session", "Instructions the day before a session"
    INTAKE_UNFINISHED = "intake_unfinished", "Intake not finished"
    MEASURE_DUE = "measure_due", "Questionnaire due"
    MEASURE_OVERDUE = "measure_overdue", "Questionnaire overdue"
    INVITATION = "invitation", "Invitation (the link to create a login)"
    INVITATION_PENDING = "invitation_pending", "Invitation not accepted"
    STAFF_INVITATION = "staff_invitation", "Sign-in invitation (a new member of staff)"
    CLINICIAN_DIGEST = "clinician_digest", "Clinician daily digest"
    SAFETY_ALERT = "safety_alert", "Safety alert to the care team"
    FOLLOW_UP_OVERDUE = "follow_up_overdue", "Follow-up task overdue (to the prescribers)"
    DISCREPANCY_ALERT = "discrepancy_alert", "Count discrepancy (to the prescribers)"
    EMERGENCY_ACCESS = "emergency_access", "Emergency (break-glass) access (to the clinic admins)"
    REQUEST_ANSWERED = "request_answered", "Appointment request answered"


class SubjectType(models.TextChoices):
    APPOINTMENT = "appointment", "Appointment"
    INTAKE = "intake", "Intake record"
    COURSE_MEASURES = "course_measures", "Questionnaires of a course"
    INVITATION = "invitation", "Invitation"
    STAFF_INVITATION = "staff_invitation", "Sign-in invitation"
    PROVIDER = "provider", "Clinician"
    SAFETY_FLAG = "safety_flag", "Safety flag"
    FOLLOW_UP_TASK = "follow_up_task", "Follow-up task"
    # A count of one controlled-drug storage location (its id) at `due_at`: the discrepancies
    # it opened share the location and that moment, so a count is told in one email.
    STOCK_COUNT = "stock_count", "Count of a storage location"
    EMERGENCY_ACCESS = "emergency_access", "Emergency (break-glass) access"
    # Written by the calendar, which sits above this app (kapclinic/calendar/reminder_emails.py).
    APPOINTMENT_REQUEST = "appointment_request", "Appointment request"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"


class Status(models.TextChoices):
    DUE = "due", "Due"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


APPOINTMENT_KINDS = frozenset(
    {
        Kind.APPOINTMENT_EARLY,
        Kind.APPOINTMENT_SOON,
        Kind.APPOINTMENT_UPDATED,
        Kind.APPOINTMENT_CANCELLED,
    }
)
# Kinds that carry an .ics invite (or its cancellation).
CALENDAR_KINDS = APPOINTMENT_KINDS


class Reminder(models.Model):
    """One message to one recipient about one subject, due at one time.

    `due_at` is part of the identity: planning the same reminder twice is a no-op. For a
    notice of change (moved, cancelled) it is the moment of the change (`Appointment.
    changed_at`), with `sequence` the version it announces: one notice per version.
    `send_after` is when it may go out: the due time, later if quiet hours or a retry defer it.
    """

    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject_type = models.CharField(max_length=20, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    due_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.SET_NULL, null=True, blank=True, related_name="reminders"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The clinician of a digest; patients are reached through their record.",
    )
    # The appointment start this reminder was planned for: a later move makes it stale.
    subject_at = models.DateTimeField(null=True, blank=True)
    # The appointment's version (its iCalendar SEQUENCE) the email describes: set when a notice
    # of change is planned and when any appointment email is built. A later change of the
    # appointment (a higher `Appointment.sequence`) is what the scan tells the patient about.
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    send_after = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it was skipped.")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    possible_duplicate = models.BooleanField(
        default=False,
        help_text="A send was cut off after it began; the recipient may have it twice.",
    )
    lease = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "due_at", "channel"],
                name="reminder_once_per_subject_kind_due_channel",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(lease__isnull=False, claimed_at__isnull=False),
                name="reminder_sending_is_claimed",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="skipped") | ~Q(reason=""),
                name="reminder_skip_has_reason",
            ),
        ]
        indexes = [
            # The scan's two questions: what is due now, and what is stuck in sending.
            models.Index(
                fields=["send_after"],
                condition=Q(status="due"),
                name="reminder_due_idx",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="sending"),
                name="reminder_sending_idx",
            ),
            models.Index(fields=["clinic", "status", "due_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class ReminderPreference(models.Model):
    """What a patient wants to hear about, and when not to. Times are the clinic's local time.

    Cancellations, moves and the instructions before a session are about safety and the
    booking itself, so they cannot be turned off.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    appointment_reminders = models.BooleanField(default=True)
    intake_reminders = models.BooleanField(default=True)
    measure_reminders = models.BooleanField(default=True)
    invitation_reminders = models.BooleanField(default=True)
    quiet_start = models.TimeField(
        null=True, blank=True, help_text="No reminders from this time (clinic time)…"
    )
    quiet_end = models.TimeField(null=True, blank=True, help_text="…until this time.")
    updated_at = models.DateTimeField(auto_now=True)

    OPTIONAL = {
        Kind.APPOINTMENT_EARLY: "appointment_reminders",
        Kind.APPOINTMENT_SOON: "appointment_reminders",
        Kind.INTAKE_UNFINISHED: "intake_reminders",
        Kind.MEASURE_DUE: "measure_reminders",
        Kind.MEASURE_OVERDUE: "measure_reminders",
        Kind.INVITATION_PENDING: "invitation_reminders",
    }

    class Meta:
        constraints = [
            both_or_neither("reminder_quiet_hours_both_or_neither", "quiet_start", "quiet_end"),
        ]

    def __str__(self):
        return f"Reminder preferences of patient {self.patient_id}"

    def clean(self):
        """Refused beside the time that is missing or wrong, so a form shows it there and
        Django skips the database constraint (whose name a patient would otherwise read)."""
        if (self.quiet_start is None) != (self.quiet_end is None):
            missing = "quiet_start" if self.quiet_start is None else "quiet_end"
            raise ValidationError({missing: "Give both ends of the quiet hours, or neither."})
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValidationError(
                {"quiet_end": "Quiet hours must start and end at different times."}
            )

    def allows(self, kind):
        field = self.OPTIONAL.get(kind)
        return field is None or getattr(self, field)

    def quiet_until(self, moment, tz):
        """The end of the quiet hours if `moment` falls inside them, else None (aware, UTC-safe)."""
        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None or start == end:
            return None
        local = moment.astimezone(tz)
        now = local.time()
        if start < end:
            inside = start <= now < end
            end_day = local.date()
        else:  # across midnight, e.g. 22:00–07:00
            inside = now >= start or now < end
            end_day = local.date() + datetime.timedelta(days=1 if now >= start else 0)
        if not inside:
            return None
        # A wall time on the clinic's calendar: correct on both sides of a clock change.
        return datetime.datetime.combine(end_day, end, tzinfo=tz)
