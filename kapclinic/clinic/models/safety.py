"""Safety flags: raised by any phase, resolved only by a clinician saying what was done.

A suicide-risk flag is resolved only by a structured risk review (`kapclinic/clinic/risk.py`),
never by a line of free text.
"""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.access import ClinicStaffQuerySet, provider_for
from kapclinic.clinic.record_fields import course_link, optional_link
from kapclinic.clinic.record_rules import closed_with_who_and_what

from ..text_limits import SHORT_REASON, limited
from .journey import JourneyError
from .people import CLINICIAN_ROLES, User


class SafetyFlagQuerySet(ClinicStaffQuerySet):
    """Staff of the course's clinic only: flags are clinical working notes."""

    def open(self):
        return self.filter(resolved_at__isnull=True)


class SafetyFlag(models.Model):
    class Urgency(models.TextChoices):
        URGENT = "urgent", "Urgent — same day"
        ROUTINE = "routine", "Routine"

    class Kind(models.TextChoices):
        SUICIDE_RISK = "suicide_risk", "Suicide risk"
        OTHER = "other", "Other safety concern"

    course = course_link("safety_flags")
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.URGENT)
    kind = models.CharField(
        max_length=20,
        choices=Kind.choices,
        default=Kind.OTHER,
        help_text="A suicide-risk flag is closed only by a structured risk review.",
    )
    source = models.CharField(max_length=60, help_text="Where it was raised, e.g. intake PHQ-9.")
    reason = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = optional_link(User, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = optional_link(User, related_name="+")
    action_taken = models.TextField(blank=True, **limited(SHORT_REASON))

    objects = SafetyFlagQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            closed_with_who_and_what(
                "safety_flag_resolution_recorded",
                at="resolved_at",
                by="resolved_by",
                what="action_taken",
            ),
        ]
        indexes = [models.Index(fields=["course", "resolved_at"])]

    def __str__(self):
        return f"{self.get_urgency_display()}: {self.source}"

    @classmethod
    def raise_for(cls, course, *, source, reason, by=None, urgency=Urgency.URGENT, kind=Kind.OTHER):
        """Raise a flag unless the same source already has one open on this course."""
        existing = cls.objects.filter(course=course, source=source, resolved_at__isnull=True)
        flag = existing.first()
        if flag is not None:
            return flag, False
        flag = cls.objects.create(
            course=course, source=source, reason=reason, raised_by=by, urgency=urgency, kind=kind
        )
        audit(by, course, f"safety flag raised: {source}")
        return flag, True

    @classmethod
    def kind_of(cls, rule):
        """The kind of flag an instrument's flag rule (or its stored dict) raises."""
        risky = rule.get("suicide_risk") if isinstance(rule, dict) else rule.suicide_risk
        return cls.Kind.SUICIDE_RISK if risky else cls.Kind.OTHER

    @property
    def is_open(self):
        return self.resolved_at is None

    @property
    def is_suicide_risk(self):
        return self.kind == self.Kind.SUICIDE_RISK

    def resolve(self, by, action_taken):
        """Close a flag that is not a suicide-risk flag; the clinician must say what was done."""
        if self.is_suicide_risk:
            raise JourneyError(
                "A suicide-risk flag is resolved by a structured risk review, not free text."
            )
        self._close(by, action_taken)

    def _close(self, by, action_taken):
        """The closing itself; the risk review calls it once its own checks have passed."""
        provider = provider_for(by)
        if provider is None or provider.role not in CLINICIAN_ROLES:
            raise JourneyError("Only a clinician may resolve a safety flag.")
        if provider.clinic_id != self.course.clinic_id:
            raise JourneyError("Only a clinician of this clinic may resolve this flag.")
        if not (action_taken or "").strip():
            raise JourneyError("Record what was done before resolving the flag.")
        if not self.is_open:
            raise JourneyError("This flag is already resolved.")
        self.resolved_at, self.resolved_by = timezone.now(), by
        self.action_taken = action_taken.strip()
        self.save(update_fields=["resolved_at", "resolved_by", "action_taken"])
        audit(by, self.course, f"safety flag {self.pk} resolved", CHANGE)
