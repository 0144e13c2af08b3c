"""The integration note: one per integration session, signed once, then only added to.

A signed record of the core's kit (kapclinic.clinic.records): a signed note refuses save,
update and delete, and corrections are addenda that are themselves never edited.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.clinic import records
from kapclinic.clinic.models import Appointment
from kapclinic.clinic.record_fields import content_hash_field, course_link, optional_link
from kapclinic.clinic.text_limits import NOTE_SECTION, limited
from sessions.integrity import content_hash
from sessions.models import DosingSession
from sessions.models.session import scoped

from .common import IntegrationError

User = settings.AUTH_USER_MODEL


class SuicideRiskCheck(models.TextChoices):
    NO_CONCERNS = "no_concerns", "Asked: no current thoughts of suicide or self-harm"
    CONCERNS = "concerns", "Asked: concerns identified"


class NextDosePlan(models.TextChoices):
    KEEP = "keep", "Keep the same dose"
    INCREASE = "increase", "Increase the dose"
    DECREASE = "decrease", "Reduce the dose"
    PAUSE = "pause", "Pause dosing"
    NO_FURTHER = "no_further", "No further doses"


# What the clinician writes; the services accept exactly these keys.
NOTE_FIELDS = (
    "patient_account",
    "themes_insights",
    "affect",
    "persisting_effects",
    "adverse_psychological_effects",
    "suicide_risk_check",
    "suicide_risk_detail",
    "goals_action_steps",
    "next_dose_plan",
    "next_dose_plan_detail",
)


class IntegrationNoteQuerySet(records.SignedRecordQuerySet):
    def visible_to(self, user):
        """Clinical working notes: the clinic's staff only, never the patient's login."""
        return scoped(self, user, "course__", staff_only=True)


class IntegrationNote(records.SignedRecord):
    """What happened in an integration session (domain reference §5, “document per note”)."""

    kept_message = "An integration note is never deleted, even as a draft."

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="integration_note"
    )
    course = course_link("integration_notes")
    dosing_session = optional_link(
        DosingSession,
        related_name="integration_notes",
        help_text="The dosing session this integration session follows.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    patient_account = models.TextField(
        "the patient's own account",
        blank=True,
        help_text="In the patient's words.",
        **limited(NOTE_SECTION),
    )
    themes_insights = models.TextField("themes and insights", blank=True, **limited(NOTE_SECTION))
    affect = models.TextField(blank=True, **limited(NOTE_SECTION))
    persisting_effects = models.TextField(
        "persisting perceptual or dissociative effects", blank=True, **limited(NOTE_SECTION)
    )
    adverse_psychological_effects = models.TextField(blank=True, **limited(NOTE_SECTION))
    suicide_risk_check = models.CharField(
        max_length=20, choices=SuicideRiskCheck.choices, blank=True
    )
    suicide_risk_detail = models.TextField(blank=True, **limited(NOTE_SECTION))
    goals_action_steps = models.TextField(
        "goals and action steps", blank=True, **limited(NOTE_SECTION)
    )
    next_dose_plan = models.CharField(
        "plan for the next dose", max_length=20, choices=NextDosePlan.choices, blank=True
    )
    next_dose_plan_detail = models.TextField(blank=True, **limited(NOTE_SECTION))
    written_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = optional_link(User, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: the form carries the version it was opened at (0: before the first
    # save); a save from an older version is a conflict, never a silent overwrite.
    version = models.PositiveIntegerField(default=0, editable=False)
    content_hash = content_hash_field("SHA-256 of the note as signed (sessions.integrity).")

    objects = IntegrationNoteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="signed", signed_by__isnull=False, signed_at__isnull=False)
                | Q(status="draft", signed_by__isnull=True, signed_at__isnull=True),
                name="integration_note_signature_matches_status",
            ),
            # A signed note always says the suicide-risk check was done (reference §5).
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(suicide_risk_check=""),
                name="integration_note_signed_has_risk_check",
            ),
        ]
        indexes = [models.Index(fields=["course", "created_at"])]

    def __str__(self):
        return f"Integration note, {self.appointment}"

    def current_content_hash(self):
        return content_hash(self)

    def missing_for_signature(self):
        """Labels of what a note needs before it can be signed."""
        needed = ("patient_account", "suicide_risk_check", "next_dose_plan")
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in needed
            if not (getattr(self, name) or "").strip()
        ]


class NoteAddendumQuerySet(records.AddendumQuerySet):
    def visible_to(self, user):
        return scoped(self, user, "note__course__", staff_only=True)


class NoteAddendum(records.AbstractAddendum):
    """A correction or late entry to an integration note, at any time; never edited."""

    refusal = IntegrationError

    note = models.ForeignKey(IntegrationNote, on_delete=models.PROTECT, related_name="addenda")

    objects = NoteAddendumQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(records.AbstractAddendum.Meta):
        verbose_name = "integration note addendum"
        verbose_name_plural = "integration note addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="note_addendum_has_text"),
        ]
