"""Measure requests: the questionnaires a protocol asks for, as tasks with a due date."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from kapclinic.clinic.access import PatientRecordQuerySet
from kapclinic.clinic.models import Appointment
from kapclinic.clinic.record_fields import course_link, optional_link
from kapclinic.instruments import choices, get_instrument
from kapclinic.measures.models import QuestionnaireResponse


class MeasureRequestQuerySet(PatientRecordQuerySet):
    """Staff see their clinic's requests, a patient their own."""

    def requested(self):
        return self.filter(status=MeasureRequest.Status.REQUESTED)

    def open(self, now=None):
        """Answerable now: a task on the patient's home page."""
        now = now or timezone.now()
        return self.requested().filter(opens_at__lte=now, expires_at__gt=now)

    def overdue(self, now=None):
        """Past the due date and still unanswered: shown to the clinician."""
        return self.requested().filter(due_at__lt=now or timezone.now())


class MeasureRequest(models.Model):
    """One instrument the protocol asks the patient to complete by a date."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    course = course_link("measure_requests")
    instrument = models.CharField(max_length=30, choices=choices())
    purpose = models.CharField(max_length=20, choices=QuestionnaireResponse.Purpose.choices)
    # Stable key of the schedule step, e.g. "dose:41", "end", "after:4w": one request each.
    timepoint = models.CharField(max_length=40)
    label = models.CharField(max_length=120)
    appointment = optional_link(
        Appointment,
        related_name="measure_requests",
        help_text="The dosing appointment a pre-dose questionnaire belongs to.",
    )
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    response = optional_link(
        QuestionnaireResponse, link=models.OneToOneField, related_name="measure_request"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # Answers chosen before the questionnaire was finished, so leaving the page loses nothing.
    draft_answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MeasureRequestQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "instrument", "timepoint"], name="measure_request_once"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lte=F("due_at")) & Q(due_at__lte=F("expires_at")),
                name="measure_request_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status="completed", response__isnull=False, completed_at__isnull=False)
                | (~Q(status="completed") & Q(response__isnull=True, completed_at__isnull=True)),
                name="measure_request_completed_has_response",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["course", "status"]),
        ]

    def __str__(self):
        return f"{self.get_instrument_display()}: {self.label}"

    @property
    def definition(self):
        return get_instrument(self.instrument)

    def is_overdue(self, now=None):
        return self.status == self.Status.REQUESTED and self.due_at < (now or timezone.now())
