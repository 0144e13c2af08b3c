"""Who the patient is, and their verbal yes on the day, before the first dose (reference §4.1).

The signed consent on file says the patient agreed to the course; this says that the person
in the chair is that patient (two identifiers) and that they agreed again, aloud, today. One
"yes" per session, each answer written once: a "no" is kept too, and holds dosing until the patient
changes their mind in the same visit (a later "yes", recorded beside it).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from kapclinic.clinic.records import ImmutableModel

from .session import DosingError, DosingSession, SessionRecord, SessionRecordQuerySet

User = settings.AUTH_USER_MODEL


class Identifier(models.TextChoices):
    """What staff checked the patient against (two different ones, as in any clinic)."""

    FULL_NAME = "full_name", "Full name"
    DATE_OF_BIRTH = "date_of_birth", "Date of birth"
    PHOTO_ID = "photo_id", "Photo ID"
    ADDRESS = "address", "Home address"
    WRISTBAND = "wristband", "Identity wristband"


class IdentityCheck(ImmutableModel, SessionRecord):
    """Identity confirmed with two identifiers, and the patient's verbal consent (or refusal)
    to proceed today, by a clinician of the clinic; never changed once written. The latest
    answer by the time of the first dose decides."""

    refusal = DosingError
    cannot_change = "An identity check and verbal consent, once recorded, are never changed."
    cannot_delete = "The identity check and verbal consent are kept with the session's record."

    session = models.ForeignKey(
        DosingSession, on_delete=models.PROTECT, related_name="identity_checks"
    )
    first_identifier = models.CharField(max_length=20, choices=Identifier.choices)
    second_identifier = models.CharField(max_length=20, choices=Identifier.choices)
    consents_today = models.BooleanField(
        help_text="The patient said today, aloud, that they agree to go ahead with the dose."
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = SessionRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "identity check and verbal consent"
        verbose_name_plural = "identity checks and verbal consents"
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_identifier=F("second_identifier")),
                name="identity_check_two_different_identifiers",
            ),
            # A "no" may be followed by a change of mind; a "yes" is the last word.
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(consents_today=True),
                name="identity_check_one_yes_per_session",
            ),
        ]

    def __str__(self):
        said = "consented" if self.consents_today else "declined"
        return f"Identity checked, patient {said} ({self.identifiers})"

    def clean(self):
        self.check_clinical_time("recorded_at")

    @property
    def identifiers(self):
        return f"{self.get_first_identifier_display()} and {self.get_second_identifier_display()}"
