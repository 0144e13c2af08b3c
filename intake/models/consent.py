"""Consent: each clinic's published versions, the patients' signatures and withdrawals.

A published version is never edited (patients signed exactly that text); a signature and a
withdrawal are written once (kapclinic.clinic.records.ImmutableModel). The rules of which
versions are in force and who must sign again are in `intake/consent.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kapclinic.clinic.access import PatientRecordQuerySet
from kapclinic.clinic.models import Clinic
from kapclinic.clinic.record_fields import course_link, optional_link
from kapclinic.clinic.records import ImmutableModel

User = settings.AUTH_USER_MODEL


class ConsentKind(models.TextChoices):
    """What a consent document covers; each kind has its own versions (reference §6: the
    FHIR Consent scopes treatment, privacy and research)."""

    TREATMENT = "treatment", "Ketamine-assisted psychotherapy (treatment)"
    TELEHEALTH = "telehealth", "Telehealth sessions"
    RECORDING = "recording", "Recordings and photographs"
    RESEARCH = "research", "Use of my records in research"


class ConsentDocumentQuerySet(models.QuerySet):
    def in_effect(self, clinic, on=None):
        """The clinic's published versions whose effective date has come by `on` (the
        clinic's today, not the server's), oldest first."""
        on = on or clinic.today()
        return self.filter(clinic=clinic, effective_from__lte=on).order_by(
            "kind", "effective_from", "published_at", "pk"
        )


class ConsentDocument(ImmutableModel):
    """One published version of a clinic's consent text, of one kind. Never edited once
    published: to change it, publish a new version (patients signed exactly this text)."""

    cannot_change = "A published consent version cannot be changed: publish a new version instead."
    cannot_delete = "A published consent version cannot be deleted."

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="consent_documents")
    kind = models.CharField(
        max_length=20, choices=ConsentKind.choices, default=ConsentKind.TREATMENT
    )
    title = models.CharField(max_length=200, default="Consent to ketamine-assisted psychotherapy")
    version = models.CharField(max_length=20)
    body = models.TextField()
    summary_of_changes = models.TextField(
        "What changed since the previous version",
        blank=True,
        help_text="In plain words for patients who signed an earlier version.",
    )
    effective_from = models.DateField(
        blank=True,
        help_text="From this day the version is the one patients sign (empty: the clinic's today).",
    )
    resign_required = models.BooleanField(
        "Patients in treatment must sign again",
        default=True,
        help_text="Untick for a correction that does not change what patients agree to.",
    )
    required_before_dosing = models.BooleanField(
        "Must be signed before dosing",
        default=True,
        help_text="Untick for optional consents (for example research use).",
    )
    published_at = models.DateTimeField(default=timezone.now)
    published_by = optional_link(User, related_name="+")

    objects = ConsentDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["clinic", "kind", "-effective_from", "-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "version"], name="consent_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"

    def save(self, *args, **kwargs):
        if self.effective_from is None:
            self.effective_from = self.clinic.today()  # the clinic's day, not the server's
        super().save(*args, **kwargs)


class ConsentSignatureQuerySet(PatientRecordQuerySet):
    """Staff of the patient's clinic, and the patient themself."""


class ConsentSignature(ImmutableModel):
    """The patient's typed-name signature of one version, with when and from where."""

    course = course_link("consent_signatures")
    document = models.ForeignKey(
        ConsentDocument, on_delete=models.PROTECT, related_name="signatures"
    )
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_name = models.CharField(max_length=200)
    agreed = models.BooleanField()
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    statement = models.CharField(
        max_length=300,
        blank=True,
        help_text="The words of the box the patient ticked, as the page showed them "
        "(blank for signatures made before they were kept).",
    )
    # Signing again after a withdrawal restores the consent; the withdrawal stays on file.
    restores = models.OneToOneField(
        "ConsentWithdrawal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="restored_by",
        help_text="The withdrawal this signature ends, when the patient signed again after it.",
    )

    objects = ConsentSignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.CheckConstraint(condition=Q(agreed=True), name="consent_must_be_agreed"),
            # A version is signed once per course; again only to restore a withdrawn consent
            # (each withdrawal restored at most once: `restores` is one-to-one).
            models.UniqueConstraint(
                fields=["course", "document"],
                condition=Q(restores__isnull=True),
                name="consent_version_signed_once",
            ),
        ]

    def __str__(self):
        return f"{self.signed_name} signed v{self.document.version}"


class ConsentWithdrawal(ImmutableModel):
    """The patient withdrew a signed consent: from then on it counts as not signed."""

    signature = models.OneToOneField(
        ConsentSignature, on_delete=models.PROTECT, related_name="withdrawal"
    )
    withdrawn_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-withdrawn_at"]

    def __str__(self):
        return f"Withdrawal of {self.signature.document}"
