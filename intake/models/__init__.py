"""Phase 1 records: invitations, the intake answers, screening, the decision and the plan.

Consent (versions, signatures, withdrawals) is in `consent.py`, re-exported here.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.clinic.access import PatientRecordQuerySet
from kapclinic.clinic.models import Product, Protocol, Route
from kapclinic.clinic.record_fields import course_link
from kapclinic.clinic.records import ImmutableModel
from kapclinic.clinic.text_limits import CLINICAL_TEXT, SHORT_REASON, limited

from .consent import (
    ConsentDocument,
    ConsentDocumentQuerySet,
    ConsentKind,
    ConsentSignature,
    ConsentSignatureQuerySet,
    ConsentWithdrawal,
)

__all__ = [
    "ConsentDocument",
    "ConsentDocumentQuerySet",
    "ConsentKind",
    "ConsentSignature",
    "ConsentSignatureQuerySet",
    "ConsentWithdrawal",
    "IntakeRecord",
    "IntakeSubmission",
    "Invitation",
    "PlanRevision",
    "RuleHit",
    "SuitabilityDecision",
    "TreatmentPlan",
    "hash_token",
]

User = settings.AUTH_USER_MODEL


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def find(self, raw_token):
        return (
            self.select_related("course__patient", "course__clinic")
            .filter(token_hash=hash_token(raw_token or ""))
            .first()
        )


class Invitation(models.Model):
    """A single-use, expiring link to create a patient's login. Only its hash is stored."""

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        USED = "used", "Already used"
        EXPIRED = "expired", "Expired"
        REPLACED = "replaced", "Replaced by a newer invitation"

    course = course_link("invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="invitation_expires_after_issue"
            )
        ]

    def __str__(self):
        return f"Invitation for {self.course.patient} ({self.get_status_display()})"

    @classmethod
    def issue(cls, course, by):
        """Replace any open invitation with a new one; returns (invitation, raw token)."""
        now = timezone.now()
        cls.objects.filter(course=course, used_at__isnull=True, replaced_at__isnull=True).update(
            replaced_at=now
        )
        raw = secrets.token_urlsafe(32)
        days = getattr(settings, "KAP_INVITATION_DAYS", 7)
        invitation = cls.objects.create(
            course=course,
            token_hash=hash_token(raw),
            created_by=by,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        return invitation, raw

    def renew_link(self, now=None):
        """A fresh raw token for this invitation's email, drawn when the email is sent.

        The web request that invites never sends mail: the worker draws the link as it
        writes the email, so the raw token exists only in that email (only its hash is kept)
        and an earlier draw, from an attempt the mail server refused, stops working. The
        link is valid for KAP_INVITATION_DAYS from the send.
        """
        raw = secrets.token_urlsafe(32)
        now = max(now or timezone.now(), self.created_at)
        self.token_hash = hash_token(raw)
        self.expires_at = now + timedelta(days=getattr(settings, "KAP_INVITATION_DAYS", 7))
        type(self).objects.filter(pk=self.pk).update(
            token_hash=self.token_hash, expires_at=self.expires_at
        )
        return raw

    @property
    def status(self):
        if self.used_at:
            return self.Status.USED
        if self.replaced_at:
            return self.Status.REPLACED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.VALID

    def get_status_display(self):
        return self.Status(self.status).label


class IntakeRecordQuerySet(PatientRecordQuerySet):
    pass


class IntakeRecord(models.Model):
    """The patient's intake answers, saved step by step so nothing typed is lost."""

    course = course_link("intake", link=models.OneToOneField)
    answers = models.JSONField(default=dict, blank=True)  # step → field → cleaned value
    drafts = models.JSONField(default=dict, blank=True)  # step → raw input not yet valid
    completed_steps = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntakeRecordQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["drafts"])  # raw, not-yet-valid typing

    def __str__(self):
        return f"Intake of {self.course.patient}"

    def is_complete(self, step_key):
        return step_key in self.completed_steps


class IntakeSubmission(ImmutableModel):
    """What the patient submitted, frozen: the reviewer decides on exactly this."""

    course = course_link("intake_submissions")
    number = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField()
    scores = models.JSONField(default=dict)  # instrument code → summary
    ruleset_version = models.CharField(max_length=40)
    thresholds = models.JSONField(default=dict)

    class Meta:
        ordering = ["course", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="submission_number_unique")
        ]

    def __str__(self):
        return f"Intake submission {self.number} of {self.course.patient}"


class RuleHit(ImmutableModel):
    """One contraindication rule that fired on a submission, with the answers behind it."""

    class RuleClass(models.TextChoices):
        ABSOLUTE = "absolute", "Absolute contraindication"
        RELATIVE = "relative", "Relative contraindication"
        CAUTION = "caution", "Caution"

    submission = models.ForeignKey(IntakeSubmission, on_delete=models.PROTECT, related_name="hits")
    rule_id = models.CharField(max_length=80)
    rule_version = models.PositiveSmallIntegerField()
    rule_class = models.CharField(max_length=10, choices=RuleClass.choices)
    title = models.CharField(max_length=200)
    explanation = models.TextField()
    source = models.CharField(max_length=300)
    urgent = models.BooleanField(default=False)
    triggered_by = models.JSONField(default=dict)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title

    @property
    def tone(self):
        return {"absolute": "danger", "relative": "warning", "caution": "info"}[self.rule_class]

    @property
    def reasons(self):
        """(question as the patient saw it, answer in words) for each answer the rule read."""
        from ..steps import explain_trigger

        return [explain_trigger(key, value) for key, value in self.triggered_by.items()]


