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


# domain reference §2 and §4.4: what repeated dosing can harm, asked before every new block.
LONG_TERM_SCREEN = ("urinary_symptoms", "misuse_signs", "cognitive_concerns", "liver_tests")


class LiverTests(models.TextChoices):
    NOT_INDICATED = "not_indicated", "Not indicated"
    NORMAL = "normal", "Done: within normal limits"
    ABNORMAL = "abnormal", "Done: abnormal"
    NOT_DONE = "not_done", "Indicated, not done yet"


LIVER_FINDINGS = {LiverTests.ABNORMAL, LiverTests.NOT_DONE}


def found(label, help_text):
    """Yes or no; empty (None) only on records signed before the screen was asked, and when
    stopping."""
    return models.BooleanField(
        label, null=True, blank=True, choices=[(False, "No"), (True, "Yes")], help_text=help_text
    )


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
    urinary_symptoms = found(
        "new or worse urinary symptoms",
        "Pain, urgency, frequency or blood in the urine since the last review (ketamine "
        "cystitis; reference §2).",
    )
    misuse_signs = found(
        "signs of misuse or dependence",
        "Craving, use between sessions, asking for more or earlier doses (reference §4.4; "
        "the Spravato boxed warning).",
    )
    cognitive_concerns = found(
        "new or worse memory or concentration problems",
        "Since the last review (reference §4.4: cognitive impairment).",
    )
    liver_tests = models.CharField(
        "liver function tests",
        max_length=15,
        choices=LiverTests.choices,
        blank=True,
        help_text="Drug-induced liver injury with recurrent use (reference §2, Ketalar label).",
    )
    safety_findings = models.TextField(
        "how the findings were weighed",
        max_length=4000,
        blank=True,
        help_text="Required when the screen finds anything and dosing continues.",
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

    def clean(self):
        super().clean()
        self.check_long_term_screen()

    def check_long_term_screen(self):
        """More dosing is signed only with the screen answered, and any harm found weighed in
        words; stopping needs neither (the rationale says why)."""
        if self.decision == ReevaluationDecision.STOP:
            return
        errors = {
            name: "Answer this before more dosing is signed."
            for name in LONG_TERM_SCREEN
            if getattr(self, name) in (None, "")
        }
        if not errors and self.long_term_findings() and not (self.safety_findings or "").strip():
            errors["safety_findings"] = (
                "Say how these findings were weighed before more dosing: "
                + "; ".join(self.long_term_findings())
                + "."
            )
        if errors:
            raise ValidationError(errors)

    def long_term_findings(self):
        """What the screen found, in words ("new or worse urinary symptoms")."""
        words = [
            self._meta.get_field(name).verbose_name
            for name in LONG_TERM_SCREEN[:3]
            if getattr(self, name) is True
        ]
        if self.liver_tests in LIVER_FINDINGS:
            words.append(f"liver function tests {self.get_liver_tests_display().lower()}")
        return words

    def long_term_screen(self):
        """Each question with its answer, for the record's readers; empty when not asked."""
        return [
            (self._meta.get_field(name).verbose_name.capitalize(), display())
            for name in LONG_TERM_SCREEN
            if getattr(self, name) not in (None, "")
            for display in [getattr(self, f"get_{name}_display")]
        ]
