"""How a course ended: completed or discontinued, on which date and why."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kapclinic.clinic.access import PatientRecordQuerySet
from kapclinic.clinic.models import TreatmentCourse
from kapclinic.clinic.record_fields import course_link
from kapclinic.clinic.records import ImmutableModel

User = settings.AUTH_USER_MODEL


class CourseClosureQuerySet(PatientRecordQuerySet):
    pass


class CourseClosure(ImmutableModel):
    """Written once beside the journey transition: the clinical date may precede the click."""

    class Outcome(models.TextChoices):
        COMPLETED = "completed", "Completed"
        DISCONTINUED = "discontinued", "Discontinued"

    course = course_link("closure", link=models.OneToOneField)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    effective_on = models.DateField(help_text="The date the course ended clinically.")
    reason = models.TextField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = CourseClosureQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_on"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="course_closure_has_reason"),
        ]
        indexes = [models.Index(fields=["outcome", "effective_on"])]

    def __str__(self):
        return f"{self.get_outcome_display()} on {self.effective_on:%d %b %Y}"


class CourseOutcome(models.Model):
    """A completed course's baseline and latest score per instrument, as its outcome page
    judges them; kept so the clinic dashboard counts rates without re-reading every score.

    Written by `integration.course_outcome.refresh` when the course completes and whenever a
    questionnaire of a completed course is completed afterwards (a follow-up);
    `manage.py course_outcomes --check` compares the table with a full recomputation.
    """

    course = models.ForeignKey(TreatmentCourse, on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=30)
    computable = models.BooleanField(
        help_text="A baseline before the first dose and a later score: a change to judge."
    )
    baseline = models.IntegerField(null=True, blank=True)
    latest = models.IntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["course", "instrument"], name="course_outcome_once_per_instrument"
            ),
        ]

    def __str__(self):
        return f"{self.instrument}: {self.baseline} → {self.latest}"