class SuitabilityDecision(ImmutableModel):
    """The prescriber's signed decision on a submission. Immutable once saved."""

    class Outcome(models.TextChoices):
        CLEARED = "cleared", "Cleared for treatment"
        DECLINED = "declined", "Declined"
        MORE_INFORMATION = "more_information", "More information needed"

    course = course_link("suitability_decisions")
    submission = models.ForeignKey(
        IntakeSubmission, on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rationale = models.TextField(**limited(CLINICAL_TEXT))
    override_reason = models.TextField(blank=True, **limited(SHORT_REASON))
    message_to_patient = models.TextField(blank=True, **limited(SHORT_REASON))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="decision_has_rationale"),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} by {self.decided_by}"


class PlanVersion(ImmutableModel):
    """What every version of a treatment plan agrees: route, product, dose range, sessions."""

    route = models.CharField(max_length=20, choices=Route.choices)
    product = models.CharField(max_length=20, choices=Product.choices)
    dose_min_mg = models.DecimalField(max_digits=7, decimal_places=2)
    dose_max_mg = models.DecimalField(max_digits=7, decimal_places=2)
    planned_dosing_sessions = models.PositiveSmallIntegerField()
    integration_cadence = models.CharField(max_length=200)
    goals = models.TextField(blank=True)

    class Meta:
        abstract = True

    def clean(self):
        if self.dose_min_mg and self.dose_max_mg and self.dose_max_mg < self.dose_min_mg:
            raise ValidationError({"dose_max_mg": "The maximum must not be below the minimum."})
        self.check_session_maximum()

    def check_session_maximum(self):
        """Refuse a highest dose past the session maximum of the clinic's protocol for this
        route and product: no session could follow such a plan (sessions.dose_limits)."""
        protocol = Protocol.objects.for_route(self.course.clinic, self.route, self.product)
        if protocol is None or not self.dose_max_mg:
            return
        most = protocol.max_session_total
        if self.dose_max_mg > most:
            raise ValidationError(
                {
                    "dose_max_mg": f"The protocol allows at most {most.normalize():f} "
                    f"{protocol.dose_unit} a session: no reason or override passes it."
                }
            )


def plan_version_checks(prefix):
    """The database's own checks of a plan version: a dose range, at least one session."""
    return [
        models.CheckConstraint(
            condition=Q(dose_max_mg__gte=F("dose_min_mg")) & Q(dose_min_mg__gt=0),
            name=f"{prefix}_dose_range_valid",
        ),
        models.CheckConstraint(
            condition=Q(planned_dosing_sessions__gte=1), name=f"{prefix}_has_sessions"
        ),
    ]


class TreatmentPlan(PlanVersion):
    """Route, product, dose range and cadence agreed at clearance; defaults from the protocol.

    This is version 1, signed with the decision. It never changes: a prescriber changes the
    plan by signing a PlanRevision, and `in_force()` says which version applies.
    """

    version = 1

    course = course_link("treatment_plan", link=models.OneToOneField)
    decision = models.OneToOneField(
        SuitabilityDecision, on_delete=models.PROTECT, related_name="plan"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        constraints = plan_version_checks("plan")

    def __str__(self):
        return f"Plan: {self.get_product_display()}, {self.get_route_display()}"

    @property
    def signed_by(self):
        return self.decision.decided_by

    @property
    def signed_at(self):
        return self.decision.decided_at

    def in_force(self, at=None):
        """The version that applies at `at` (now): the latest revision signed by then."""
        revisions = self.revisions.filter(signed_at__lte=at or timezone.now())
        return revisions.order_by("-version").first() or self


class PlanRevision(PlanVersion):
    """A later version of a treatment plan, signed by a prescriber with the reason for it.

    Earlier versions stay as they were signed; a dosing session keeps the version that was
    in force when it opened.
    """

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="revisions")
    version = models.PositiveSmallIntegerField()
    reason = models.TextField(help_text="Why the plan changes.")
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="plan_revision_number_once"),
            models.CheckConstraint(condition=Q(version__gte=2), name="plan_revision_after_v1"),
            models.CheckConstraint(condition=~Q(reason=""), name="plan_revision_has_reason"),
            *plan_version_checks("plan_revision"),
        ]

    def __str__(self):
        return f"Plan v{self.version}: {self.get_product_display()}, {self.get_route_display()}"

    @property
    def course(self):
        return self.plan.course

    def clean(self):
        super().clean()
        if not (self.reason or "").strip():
            raise ValidationError({"reason": "Say why the plan changes."})
