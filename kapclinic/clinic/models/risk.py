"""The suicide-risk workflow's records, beside the SafetyFlag they extend (reference §1.3, §1.5).

A risk review resolves a suicide-risk flag with the C-SSRS screener's outcome (answers the
clinician records; the instrument's structure, no copyrighted wording), the computed risk
level, a formulation and a decision. A high-risk outcome keeps dosing blocked until a
prescriber records a psychiatric review. The safety plan (Stanley-Brown structure) is written
with the patient and kept in versions; follow-up tasks carry the review's actions to an owner.
The rules that write these rows live in `kapclinic/clinic/risk.py`.
"""

from django.db import models
from django.db.models import ExpressionWrapper, OuterRef, Q, Subquery
from django.utils import timezone

from kapclinic.clinic.access import ClinicStaffQuerySet, PatientRecordQuerySet
from kapclinic.clinic.record_fields import course_link, optional_link
from kapclinic.clinic.record_rules import closed_with_who_and_what

from .people import Patient, Provider, User
from .safety import SafetyFlag


class WriteOnce(models.Model):
    """Clinical records kept as written: a correction is a new row, never an edit."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} is write-once: record a new one instead.")
        super().save(*args, **kwargs)


class RiskLevel(models.TextChoices):
    # domain reference §1.5: the screener's colour-coded triage; "none" when nothing is endorsed.
    NONE = "none", "No risk indicated on the screen"
    LOW = "low", "Low risk"
    MODERATE = "moderate", "Moderate risk"
    HIGH = "high", "High risk"


RISK_LEVEL_TONE = {"none": "neutral", "low": "info", "moderate": "warning", "high": "danger"}


class RiskDecision(models.TextChoices):
    CONTINUE = "continue", "Continue treatment as planned"
    PAUSE_DOSING = "pause_dosing", "Pause dosing"
    REFER = "refer", "Refer for further assessment"
    EMERGENCY = "emergency", "Emergency: crisis team or emergency department now"


class RiskReviewQuerySet(ClinicStaffQuerySet):
    """Staff of the course's clinic only, like the flags they resolve."""

    def with_dosing_block(self, at=None):
        """Each review with `blocks_dosing`: it asked for a psychiatric review and its latest one
        (by `at`), if any, did not let dosing resume. The latest decides: a "stays paused"
        written after a "may resume" (a second tab, news since) blocks again."""
        latest = PsychiatricReview.objects.filter(risk_review=OuterRef("pk"))
        if at is not None:
            latest = latest.filter(reviewed_at__lte=at)
        latest = latest.order_by("-reviewed_at", "-pk").values("dosing_may_resume")[:1]
        return self.annotate(
            resumed=Subquery(latest),
            blocks_dosing=ExpressionWrapper(
                Q(needs_psychiatric_review=True) & (Q(resumed__isnull=True) | Q(resumed=False)),
                output_field=models.BooleanField(),
            ),
        )

    def awaiting_psychiatric_review(self, at=None):
        """Reviews that keep dosing blocked: made (by `at`) and not lifted (`with_dosing_block`)."""
        reviews = self.filter(needs_psychiatric_review=True)
        if at is not None:
            reviews = reviews.filter(reviewed_at__lte=at)
        return reviews.with_dosing_block(at).filter(blocks_dosing=True)


class RiskReview(WriteOnce):
    """Write-once: what the clinician found and decided when they resolved a risk flag."""

    flag = models.OneToOneField(SafetyFlag, on_delete=models.PROTECT, related_name="risk_review")
    course = course_link("risk_reviews")
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    # The C-SSRS screener as the clinician answered it: item key → 0 (no) / 1 (yes), only the
    # items the screener's branching shows (reference §1.5).
    screen_answers = models.JSONField()
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    protective_factors = models.TextField()
    formulation = models.TextField(help_text="The clinician's risk formulation.")
    decision = models.CharField(max_length=20, choices=RiskDecision.choices)
    safety_plan_made = models.BooleanField(
        help_text="A safety plan was written or reviewed with the patient."
    )
    needs_psychiatric_review = models.BooleanField(
        default=False, help_text="Dosing stays blocked until a prescriber's psychiatric review."
    )

    objects = RiskReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(risk_level="high") | Q(needs_psychiatric_review=True),
                name="risk_review_high_needs_psychiatric_review",
            ),
            models.CheckConstraint(
                condition=~Q(risk_level="high") | ~Q(decision="continue"),
                name="risk_review_high_does_not_continue",
            ),
            models.CheckConstraint(
                condition=~Q(protective_factors="") & ~Q(formulation=""),
                name="risk_review_formulation_recorded",
            ),
        ]

    def __str__(self):
        return f"Risk review {self.pk}: {self.get_risk_level_display()}"

    @property
    def tone(self):
        return RISK_LEVEL_TONE.get(self.risk_level, "neutral")


