"""A recurring series: N sessions every k days, booked in one action (issue 21).

The series keeps what staff asked for (cadence, count, first start, length, with whom and
where); its occurrences are ordinary appointments pointing back at it, booked one by one
through the phase's own booking service, so every booking rule holds for each of them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from kapclinic.clinic.record_fields import course_link, optional_link

from .people import Provider
from .resources import Resource
from .scheduling import Appointment

# A form default and a ceiling: a block of induction or maintenance sessions, not a year.
MAX_OCCURRENCES = 12
MAX_EVERY_DAYS = 90
WEEKLY = 7
# What a series books: the phases' sessions (maintenance dosing is a dosing session).
SERIES_KINDS = (Appointment.Kind.DOSING, Appointment.Kind.INTEGRATION)


class AppointmentSeries(models.Model):
    """What was asked for when a run of sessions was booked together; never deleted."""

    course = course_link("appointment_series")
    kind = models.CharField(
        max_length=20, choices=[(kind.value, kind.label) for kind in SERIES_KINDS]
    )
    every_days = models.PositiveSmallIntegerField(
        "every (days)", help_text="Days between one session and the next; 7 is weekly."
    )
    count = models.PositiveSmallIntegerField("sessions asked for")
    first_starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    clinician = optional_link(Provider, related_name="+")
    resource = optional_link(Resource, related_name="+", verbose_name="room or chair")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "appointment series"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[kind.value for kind in SERIES_KINDS]),
                name="series_kind_dosing_or_integration",
            ),
            models.CheckConstraint(
                condition=Q(every_days__gte=1, every_days__lte=MAX_EVERY_DAYS),
                name="series_every_days_in_range",
            ),
            models.CheckConstraint(
                condition=Q(count__gte=2, count__lte=MAX_OCCURRENCES),
                name="series_count_in_range",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="series_duration_positive"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} × {self.count}, {self.cadence}"

    @property
    def cadence(self):
        """“weekly”, “every 2 weeks”, “every 3 days”, as staff say it."""
        if self.every_days % WEEKLY == 0:
            weeks = self.every_days // WEEKLY
            return "weekly" if weeks == 1 else f"every {weeks} weeks"
        return "daily" if self.every_days == 1 else f"every {self.every_days} days"
