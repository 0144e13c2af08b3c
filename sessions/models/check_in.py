"""The patient's day-of check-in: safety screen, fasting, companion (reference §4.1)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from kapclinic.clinic.models import Appointment
from kapclinic.clinic.record_fields import optional_link
from kapclinic.clinic.text_limits import SHORT_REASON, limited
from kapclinic.measures.fields import response_of

from .session import DosingSession, SessionRecord, SessionRecordQuerySet, check_not_in_future

User = settings.AUTH_USER_MODEL


class PregnancyStatus(models.TextChoices):
    NO = "no", "No"
    YES = "yes", "Yes, or possibly"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class CheckInQuerySet(SessionRecordQuerySet):
    session_path = "appointment__dosing_session__"
    patient_path = "appointment__course__"


class CheckIn(SessionRecord):
    """What the patient tells us on the day, before any dose (reference §4.1)."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="check_in"
    )
    # domain reference §4.1: safety screen since last visit (PHQ-9 item 9), with GAD-7.
    gad7 = response_of("gad7", "check_in")
    phq9 = response_of("phq9", "check_in")
    # domain reference §4.1: fasting before the dose.
    last_food_at = models.DateTimeField(null=True, blank=True)
    last_drink_at = models.DateTimeField(null=True, blank=True)
    # domain reference §4.1: transport home by a responsible adult.
    companion_name = models.CharField(max_length=200, blank=True)
    companion_phone = models.CharField(max_length=40, blank=True)
    # domain reference §4.1 and §2: interacting medicines, substance use, pregnancy.
    new_medications = models.TextField(
        blank=True, help_text="Started or changed since last visit.", **limited(SHORT_REASON)
    )
    new_substances = models.TextField(
        blank=True, help_text="Alcohol or drugs since last visit.", **limited(SHORT_REASON)
    )
    possibly_pregnant = models.CharField(max_length=20, choices=PregnancyStatus.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = optional_link(User, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CheckInQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "check-in"
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True)
                | Q(
                    completed_by__isnull=False,
                    last_food_at__isnull=False,
                    last_drink_at__isnull=False,
                    gad7__isnull=False,
                    phq9__isnull=False,
                )
                & ~Q(companion_name="")
                & ~Q(companion_phone="")
                & ~Q(possibly_pregnant=""),
                name="check_in_complete_has_answers",
            ),
        ]

    def __str__(self):
        return f"Check-in for {self.appointment}"

    def signed_session_filter(self):
        return {"appointment_id": self.appointment_id}

    @property
    def session(self):
        return DosingSession.objects.filter(appointment_id=self.appointment_id).first()

    @property
    def is_complete(self):
        return self.completed_at is not None

    def missing(self):
        """What still needs an answer before the check-in can be completed, in words."""
        gaps = []
        if self.last_food_at is None:
            gaps.append("when you last ate")
        if self.last_drink_at is None:
            gaps.append("when you last drank")
        if not self.companion_name or not self.companion_phone:
            gaps.append("who is taking you home, and their phone number")
        if not self.possibly_pregnant:
            gaps.append("whether you could be pregnant")
        for label, response in (("GAD-7", self.gad7), ("PHQ-9", self.phq9)):
            if response is None or not response.is_completed:
                gaps.append(f"the {label} questionnaire")
        return gaps

    def clean(self):
        if self.appointment_id and self.appointment.kind != Appointment.Kind.DOSING:
            raise ValidationError({"appointment": "Check-in is for dosing appointments."})
        for field in ("last_food_at", "last_drink_at"):
            check_not_in_future(field, getattr(self, field), self.appointment.clinic.tz)
        for field, code in (("gad7", "gad7"), ("phq9", "phq9")):
            response = getattr(self, field)
            if response is None:
                continue
            if response.instrument != code or response.course_id != self.appointment.course_id:
                raise ValidationError({field: "This response belongs to another questionnaire."})