class PsychiatricReview(WriteOnce):
    """Write-once: a prescriber's review after a high-risk outcome. One that lets dosing resume
    lifts the block; one that does not keeps it, until a later review."""

    risk_review = models.ForeignKey(
        RiskReview, on_delete=models.PROTECT, related_name="psychiatric_reviews"
    )
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    findings = models.TextField()
    dosing_may_resume = models.BooleanField(
        help_text="The prescriber judges dosing may go ahead; otherwise the course stays paused."
    )

    class Meta:
        ordering = ["-reviewed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(findings=""), name="psychiatric_review_findings_recorded"
            ),
        ]

    def __str__(self):
        return f"Psychiatric review {self.pk}"


class SafetyPlanQuerySet(PatientRecordQuerySet):
    """Staff of the patient's clinic, or the patient themself; nobody else."""

    patient_path, clinic_field = "patient__", "patient__clinic_id"

    def current_for(self, patient):
        return self.filter(patient=patient).order_by("-version").first()


# Stanley-Brown Safety Planning Intervention: the six steps, in our own words.
SAFETY_PLAN_STEPS = (
    ("warning_signs", "Warning signs that a crisis may be coming"),
    ("coping_strategies", "Things I can do on my own to take my mind off things"),
    ("people_and_places", "People and places that help me feel better"),
    ("people_to_ask", "People I can ask for help"),
    ("professionals", "Professionals and crisis lines I can contact"),
    ("safer_environment", "Making my surroundings safer"),
)


class SafetyPlan(WriteOnce):
    """One version of a patient's safety plan. A change is a new version; old ones are kept."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_plans")
    course = course_link("safety_plans")
    version = models.PositiveIntegerField()
    warning_signs = models.TextField()
    coping_strategies = models.TextField()
    people_and_places = models.TextField()
    people_to_ask = models.TextField()
    professionals = models.TextField()
    safer_environment = models.TextField()
    written_with_patient = models.BooleanField(
        help_text="The plan was written together with the patient, in their words."
    )
    written_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    risk_review = optional_link(RiskReview, related_name="safety_plans")

    objects = SafetyPlanQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version"], name="safety_plan_one_row_per_version"
            ),
        ]

    def __str__(self):
        return f"Safety plan v{self.version}"

    @property
    def steps(self):
        """(label, text) in the plan's order, for the screen and the PDFs alike."""
        return [(label, getattr(self, name)) for name, label in SAFETY_PLAN_STEPS]


class FollowUpTaskQuerySet(ClinicStaffQuerySet):
    """Staff of the course's clinic only."""

    def open(self):
        return self.filter(closed_at__isnull=True)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())


class FollowUpTask(models.Model):
    """Something a clinician must do after a risk review, by a time; closed with its outcome."""

    course = course_link("follow_up_tasks")
    risk_review = optional_link(RiskReview, related_name="tasks")
    owner = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="follow_up_tasks")
    description = models.CharField(max_length=300)
    for_psychiatric_review = models.BooleanField(
        default=False,
        help_text="The prescriber's psychiatric review a risk review asked for; closed by it.",
    )
    due_at = models.DateTimeField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = optional_link(User, related_name="+")
    outcome = models.TextField(blank=True)

    objects = FollowUpTaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            closed_with_who_and_what(
                "follow_up_task_closed_with_outcome", at="closed_at", by="closed_by", what="outcome"
            ),
        ]
        indexes = [models.Index(fields=["owner", "closed_at", "due_at"])]

    def __str__(self):
        return self.description

    @property
    def is_open(self):
        return self.closed_at is None

    def is_overdue(self, now=None):
        return self.is_open and self.due_at < (now or timezone.now())
