"""When a clinic is open: its hours per weekday and its closed days (bank holidays, training).

A clinic with no hours set is open at any time, as before hours existed; once it has some, a
weekday without a row is closed. Closed days hold whether or not hours are set. A visit whose
time is being chosen must fall within them (`Appointment.hours_refusal`); the calendar shows
them. `ClinicHours` is the one read of both, shared by the rule, the grid and open slots.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ..statements import compiled
from .people import Clinic


class Weekday(models.IntegerChoices):
    # Python's date.weekday(): Monday is 0.
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


# What a new clinic (and the demo) starts with; the clinic admin changes it under the clinic.
DEFAULT_HOURS = {day: (datetime.time(8), datetime.time(18)) for day in range(Weekday.SATURDAY)}


class OpeningHours(models.Model):
    """The clinic's hours on one weekday, clinic time; a weekday with no row is closed."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField(help_text="Clinic time, e.g. 08:00.")
    closes = models.TimeField(help_text="Clinic time, e.g. 18:00; the same day.")

    class Meta:
        ordering = ["clinic", "weekday"]
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "weekday"], name="one_opening_per_weekday"),
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="opening_closes_after_it_opens"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_hours(self.clinic)

    def clean(self):
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": "The clinic must close after it opens that day."})


class ClosedDay(models.Model):
    """A day the clinic is shut whatever its weekday's hours: a bank holiday, a training day."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField()
    reason = models.CharField(
        max_length=120, help_text="Shown on the calendar, e.g. Christmas Day or Training day."
    )

    class Meta:
        ordering = ["clinic", "date"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "date"], name="one_closed_day_per_date"),
        ]

    def __str__(self):
        return f"{in_words(self.date)} ({self.reason})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_hours(self.clinic)


@dataclass(frozen=True)
class ClinicHours:
    """A clinic's week of hours and its closed days, read in one query."""

    week: dict  # weekday → (opens, closes); empty when the clinic has set no hours
    closed: dict  # date → reason

    @classmethod
    def read(cls, clinic_id, first=None, last=None):
        """The week's hours and the closed days from `first` to `last` (all when not given)."""
        if first is None:
            rows = _hours_and_closed_days(clinic_id, None, None)
        else:  # the calendar's every view: its SQL (a union of two reads) built once
            rows = compiled("clinic hours", [clinic_id, first, last], _hours_and_closed_days)
        week, closed = {}, {}
        for weekday, opens, closes, date, reason in rows:
            if date is None:
                week[weekday] = (opens, closes)
            else:
                closed[date] = reason
        return cls(week, closed)

    def window(self, day):
        """(opens, closes) on `day`; None when the clinic is closed; (None, None): no hours."""
        if day in self.closed:
            return None
        if not self.week:
            return (None, None)
        return self.week.get(day.weekday())

    def refusal(self, starts_at, ends_at, tz):
        """Why a visit at these times falls outside the clinic's hours, in words, or None."""
        start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
        day = start.date()
        last = (end - datetime.timedelta(microseconds=1)).date()  # ending at midnight: that day
        for n in range((last - day).days + 1):
            date = day + datetime.timedelta(days=n)
            if date in self.closed:
                return f"The clinic is closed on {in_words(date)} ({self.closed[date]})."
        if not self.week:
            return None
        weekdays = f"{Weekday(day.weekday()).label}s"
        if day.weekday() not in self.week:
            return f"The clinic is closed on {weekdays}: choose another day."
        opens, closes = self.week[day.weekday()]
        hours = f"The clinic is open {opens:%H:%M}–{closes:%H:%M} on {weekdays}"
        if not opens <= start.time() < closes:
            return f"{hours}: this visit starts at {start:%H:%M}."
        if end.date() > day:
            return f"{hours}: this visit ends at {end:%H:%M} on {in_words(end.date())}."
        if end.time() > closes:
            return f"{hours}: this visit ends at {end:%H:%M}."
        return None

    def open_from(self, at, tz, staying=datetime.timedelta(0), days=14):
        """`at` when the clinic is open then and stays open for `staying`; otherwise when it
        next opens (clinic time), within `days`; None when it does not open in that time."""
        local = at.astimezone(tz)
        for n in range(days + 1):
            date = local.date() + datetime.timedelta(days=n)
            window = self.window(date)
            if window is None:
                continue
            opens, closes = window
            if opens is None:  # no hours set: open all day
                return local if n == 0 else datetime.datetime.combine(date, datetime.time(), tz)
            start = datetime.datetime.combine(date, opens, tz)
            end = datetime.datetime.combine(date, closes, tz)
            if n == 0 and start <= local and local + staying <= end:
                return local
            if local < start:
                return start
        return None


COLUMNS = ("w", "o", "c", "d", "r")

# A promise to call "today" holds only with at least this much of the day left.
CALL_BACK_TIME = datetime.timedelta(hours=1)


def _hours_and_closed_days(clinic_id, first, last):
    """One query: each weekday's hours, then the closed days (from `first` to `last`, or all)."""
    days = ClosedDay.objects.filter(clinic_id=clinic_id)
    if first is not None:
        days = days.filter(date__gte=first, date__lte=last)
    hours = OpeningHours.objects.filter(clinic_id=clinic_id).annotate(
        d=_nothing(models.DateField()), r=_nothing(models.CharField())
    )
    days = days.annotate(
        w=_nothing(models.PositiveSmallIntegerField()),
        o=_nothing(models.TimeField()),
        c=_nothing(models.TimeField()),
        d=F("date"),
        r=F("reason"),
    )
    # No ORDER BY inside a UNION: SQLite (the demo) refuses one.
    rows = hours.annotate(w=F("weekday"), o=F("opens"), c=F("closes")).values_list(*COLUMNS)
    return rows.order_by().union(days.order_by().values_list(*COLUMNS), all=True)


def _nothing(output_field):
    return models.Value(None, output_field=output_field)


def in_words(date):
    """“Fri 25 Dec 2026”."""
    return f"{date:%a} {date.day} {date:%b %Y}"


def hours_of(clinic):
    """The clinic's hours and all its closed days, read once per clinic object (a request)."""
    hours = clinic.__dict__.get("_opening_hours")
    if hours is None:
        hours = clinic.__dict__["_opening_hours"] = ClinicHours.read(clinic.pk)
    return hours


def forget_hours(clinic):
    """A change of hours made through this clinic object is seen by its next booking."""
    clinic.__dict__.pop("_opening_hours", None)


def call_back_after(clinic, now=None):
    """None when a clinician can call the patient today (the clinic is open, with an hour of
    the day left); otherwise when the clinic next opens, the earliest a call can come, or
    False when it does not open in the next two months. Shown after an urgent answer, so the
    patient is never promised a call no one is there to make."""
    now = now or timezone.now()
    opens = hours_of(clinic).open_from(now, clinic.tz, staying=CALL_BACK_TIME, days=62)
    if opens is None:
        return False
    return None if opens == now.astimezone(clinic.tz) else opens
