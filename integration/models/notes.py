"""The integration note: one per integration session, signed once, then only added to.

Reuses the dosing record's rule (sessions): a signed note refuses save, update and delete,
and corrections are addenda that are themselves never edited.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.clinic.models import Appointment, TreatmentCourse
from kapclinic.clinic.text_limits import NOTE_SECTION, limited
from sessions.integrity import content_hash
from sessions.models import DosingSession, SignedRecordError
from sessions.models.entries import RecordKeptError
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


class IntegrationNoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Clinical working notes: the clinic's staff only, never the patient's login."""
        return scoped(self, user, "course__", staff_only=True)

    def signed(self):
        return self.filter(status=IntegrationNote.Status.SIGNED)

    def update(self, **kwargs):
        if self.signed().exists():
            raise SignedRecordError("A signed integration note cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.signed().exists():
            raise SignedRecordError("A signed integration note cannot be deleted.")
        raise RecordKeptError("An integration note is never deleted, even as a draft.")


class IntegrationNote(models.Model):
    """What happened in an integration session (domain reference §5, “document per note”)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="integration_note"
    )
    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="integration_notes"
    )
    dosing_session = models.ForeignKey(
        DosingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
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
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: the form carries the version it was opened at (0: before the first
    # save); a save from an older version is a conflict, never a silent overwrite.
    version = models.PositiveIntegerField(default=0, editable=False)
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the note as signed (sessions.integrity).",
    )

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

    def save(self, *args, **kwargs):
        if not self._state.adding and self._stored_status() == self.Status.SIGNED:
            raise SignedRecordError("A signed integration note cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == self.Status.SIGNED:
            raise SignedRecordError("A signed integration note cannot be deleted.")
        raise RecordKeptError("An integration note is never deleted, even as a draft.")

    def seal(self):
        """Store the content hash of the note as it stands; called by signing, before save."""
        self.content_hash = content_hash(self)

    def verify_content_hash(self):
        """True or False; None for a note signed before hashes were kept (or not signed)."""
        stored = type(self).objects.get(pk=self.pk)
        if not stored.content_hash:
            return None
        return stored.content_hash == content_hash(stored)

    def _stored_status(self):
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()

    @property
    def is_signed(self):
        return self.status == self.Status.SIGNED

    def missing_for_signature(self):
        """Labels of what a note needs before it can be signed."""
        needed = ("patient_account", "suicide_risk_check", "next_dose_plan")
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in needed
            if not (getattr(self, name) or "").strip()
        ]


class NoteAddendumQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scoped(self, user, "note__course__", staff_only=True)

    def update(self, **kwargs):
        raise IntegrationError("An addendum cannot be changed: add another one.")

    def delete(self):
        raise IntegrationError("An addendum cannot be deleted.")


class NoteAddendum(models.Model):
    """A correction or late entry to an integration note, at any time; never edited."""

    note = models.ForeignKey(IntegrationNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    objects = NoteAddendumQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["written_at", "pk"]
        verbose_name = "integration note addendum"
        verbose_name_plural = "integration note addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="note_addendum_has_text"),
        ]

    def __str__(self):
        return f"Addendum by {self.author} at {self.written_at:%d %b %Y %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise IntegrationError("An addendum cannot be changed: add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise IntegrationError("An addendum cannot be deleted.")
