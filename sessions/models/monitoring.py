"""What is watched during a session: vitals, sedation and dissociation, alerts, adverse events."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.clinic.record_fields import optional_link
from kapclinic.clinic.record_rules import closed_with_who_and_what
from kapclinic.clinic.text_limits import CLINICAL_TEXT, SHORT_REASON, limited
from kapclinic.measures.fields import response_of

from .entries import EnteredInError, entered_in_error_constraint, in_effect_manager
from .session import (
    DosingSession,
    SessionRecord,
    SessionRecordQuerySet,
    StaffOnlyRecordQuerySet,
)

User = settings.AUTH_USER_MODEL

# Physiological ranges: a value outside is a typing slip, not a patient (reference §4.3 units).
RANGES = {
    "systolic": (50, 300),
    "diastolic": (20, 200),
    "heart_rate": (20, 250),
    "spo2": (50, 100),
    "respiratory_rate": (4, 60),
    "temperature": (30, 43),
}


def ranged(field):
    low, high = RANGES[field]
    return [MinValueValidator(low), MaxValueValidator(high)]


def in_range(field):
    low, high = RANGES[field]
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


# (field, words, unit, direction, thresholds attribute) for holds and alert limits.
HOLD_LIMITS = (
    ("systolic", "Systolic BP", "mmHg", "above", "hold_systolic_above"),
    ("diastolic", "Diastolic BP", "mmHg", "above", "hold_diastolic_above"),
    ("heart_rate", "Heart rate", "/min", "above", "hold_heart_rate_above"),
    ("spo2", "SpO2", "%", "below", "hold_spo2_below"),
)
ALERT_LIMITS = (
    ("systolic", "Systolic BP", "mmHg", "above", "alert_systolic_above"),
    ("diastolic", "Diastolic BP", "mmHg", "above", "alert_diastolic_above"),
    ("heart_rate", "Heart rate", "/min", "above", "alert_heart_rate_above"),
    ("spo2", "SpO2", "%", "below", "alert_spo2_below"),
)


class VitalSigns(EnteredInError, SessionRecord):
    """One set of readings. Each is its own row, so two clinicians never overwrite each other."""

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="vitals")
    taken_at = models.DateTimeField(default=timezone.now)
    # domain reference §4.3: LOINC 8480-6, 8462-4, 8867-4, 59408-5, 9279-1, 8310-5.
    systolic = models.PositiveSmallIntegerField("systolic BP (mmHg)", validators=ranged("systolic"))
    diastolic = models.PositiveSmallIntegerField(
        "diastolic BP (mmHg)", validators=ranged("diastolic")
    )
    heart_rate = models.PositiveSmallIntegerField(
        "heart rate (/min)", validators=ranged("heart_rate")
    )
    spo2 = models.PositiveSmallIntegerField("SpO2 (%)", validators=ranged("spo2"))
    respiratory_rate = models.PositiveSmallIntegerField(
        "respiratory rate (/min)", null=True, blank=True, validators=ranged("respiratory_rate")
    )
    temperature = models.DecimalField(
        "temperature (°C)",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=ranged("temperature"),
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = in_effect_manager(SessionRecordQuerySet)
    entries = SessionRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["taken_at", "pk"]
        verbose_name = "vital signs"
        verbose_name_plural = "vital signs"
        constraints = [
            entered_in_error_constraint("vitals"),
            models.CheckConstraint(condition=in_range("systolic"), name="vitals_systolic_range"),
            models.CheckConstraint(condition=in_range("diastolic"), name="vitals_diastolic_range"),
            models.CheckConstraint(
                condition=Q(systolic__gt=F("diastolic")), name="vitals_systolic_above_diastolic"
            ),
            models.CheckConstraint(
                condition=in_range("heart_rate"), name="vitals_heart_rate_range"
            ),
            models.CheckConstraint(condition=in_range("spo2"), name="vitals_spo2_range"),
            models.CheckConstraint(
                condition=Q(respiratory_rate__isnull=True) | in_range("respiratory_rate"),
                name="vitals_respiratory_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(temperature__isnull=True) | in_range("temperature"),
                name="vitals_temperature_range",
            ),
        ]
        indexes = [models.Index(fields=["session", "taken_at"])]

    def __str__(self):
        return f"BP {self.systolic}/{self.diastolic}, HR {self.heart_rate}, SpO2 {self.spo2}%"

    def clean(self):
        if self.systolic and self.diastolic and self.systolic <= self.diastolic:
            raise ValidationError({"diastolic": "Diastolic must be below systolic."})
        self.check_clinical_time("taken_at")

    def beyond(self, limits, thresholds):
        """Plain-words findings for each value past its limit, e.g. for a hold or an alert."""
        findings = []
        for field, words, unit, direction, attribute in limits:
            value, limit = getattr(self, field), getattr(thresholds, attribute)
            if value is None:
                continue
            if (direction == "above" and value > limit) or (direction == "below" and value < limit):
                findings.append(
                    f"{words} {value} {unit} is {direction} the limit of {limit} {unit}"
                )
        return findings

    def beyond_holds(self, thresholds):
        return self.beyond(HOLD_LIMITS, thresholds)

    def beyond_alert_limits(self, thresholds):
        return self.beyond(ALERT_LIMITS, thresholds)


class Sedation(models.IntegerChoices):
    """MOAA/S levels (Chernik 1990), domain reference §1.7."""

    RESPONDS_READILY = 5, "5 — responds readily to name spoken in normal tone"
    LETHARGIC = 4, "4 — lethargic response to name spoken in normal tone"
    LOUD_OR_REPEATED = 3, "3 — responds only after name is called loudly or repeatedly"
    PRODDING = 2, "2 — responds only after mild prodding or shaking"
    TRAPEZIUS_SQUEEZE = 1, "1 — responds only after painful trapezius squeeze"
    NO_RESPONSE = 0, "0 — no response after painful trapezius squeeze"


class Dissociation(models.TextChoices):
    NONE = "none", "None"
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class Observation(EnteredInError, SessionRecord):
    """Sedation, dissociation and support at one moment (reference §1.7, §4.2)."""

    session = models.ForeignKey(
        DosingSession, on_delete=models.PROTECT, related_name="observations"
    )
    observed_at = models.DateTimeField(default=timezone.now)
    moaas = models.PositiveSmallIntegerField("sedation (MOAA/S)", choices=Sedation.choices)
    dissociation = models.CharField(max_length=10, choices=Dissociation.choices)
    dissociation_notes = models.TextField(blank=True, **limited(CLINICAL_TEXT))
    # domain reference §1.7: CADSS-6 structure only; the licensed text is the clinic's.
    cadss6 = response_of("cadss6", "in_session", link=models.OneToOneField)
    therapist_present = models.BooleanField(default=False)
    support_notes = models.TextField(blank=True, **limited(CLINICAL_TEXT))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = in_effect_manager(SessionRecordQuerySet)
    entries = SessionRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["observed_at", "pk"]
        constraints = [
            entered_in_error_constraint("observation"),
            models.CheckConstraint(
                condition=Q(moaas__gte=0, moaas__lte=5), name="observation_moaas_range"
            ),
        ]

    def __str__(self):
        return f"MOAA/S {self.moaas}, dissociation {self.get_dissociation_display().lower()}"

    def clean(self):
        if self.cadss6_id and self.cadss6.instrument != "cadss6":
            raise ValidationError({"cadss6": "Attach a CADSS-6 response."})
        self.check_clinical_time("observed_at")

    def sedation_alert(self, thresholds):
        """Words for the alert when sedation is at or below the protocol's limit, else ''."""
        limit = thresholds.alert_moaas_at_or_below
        if self.moaas is not None and self.moaas <= limit:
            return f"Sedation MOAA/S {self.moaas} is at or below the alert level of {limit}"
        return ""


