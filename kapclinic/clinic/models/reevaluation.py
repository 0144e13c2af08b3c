"""The re-evaluation before each new block of dosing: the outcome so far and a prescriber's
decision, recorded once (reference §3: "evaluate benefit at end of induction"; §5: maintenance
every 1–2 months).

The record sits in the core beside the course, because the course's stage moves with it
(`TreatmentCourse.reevaluate`) and dosing (phase 2) counts its sessions from the latest one;
the outcome is computed by integration and kept here as the words the prescriber saw.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from kapclinic.clinic.record_fields import course_link
from kapclinic.clinic.records import ImmutableModel

from .people import User


class ReevaluationDecision(models.TextChoices):
    MAINTENANCE = "maintenance", "Continue to maintenance"
    REPEAT_INDUCTION = "repeat_induction", "Repeat induction"
    STOP = "stop", "Stop dosing"


class Reevaluation(ImmutableModel):
    """Signed once by the prescriber who made it; never changed or deleted."""

    refusal = ValidationError
    cannot_change = "A signed re-evaluation cannot change; record a new one."
    cannot_delete = "A signed re-evaluation cannot be deleted."

    course = course_link("reevaluations")
    decision = models.CharField(max_length=20, choices=ReevaluationDecision.choices)
    rationale = models.TextField(max_length=4000)
    outcome_so_far = models.TextField(
        blank=True, help_text="The outcome as computed and shown when the decision was signed."
    )
    sessions_before = models.PositiveSmallIntegerField(
        help_text="Dosing sessions with a dose given in the course when this was signed."
    )
    plan_version = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The plan version signed with it (none when stopping)."
    )
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["course", "decided_at", "pk"]
        indexes = [models.Index(fields=["course", "decided_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(rationale=""), name="reevaluation_has_rationale"
            ),
        ]

    def __str__(self):
        return f"Re-evaluation {self.decided_at:%Y-%m-%d}: {self.get_decision_display()}"
