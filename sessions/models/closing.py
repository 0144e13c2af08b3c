"""How a session ends: discharge against the modified Aldrete score, and addenda after signing."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.clinic import records
from kapclinic.clinic.text_limits import CLINICAL_TEXT, SHORT_REASON, limited

from .session import (
    DosingError,
    DosingSession,
    SessionRecord,
    SessionRecordQuerySet,
)

User = settings.AUTH_USER_MODEL


# domain reference §4.5: modified Aldrete (Aldrete 1995), five components each 0–2.
class AldreteActivity(models.IntegerChoices):
    FOUR_LIMBS = 2, "2 — moves all four limbs on command"
    TWO_LIMBS = 1, "1 — moves two limbs on command"
    NONE = 0, "0 — cannot move limbs on command"


class AldreteRespiration(models.IntegerChoices):
    DEEP_BREATHS = 2, "2 — breathes deeply and coughs freely"
    LIMITED = 1, "1 — short of breath or breathing limited"
    APNOEIC = 0, "0 — apnoeic"


class AldreteCirculation(models.IntegerChoices):
    WITHIN_20 = 2, "2 — BP within 20% of the pre-dose level"
    WITHIN_50 = 1, "1 — BP 20–49% from the pre-dose level"
    BEYOND_50 = 0, "0 — BP 50% or more from the pre-dose level"


class AldreteConsciousness(models.IntegerChoices):
    AWAKE = 2, "2 — fully awake"
    AROUSABLE = 1, "1 — arousable on calling"
    UNRESPONSIVE = 0, "0 — not responding"


class AldreteSpO2(models.IntegerChoices):
    ROOM_AIR = 2, "2 — SpO2 above 92% on room air"
    NEEDS_OXYGEN = 1, "1 — needs oxygen to keep SpO2 above 90%"
    LOW_ON_OXYGEN = 0, "0 — SpO2 below 90% even with oxygen"


ALDRETE_COMPONENTS = ("activity", "respiration", "circulation", "consciousness", "spo2")


def component(choices, verbose_name):
    return models.PositiveSmallIntegerField(verbose_name, choices=choices.choices)


class Discharge(SessionRecord):
    """The patient left: who judged them fit to go, on what score, with whom (reference §4.5)."""

    session = models.OneToOneField(
        DosingSession, on_delete=models.PROTECT, related_name="discharge"
    )
    activity = component(AldreteActivity, "activity")
    respiration = component(AldreteRespiration, "respiration")
    circulation = component(AldreteCirculation, "circulation")
    consciousness = component(AldreteConsciousness, "consciousness")
    spo2 = component(AldreteSpO2, "SpO2")
    companion_present = models.BooleanField(
        help_text="A responsible adult is taking the patient home (reference §4.5)."
    )
    aftercare_given = models.BooleanField(
        help_text="No driving or machinery until the next day after restful sleep (ref. §4.1)."
    )
    discharged_at = models.DateTimeField(default=timezone.now)
    discharged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    override_reason = models.TextField(blank=True, **limited(SHORT_REASON))
    failed_criteria = models.JSONField(
        default=list, blank=True, help_text="Criteria not met when a prescriber overrode them."
    )

    objects = SessionRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0, f"{name}__lte": 2}),
                    name=f"discharge_aldrete_{name}_0_to_2",
                )
                for name in ALDRETE_COMPONENTS
            ),
            models.CheckConstraint(
                condition=Q(failed_criteria=[]) | ~Q(override_reason=""),
                name="discharge_override_has_reason",
            ),
        ]

    def __str__(self):
        return f"Discharged at {timezone.localtime(self.discharged_at):%H:%M}, Aldrete {self.total}"

    @property
    def total(self):
        """Modified Aldrete total, 0–10 (reference §4.5: ≥9 to discharge by default)."""
        values = [getattr(self, name) for name in ALDRETE_COMPONENTS]
        return None if None in values else sum(values)

    def clean(self):
        self.check_clinical_time("discharged_at")


class AddendumQuerySet(records.AddendumQuerySet, SessionRecordQuerySet):
    pass


class Addendum(records.AbstractAddendum):
    """A correction or late entry, added at any time, even after signing; never edited."""

    refusal = DosingError

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(**limited(CLINICAL_TEXT))

    objects = AddendumQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(records.AbstractAddendum.Meta):
        verbose_name_plural = "addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="addendum_has_text"),
        ]
