"""The patient's journal: private unless the patient shares an entry with the care team.

The privacy rule lives in `JournalEntryQuerySet.visible_to`, the only way anything reads
entries: staff (and superusers) get shared entries of their clinic and nothing else.
"""

import re
import unicodedata

from django.db import models
from django.db.models import Q
from django.utils import timezone

from kapclinic.clinic.access import provider_for
from kapclinic.clinic.models import Clinic
from kapclinic.clinic.record_fields import course_link, optional_link
from kapclinic.clinic.text_limits import JOURNAL_ENTRY, limited
from sessions.models import DosingSession

# Phrases that suggest risk, seeded for each clinic so its admin can edit them. These are
# wording to watch for, not clinical thresholds; the clinic reviews and extends them.
DEFAULT_RISK_PHRASES = (
    "suicide",
    "suicidal",
    "kill myself",
    "end my life",
    "take my own life",
    "want to die",
    "better off dead",
    "no reason to live",
    "hurt myself",
    "harm myself",
    "self-harm",
    "self harm",
    "cut myself",
    "overdose",
    "can't go on",
)


def normalise(text):
    """Lower case, straight apostrophes, single spaces: so “Can’t  go on” matches."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text)


def find_risk_phrases(text, phrases):
    """The phrases (as written in the list) that occur in `text` as whole words."""
    haystack = normalise(text)
    found = []
    for phrase in phrases:
        needle = normalise(phrase).strip()
        if not needle:
            continue
        pattern = r"(?<!\w)" + re.escape(needle).replace(r"\ ", r"\s+") + r"(?!\w)"
        if re.search(pattern, haystack) and phrase not in found:
            found.append(phrase)
    return found


class JournalPrompt(models.Model):
    """A question the clinic offers to start an entry, edited by the clinic admin."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="journal_prompts")
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "position", "pk"]

    def __str__(self):
        return self.text


class RiskTermQuerySet(models.QuerySet):
    def phrases_for(self, clinic_id):
        return list(self.filter(clinic_id=clinic_id, active=True).values_list("phrase", flat=True))


class RiskTerm(models.Model):
    """Wording that shows the patient crisis resources, and flags a shared entry."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="risk_terms")
    phrase = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    objects = RiskTermQuerySet.as_manager()

    class Meta:
        ordering = ["clinic", "phrase"]
        constraints = [
            models.UniqueConstraint(
                "clinic", models.functions.Lower("phrase"), name="risk_term_unique_per_clinic"
            ),
            models.CheckConstraint(condition=~Q(phrase=""), name="risk_term_has_phrase"),
        ]

    def __str__(self):
        return self.phrase


def seed_risk_terms(clinic_id, model=RiskTerm):
    """Give a clinic the default phrase list (used by the data migration and for new clinics)."""
    existing = {
        p.lower()
        for p in model.objects.filter(clinic_id=clinic_id).values_list("phrase", flat=True)
    }
    model.objects.bulk_create(
        model(clinic_id=clinic_id, phrase=phrase)
        for phrase in DEFAULT_RISK_PHRASES
        if phrase.lower() not in existing
    )


class JournalEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A patient: all their own entries. Staff: only shared entries of their clinic."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        shared = self.filter(shared_at__isnull=False)
        if user.is_superuser:
            return shared
        provider = provider_for(user)
        if provider is not None:
            return shared.filter(course__clinic_id=provider.clinic_id)
        return self.filter(course__patient__user_id=user.pk)

    def shared(self):
        return self.filter(shared_at__isnull=False)


class JournalEntry(models.Model):
    """A reflection the patient wrote. Private by default; `shared_at` marks sharing."""

    course = course_link("journal_entries")
    dosing_session = optional_link(
        DosingSession,
        related_name="journal_entries",
        help_text="The dosing session this entry reflects on, if any.",
    )
    prompt = models.ForeignKey(
        JournalPrompt, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The prompt as the patient saw it, kept when the clinic later edits its prompts.
    prompt_text = models.CharField(max_length=300, blank=True)
    body = models.TextField(**limited(JOURNAL_ENTRY))
    written_at = models.DateTimeField(default=timezone.now)
    shared_at = models.DateTimeField(null=True, blank=True)
    # Risk phrases found when written: the patient's page shows crisis resources beside it.
    risk_phrases = models.JSONField(default=list, blank=True)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-written_at", "-pk"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="journal_entry_has_text"),
        ]
        indexes = [
            models.Index(fields=["course", "written_at"]),
            models.Index(fields=["course", "shared_at"]),
        ]

    def __str__(self):
        # Never the body: entries must not leak through logs, admin titles or reprs.
        return f"Journal entry {self.pk} ({'shared' if self.is_shared else 'private'})"

    @property
    def is_shared(self):
        return self.shared_at is not None

    @property
    def mentions_risk(self):
        return bool(self.risk_phrases)


class JournalDraftQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only the patient who wrote it: a draft is never shown to staff, nor to a superuser."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(course__patient__user_id=user.pk)


class JournalDraft(models.Model):
    """An entry the patient started and kept for later ("Back to my journey"): one per course.

    Not an entry: never listed, shared, counted or read for risk by staff. Sending it writes
    the entry through `write_journal_entry`, which removes the draft.
    """

    course = course_link("journal_draft", link=models.OneToOneField)
    # As typed: the text, and the choices made (a prompt or session id, the share tick).
    body = models.TextField(blank=True, **limited(JOURNAL_ENTRY))
    prompt_choice = models.CharField(max_length=20, blank=True)
    dosing_session_choice = models.CharField(max_length=20, blank=True)
    share = models.BooleanField(default=False)
    # Risk phrases found when saved: the page shows crisis resources beside the draft.
    risk_phrases = models.JSONField(default=list, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    objects = JournalDraftQuerySet.as_manager()

    def __str__(self):
        # Never the text, as for an entry.
        return f"Journal draft of course {self.course_id}"

    @property
    def mentions_risk(self):
        return bool(self.risk_phrases)

    def as_initial(self):
        """The journal form's starting values."""
        return {
            "body": self.body,
            "prompt": self.prompt_choice or None,
            "dosing_session": self.dosing_session_choice or None,
            "share": self.share,
        }
