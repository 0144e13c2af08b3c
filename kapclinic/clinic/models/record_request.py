"""A patient's request about their own record: a copy of the clinicians' notes (HIPAA's right
of access, GDPR article 15) or a correction (HIPAA's right to amend, GDPR article 16).

The patient asks from their phone; a clinician of their clinic answers, in words written for
the patient, by the day the clinic gives itself (`Clinic.record_request_days`). A request is
answered once; the services are in kapclinic/clinic/record_requests.py.
"""

from django.db import models
from django.utils import timezone

from kapclinic.clinic.access import PatientRecordQuerySet
from kapclinic.clinic.record_fields import optional_link
from kapclinic.clinic.text_limits import SHORT_REASON, limited

from .people import Patient, User


class RecordRequestQuerySet(PatientRecordQuerySet):
    """Staff see their clinic's patients' requests; a patient sees their own."""

    patient_path, clinic_field = "patient__", "patient__clinic_id"

    def open(self):
        return self.filter(answered_at__isnull=True)


class RecordRequest(models.Model):
    class Kind(models.TextChoices):
        NOTES = "notes", "A copy of my clinicians' notes"
        CORRECTION = "correction", "A correction to my record"

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        DECLINED = "declined", "Declined"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="record_requests")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    details = models.TextField(blank=True, **limited(SHORT_REASON))
    asked_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = optional_link(User, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    answer = models.TextField(blank=True, **limited(SHORT_REASON))
    notes_released = models.BooleanField(
        "notes released in the app",
        default=False,
        help_text="The patient downloads their notes signed by the time of the answer.",
    )

    objects = RecordRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-asked_at", "-pk"]
        indexes = [models.Index(fields=["answered_at", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True, outcome="", answer="")
                | (
                    models.Q(answered_at__isnull=False, answered_by__isnull=False)
                    & ~models.Q(outcome="")
                    & ~models.Q(answer="")
                ),
                name="record_request_answered_in_full",
            ),
            models.CheckConstraint(
                condition=models.Q(notes_released=False) | models.Q(kind="notes", outcome="done"),
                name="record_request_releases_only_notes_done",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.asked_at:%d %b %Y})"

    @property
    def is_open(self):
        return self.answered_at is None

    def is_overdue(self, today=None):
        """Past its due day at the clinic (the day it was given in); read with
        `patient__clinic`."""
        today = today or timezone.localdate(timezone=self.patient.clinic.tz)
        return self.is_open and self.due_on < today

    @property
    def tone(self):
        """The badge: overdue needs attention; an open one is waiting; answered is done."""
        if self.is_overdue():
            return "danger"
        return "warning" if self.is_open else "success"

    @property
    def state_label(self):
        if self.is_open:
            return "Overdue" if self.is_overdue() else "Waiting for the clinic"
        return self.get_outcome_display()
