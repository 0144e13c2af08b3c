"""A course's diagnoses: ICD-10-CM codes from the shipped list, never deleted."""

from django.db import models
from django.utils import timezone

from kapclinic.clinic.record_fields import course_link
from kapclinic.clinic.records import EnteredInError

from .people import User


class DiagnosisQuerySet(models.QuerySet):
    def in_force(self):
        """Not entered in error: what reports, superbills and exports carry."""
        return self.filter(entered_in_error_at__isnull=True)


class Diagnosis(EnteredInError):
    """One ICD-10-CM diagnosis on a course. A mistake is marked entered in error, with a
    reason, and kept: the record shows what was believed and when."""

    course = course_link("diagnoses")
    code = models.CharField("ICD-10-CM code", max_length=10)
    description = models.CharField(max_length=200)
    primary = models.BooleanField(default=False)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    objects = DiagnosisQuerySet.as_manager()

    class Meta:
        ordering = ["-primary", "added_at", "pk"]
        verbose_name_plural = "diagnoses"
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=models.Q(primary=True, entered_in_error_at__isnull=True),
                name="diagnosis_one_primary_per_course",
            ),
            models.UniqueConstraint(
                fields=["course", "code"],
                condition=models.Q(entered_in_error_at__isnull=True),
                name="diagnosis_code_once_per_course",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.description}"
