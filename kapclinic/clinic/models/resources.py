"""Rooms and chairs a clinic books: dosing rooms, recliners, therapy rooms, telehealth.

Clinic admins keep them in the admin. An appointment holds at most one resource, and the
database refuses two live appointments on one resource at once (see `scheduling.py`).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from .people import Clinic


class ResourceKind(models.TextChoices):
    DOSING_ROOM = "dosing_room", "Dosing room"
    CHAIR = "chair", "Recliner / chair"
    THERAPY_ROOM = "therapy_room", "Therapy room"
    TELEHEALTH = "telehealth", "Telehealth"


# A dosing session is supervised in person, in a dosing room or a recliner (reference §5).
DOSING_KINDS = (ResourceKind.DOSING_ROOM, ResourceKind.CHAIR)
# What an appointment of each kind may hold; kinds not named may hold any resource.
BOOKABLE_KINDS = {"dosing": DOSING_KINDS}
DOSING_RESOURCE_NEEDED = "Choose a dosing room or chair."


def bookable_kinds(appointment_kind):
    """The resource kinds an appointment of this kind (`Appointment.Kind` value) may hold."""
    return BOOKABLE_KINDS.get(appointment_kind, tuple(ResourceKind))


class ResourceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_dosing(self):
        return self.filter(kind__in=DOSING_KINDS)

    def bookable_for(self, appointment_kind):
        """Active resources an appointment of this kind may be booked in."""
        return self.active().filter(kind__in=bookable_kinds(appointment_kind))


class Resource(models.Model):
    """A room, chair or telehealth line of one clinic, booked by one appointment at a time."""

    Kind = ResourceKind

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="resources")
    name = models.CharField(max_length=60, help_text="As staff say it, e.g. “Recliner A”.")
    kind = models.CharField(max_length=20, choices=ResourceKind.choices)
    capacity = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="How many people it seats. One appointment holds it at a time, whatever "
        "its size.",
    )
    active = models.BooleanField(
        default=True,
        help_text="Untick to stop booking it; appointments already booked keep it.",
    )

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "clinic",
                Lower("name"),
                name="clinic_resource_unique_name",
                violation_error_message="This clinic already has a room or chair of that name.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="clinic_resource_capacity_positive"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def for_dosing(self):
        return self.kind in DOSING_KINDS

    def clean(self):
        self.name = (self.name or "").strip()
        if not (self.name and self.clinic_id):
            return
        others = Resource.objects.filter(clinic_id=self.clinic_id, name__iexact=self.name)
        if others.exclude(pk=self.pk).exists():
            raise ValidationError({"name": "This clinic already has a room or chair of that name."})

    def refusal_for(self, appointment_kind, clinic_id, *, held=False):
        """Why an appointment of this kind at this clinic cannot hold this resource, or None.

        `held`: the appointment holds it already, and keeps it once it is no longer in use.
        """
        if self.clinic_id != clinic_id:
            return "That room or chair belongs to another clinic."
        if not (self.active or held):
            return f"{self.name} is no longer in use: choose another."
        if self.kind not in bookable_kinds(appointment_kind):
            if appointment_kind == "dosing":
                return f"{self.name} is not a dosing room or chair. {DOSING_RESOURCE_NEEDED}"
            return f"{self.name} cannot be booked for this kind of appointment."
        return None
