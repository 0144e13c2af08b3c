"""Appointments: when and with whom. Cancel and no-show are statuses, never deletions."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from kapclinic.clinic.access import patient_scope

from .journey import TreatmentCourse
from .people import Provider


class AppointmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = patient_scope(user, "course__patient__", clinic_field="course__clinic_id")
        return self.none() if scope is None else self.filter(scope)

    def upcoming(self):
        return self.filter(
            starts_at__gte=timezone.now(),
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN],
        )


class Appointment(models.Model):
    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment"
        DOSING = "dosing", "Dosing session"
        INTEGRATION = "integration", "Integration session"
        FOLLOW_UP = "follow_up", "Follow-up"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    clinician = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="appointments", null=True, blank=True
    )
    room = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["course", "starts_at"]),
            models.Index(fields=["clinician", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must be after the start."})
        if (
            self.clinician_id
            and self.course_id
            and self.clinician.clinic_id != self.course.clinic_id
        ):
            raise ValidationError({"clinician": "The clinician works at another clinic."})