class SessionAlertQuerySet(StaffOnlyRecordQuerySet):
    def unacknowledged(self):
        return self.filter(acknowledged_at__isnull=True)


class SessionAlert(SessionRecord):
    """A reading past the protocol's alert limits, shown on the session screen until a
    clinician acknowledges it and says what was done.

    Not a SafetyFlag: a flag is course-wide, blocks future dosing and emails the prescribers,
    whereas a transient blood-pressure peak at 40 minutes (reference §4.2) needs the attention
    of the clinician at the chair now. A serious adverse event does raise a SafetyFlag.
    """

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="alerts")
    raised_at = models.DateTimeField(default=timezone.now)
    vital_signs = optional_link(VitalSigns, related_name="alerts")
    observation = optional_link(Observation, related_name="alerts")
    message = models.TextField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = optional_link(User, related_name="+")
    action_taken = models.TextField(blank=True, **limited(SHORT_REASON))

    objects = SessionAlertQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = "in-session alert"
        constraints = [
            closed_with_who_and_what(
                "session_alert_acknowledgement_recorded",
                at="acknowledged_at",
                by="acknowledged_by",
                what="action_taken",
            ),
        ]

    def __str__(self):
        return self.message

    @property
    def is_open(self):
        return self.acknowledged_at is None


