"""A stored questionnaire response: the answers, and the interpretation made when saved."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.clinic.access import PatientRecordQuerySet
from kapclinic.clinic.record_fields import course_link, optional_link
from kapclinic.instruments import choices, get_instrument

# Badge colour for a band's severity (design system: only four status colours exist). The
# band label is always shown in words beside the colour.
SEVERITY_TONE = {"none": "success", "mild": "info", "moderate": "warning", "severe": "danger"}


class ResponseLocked(Exception):
    """A completed response was about to change; its answers are part of the clinical record."""


class QuestionnaireResponseQuerySet(PatientRecordQuerySet):
    """Responses of the patients this user may see: staff their clinic, a patient their own."""

    def completed(self):
        return self.filter(status=QuestionnaireResponse.Status.COMPLETED)


class QuestionnaireResponse(models.Model):
    """One sitting of one instrument for one course.

    Answers change only through `save_answers`, which scores them through the instrument
    definition and stores the result beside them, so a report reads what the clinician saw
    even after a definition changes (`instrument_version`, `parameters`).
    """

    class Purpose(models.TextChoices):
        INTAKE = "intake", "Intake"
        CHECK_IN = "check_in", "Check-in"
        FOLLOW_UP = "follow_up", "Follow-up"
        IN_SESSION = "in_session", "In session"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"

    course = course_link("questionnaire_responses")
    instrument = models.CharField(max_length=30, choices=choices())
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict, blank=True, help_text="Item key → answer value.")
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    band = models.CharField(max_length=60, blank=True)
    # The band's severity, or for instruments without a total (C-SSRS) the risk tier's.
    severity = models.CharField(max_length=10, blank=True)
    band_meaning = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    tier = models.CharField(max_length=30, blank=True)
    parameters = models.JSONField(default=dict, blank=True, help_text="Cut-offs applied.")
    instrument_version = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = optional_link(settings.AUTH_USER_MODEL, related_name="+")

    objects = QuestionnaireResponseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="completed", completed_at__isnull=False)
                | Q(status="draft", completed_at__isnull=True),
                name="questionnaire_completed_at_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["course", "instrument", "completed_at"])]

    def __str__(self):
        return f"{self.get_instrument_display()} ({self.get_status_display().lower()})"

    def clean(self):
        completed = self.status == self.Status.COMPLETED
        if completed != (self.completed_at is not None):
            raise ValidationError(
                {"completed_at": "A completed response has a completion time; a draft has none."}
            )

    @property
    def definition(self):
        return get_instrument(self.instrument)

    @property
    def is_completed(self):
        return self.status == self.Status.COMPLETED

    def save_answers(self, answers, *, complete, context=None):
        """Score and store answers; a draft keeps the flags that already fire.

        Raises the instrument's `InvalidAnswer`, `IncompleteAnswers` (only when `complete`)
        and `InvalidContext` unchanged, and `ResponseLocked` once the response is completed.
        """
        if self.is_completed:
            raise ResponseLocked("This questionnaire was completed and can no longer change.")
        definition = self.definition
        score = definition.score(answers, context=context, partial=not complete)
        with transaction.atomic():
            if self.pk is not None:
                # Lock the row: two tabs must not complete, then overwrite, the same response.
                stored = (
                    type(self)
                    .objects.select_for_update(no_key=True)
                    .filter(pk=self.pk)
                    .values_list("status", flat=True)
                    .first()
                )
                if stored == self.Status.COMPLETED:
                    raise ResponseLocked(
                        "This questionnaire was completed and can no longer change."
                    )
            self._store(definition, answers, score, complete=complete)
            self.save()
        return self

    def _store(self, definition, answers, score, *, complete):
        interpretation = score.band or score.tier
        self.answers = {key: value for key, value in answers.items() if value is not None}
        self.total = score.total
        self.band = score.band.label if score.band else ""
        self.severity = interpretation.severity if interpretation else ""
        self.band_meaning = interpretation.meaning if interpretation else ""
        self.tier = score.tier.key if score.tier else ""
        self.flags = [
            {
                "key": flag.key,
                "label": flag.label,
                "urgent": flag.urgent,
                "explanation": flag.explanation,
                "suicide_risk": flag.suicide_risk,
            }
            for flag in score.flags
        ]
        self.subscales = dict(score.subscales)
        self.parameters = dict(score.parameters)
        self.instrument_version = definition.version
        if complete:
            self.status, self.completed_at = self.Status.COMPLETED, timezone.now()
        else:
            self.status, self.completed_at = self.Status.DRAFT, None

    @property
    def urgent_flags(self):
        return [flag for flag in self.flags if flag.get("urgent")]

    @property
    def has_urgent_flag(self):
        return bool(self.urgent_flags)

    @property
    def badge_tone(self):
        """Badge colour for the band (or risk tier); neutral when there is none."""
        return SEVERITY_TONE.get(self.severity, "neutral")

    @property
    def tier_label(self):
        """The risk tier in words, e.g. "High risk" for the C-SSRS screen."""
        tiers = self.definition.tiers
        rule = next((r for r in tiers.rules if r.key == self.tier), None) if tiers else None
        return rule.label if rule else ""

    @property
    def applied_parameters(self):
        """(label, value) of each cut-off applied, e.g. the AUDIT-C positive screen by sex."""
        labels = {parameter.key: parameter.label for parameter in self.definition.parameters}
        return [(labels.get(key, key), value) for key, value in self.parameters.items()]

    @property
    def max_total(self):
        return self.definition.max_total