class AdverseEvent(EnteredInError, SessionRecord):
    """An adverse event during or after a session (reference §4.4)."""

    class Kind(models.TextChoices):
        # domain reference §4.4: Spravato common reactions.
        DISSOCIATION = "dissociation", "Dissociation"
        DIZZINESS = "dizziness", "Dizziness"
        NAUSEA = "nausea", "Nausea"
        SEDATION = "sedation", "Sedation"
        VERTIGO = "vertigo", "Vertigo / spinning"
        HYPOAESTHESIA = "hypoaesthesia", "Hypoaesthesia (numbness)"
        ANXIETY = "anxiety", "Anxiety"
        LETHARGY = "lethargy", "Lethargy"
        INCREASED_BP = "increased_bp", "Increased blood pressure"
        VOMITING = "vomiting", "Vomiting"
        FEELING_DRUNK = "feeling_drunk", "Feeling drunk"
        EUPHORIA = "euphoria", "Euphoria"
        # domain reference §4.4: Spravato serious reactions.
        LOSS_OF_CONSCIOUSNESS = "loss_of_consciousness", "Sedation / loss of consciousness"
        RESPIRATORY_DEPRESSION = "respiratory_depression", "Respiratory depression"
        ABUSE_OR_MISUSE = "abuse_or_misuse", "Abuse or misuse"
        SUICIDALITY = "suicidality", "Suicidal thoughts or behaviour"
        COGNITIVE_IMPAIRMENT = "cognitive_impairment", "Cognitive impairment"
        BLADDER_PROBLEMS = "bladder_problems", "Bladder problems"
        # domain reference §4.4: ketamine (Ketalar) label.
        INCREASED_HR = "increased_hr", "Increased heart rate"
        EMERGENCE_REACTION = "emergence_reaction", "Emergence reaction (hallucinations, delirium)"
        DIPLOPIA_NYSTAGMUS = "diplopia_nystagmus", "Double vision / nystagmus"
        RAISED_IOP = "raised_iop", "Raised intraocular pressure"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "Resolved"
        RESOLVING = "resolving", "Resolving"
        NOT_RESOLVED = "not_resolved", "Not resolved"
        RESOLVED_WITH_SEQUELAE = "resolved_with_sequelae", "Resolved with lasting effects"
        TRANSFERRED = "transferred", "Transferred to emergency care"
        UNKNOWN = "unknown", "Unknown"

    class Relatedness(models.TextChoices):
        NOT_RELATED = "not_related", "Not related"
        UNLIKELY = "unlikely", "Unlikely"
        POSSIBLE = "possible", "Possible"
        PROBABLE = "probable", "Probable"
        DEFINITE = "definite", "Definite"

    session = models.ForeignKey(
        DosingSession, on_delete=models.PROTECT, related_name="adverse_events"
    )
    kind = models.CharField("type", max_length=30, choices=Kind.choices)
    description = models.TextField(
        blank=True, help_text="Required when the type is “Other”.", **limited(SHORT_REASON)
    )
    onset_at = models.DateTimeField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    serious = models.BooleanField(
        default=False, help_text="Life-threatening, needed hospital care, or lasting harm."
    )
    intervention = models.TextField(
        blank=True, help_text="e.g. antiemetic, antihypertensive.", **limited(SHORT_REASON)
    )
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    relatedness = models.CharField(max_length=20, choices=Relatedness.choices)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = in_effect_manager(SessionRecordQuerySet)
    entries = SessionRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["onset_at", "pk"]
        constraints = [
            entered_in_error_constraint("adverse_event"),
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(description=""),
                name="adverse_event_other_is_described",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_severity_display().lower()})"

    @property
    def label(self):
        return self.description if self.kind == self.Kind.OTHER else self.get_kind_display()

    def clean(self):
        if self.kind == self.Kind.OTHER and not self.description.strip():
            raise ValidationError({"description": "Describe the event when the type is Other."})
        self.check_clinical_time("onset_at")
