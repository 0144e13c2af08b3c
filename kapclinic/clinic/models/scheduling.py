"""Appointments: when and with whom. Cancel and no-show are statuses, never deletions.

A clinician, a resource (a room or chair of the clinic), or a patient is never in two live
appointments at once: `clean()` says so beside the field, and the database refuses it whatever
path the write takes.

Every write stamps `changed_at`, and a change of time or status bumps `sequence` (the
iCalendar SEQUENCE), whether it goes through `save()` or a queryset `update()`: the reminder
scan compares that version with the one the patient was last sent, so no write path can skip
the notice of a move or a cancellation.

A completed visit's status, kind and times are final, a cancelled or missed visit is not made
live again and no appointment is deleted: `save()` says so in words, and PostgreSQL refuses
the same to a queryset update or raw SQL (clinic migration 0028).
"""

import datetime

from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils import timezone

from kapclinic.clinic.access import PatientRecordQuerySet
from kapclinic.clinic.constraints import (
    CLINICIAN_OVERLAP,
    PATIENT_OVERLAP,
    RESOURCE_OVERLAP,
    PostgresExclusionConstraint,
    TsTzRange,
)
from kapclinic.clinic.record_fields import course_link, optional_link
from kapclinic.clinic.record_rules import KeepsItsLinks, KeptLinksQuerySet

from .opening_hours import hours_of
from .people import Clinic, Patient, Provider
from .resources import Resource


class AppointmentDeletionError(Exception):
    """Appointments are part of the record: cancel them or mark a no-show instead."""


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Statuses that hold the clinician, the resource and the patient.
LIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
ENDED_WORDS = {AppointmentStatus.CANCELLED: "cancelled", AppointmentStatus.NO_SHOW: "missed"}
ENDED_STATUSES = tuple(ENDED_WORDS)

STATUS_TONE = {
    AppointmentStatus.BOOKED: "info",
    AppointmentStatus.CHECKED_IN: "success",
    AppointmentStatus.COMPLETED: "neutral",
    AppointmentStatus.CANCELLED: "neutral",
    AppointmentStatus.NO_SHOW: "warning",
}


class AppointmentQuerySet(KeptLinksQuerySet, PatientRecordQuerySet):
    """Appointments of the patients this user may see (through the course)."""

    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def upcoming(self):
        return self.live().filter(starts_at__gte=timezone.now())

    def overlapping(self, starts_at, ends_at):
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def delete(self):
        raise AppointmentDeletionError("Appointments are cancelled or marked no-show, not deleted.")

    def update(self, **kwargs):
        """Every update is a change the scan can see: `changed_at` stamped, and `sequence`
        bumped on the rows whose time or status it really changes."""
        kwargs.setdefault("changed_at", timezone.now())
        if "sequence" not in kwargs:
            bump = version_bump({f: v for f, v in kwargs.items() if f in VERSIONED_FIELDS})
            if bump is not None:
                kwargs["sequence"] = bump
        return super().update(**kwargs)


# What a calendar holding the appointment sees change: its times and whether it is still on.
VERSIONED_FIELDS = ("starts_at", "ends_at", "status")


def version_bump(new_values):
    """`sequence + 1` where a row's time or status differs from `new_values`, else unchanged.

    One expression evaluated by the database against the row as it was before the write, so
    a save and a queryset update count a change the same way, with no read first.
    """
    if not new_values:
        return None
    return Case(
        When(Q(**new_values), then=F("sequence")),
        default=F("sequence") + 1,
        output_field=models.PositiveIntegerField(),
    )


def time_in_words(starts_at, ends_at, tz):
    """“on Tue 3 Mar, 10:00–11:00” in `tz` (the clinic's): how staff and patients read a time;
    with its year when not this one, so a mistyped year is never read as this week."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    year = f" {start.year}" if start.year != timezone.localdate(timezone=tz).year else ""
    return f"on {start:%a} {start.day} {start:%b}{year}, {start:%H:%M}–{end:%H:%M}"


def one_live_appointment_at_a_time(name, holder, **condition):
    """The database's refusal of two live appointments of one holder (a clinician, a resource,
    a patient) whose times overlap; `condition` narrows which rows hold one."""
    return PostgresExclusionConstraint(
        name=name,
        expressions=[
            (holder, RangeOperators.EQUAL),
            (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=Q(status__in=LIVE_STATUSES, **condition),
    )


# What a live appointment holds that no other may hold at the same time, and the advice when
# it clashes (the patient is checked apart: their clash names the other appointment's kind).
HELD_BY_ONE_AT_A_TIME = (
    ("clinician", "Choose another time or clinician."),
    ("resource", "Choose another time, room or chair."),
)


class Appointment(KeepsItsLinks):
    # Its check-in and dosing session are the course's patient's: never another's.
    kept_links = {
        "course": "An appointment stays with the course it was booked for: cancel it and book "
        "one for the other patient instead."
    }
    # A completed visit took place and its record is signed: these facts of it are final.
    remembered = ("status", "kind", "starts_at", "ends_at", "clinician_id")

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment"
        DOSING = "dosing", "Dosing session"
        INTEGRATION = "integration", "Integration session"
        FOLLOW_UP = "follow_up", "Follow-up"

    Status = AppointmentStatus

    course = course_link("appointments")
    # Copied from the course on save: the clinic's own lists and pages filter on it.
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="appointments", editable=False
    )
    # Copied from the course on save, so the database can keep a patient in one place at a time.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    clinician = optional_link(Provider, related_name="appointments")
    resource = optional_link(Resource, related_name="appointments", verbose_name="room or chair")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    status_reason = models.TextField(blank=True)
    # Set when the appointment was booked as one of a recurring series (kapclinic.calendar).
    series = optional_link("clinic.AppointmentSeries", related_name="appointments", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Stamped by every write (save or queryset update); see the module docstring.
    changed_at = models.DateTimeField(default=timezone.now, editable=False)
    # The iCalendar SEQUENCE: how many times the time or status changed (RFC 5545 §3.8.7.4).
    sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"
            ),
            one_live_appointment_at_a_time(CLINICIAN_OVERLAP, "clinician"),
            one_live_appointment_at_a_time(RESOURCE_OVERLAP, "resource", resource__isnull=False),
            one_live_appointment_at_a_time(PATIENT_OVERLAP, "patient"),
        ]
        indexes = [
            models.Index(fields=["course", "starts_at"]),
            models.Index(fields=["clinician", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
            # The calendar's week or day (`ends_at > start`): this week's visits and the few
            # booked after it, not every visit the clinic ever had.
            models.Index(fields=["clinic", "ends_at"]),
            # The reminder scan's question: which future appointments changed since booking.
            models.Index(
                fields=["starts_at"], condition=Q(sequence__gt=0), name="appointment_changed_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    def save(self, *args, **kwargs):
        self.refuse_changing_a_completed_visit()
        self.refuse_booking_again()
        self.copy_from_course()
        self.changed_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if not self._state.adding:
            changing = [f for f in VERSIONED_FIELDS if update_fields is None or f in update_fields]
            bump = version_bump({f: getattr(self, f) for f in changing})
            if bump is not None:
                self.sequence = bump  # the saved value comes back (RETURNING)
            if update_fields is not None:
                extra = ["changed_at"] + (["sequence"] if bump is not None else [])
                kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)

    def refuse_changing_a_completed_visit(self):
        if getattr(self, "_loaded", {}).get("status") != AppointmentStatus.COMPLETED:
            return
        changed = [name for name in self.remembered if self.loaded_differs(name)]
        if changed:
            words = "This visit took place and its record is signed: it cannot change now."
            raise ValidationError(dict.fromkeys((n.removesuffix("_id") for n in changed), words))

    def refuse_booking_again(self):
        """A cancelled or missed visit is not made live again by hand (the admin, a shell): that
        would skip the booking service's checks and the patient would not be told."""
        was = getattr(self, "_loaded", {}).get("status")
        if was in ENDED_STATUSES and self.status in LIVE_STATUSES:
            raise ValidationError(
                {
                    "status": f"This visit was {ENDED_WORDS[was]}: book a new one instead, so "
                    "the booking's checks run and the patient is told."
                }
            )

    def copy_from_course(self):
        """The clinic and patient are the course's: kept here for the database's constraints."""
        if self.course_id:
            self.clinic_id = self.course.clinic_id
            self.patient_id = self.course.patient_id

    def clean_fields(self, exclude=None):
        self.copy_from_course()
        super().clean_fields(exclude)

    def delete(self, *args, **kwargs):
        raise AppointmentDeletionError("Appointments are cancelled or marked no-show, not deleted.")

    @property
    def is_live(self):
        return self.status in LIVE_STATUSES

    @property
    def status_tone(self):
        return STATUS_TONE[self.status]

    def clean(self):
        self.refuse_moving()
        self.refuse_changing_a_completed_visit()
        self.refuse_booking_again()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must be after the start."})
        if not self.course_id:
            return
        if self.clinician_id and self.clinician.clinic_id != self.course.clinic_id:
            raise ValidationError({"clinician": "The clinician works at another clinic."})
        refusal = self.horizon_refusal() or self.hours_refusal()
        if refusal:
            raise ValidationError({"starts_at": refusal})
        refusal = self.clinician_refusal()
        if refusal:
            raise ValidationError({"clinician": refusal})
        refusal = self.resource_refusal()
        if refusal:
            raise ValidationError({"resource": refusal})
        if self.starts_at and self.ends_at and self.is_live:
            errors = self.clashes()
            if errors:
                raise ValidationError(errors)

    def horizon_refusal(self):
        """A start being chosen is at most the clinic's booking horizon ahead; a visit already
        on record keeps its start whatever the horizon became since."""
        chosen = self._state.adding or self.loaded_differs("starts_at")
        if not (self.starts_at and chosen):
            return None
        clinic = self.course.clinic
        days = clinic.booking_horizon_days
        limit = timezone.now() + datetime.timedelta(days=days)
        if self.starts_at <= limit:
            return None
        return (
            f"Visits are booked at most {days} days ahead, until "
            f"{timezone.localdate(limit, clinic.tz):%-d %b %Y}: check the year."
        )

    def hours_refusal(self):
        """A time being chosen falls within the clinic's hours and not on a closed day; a
        visit already on record keeps its time whatever the hours became since."""
        chosen = self._state.adding or any(map(self.loaded_differs, ("starts_at", "ends_at")))
        if not (self.starts_at and self.ends_at and chosen):
            return None
        clinic = self.course.clinic
        return hours_of(clinic).refusal(self.starts_at, self.ends_at, clinic.tz)

    def clinician_refusal(self):
        """A visit is booked with a clinician who works here now; a past visit keeps whoever
        saw the patient, even after they left."""
        chosen = self._state.adding or self.loaded_differs("clinician_id")
        if not (self.clinician_id and chosen):
            return None
        if not self.clinician.is_clinician:
            role = self.clinician.get_role_display().lower()
            return f"{self.clinician} is a {role}, not a clinician: choose who sees the patient."
        if not self.clinician.active:
            return f"{self.clinician} no longer works here (marked inactive under Providers)."
        return None

    def clashes(self):
        """Field → message for each live appointment this one would overlap."""
        others = (
            Appointment.objects.live()
            .overlapping(self.starts_at, self.ends_at)
            .select_related("clinic")
        )
        if self.pk:
            others = others.exclude(pk=self.pk)
        errors = {}
        for field, advice in HELD_BY_ONE_AT_A_TIME:
            held_id = getattr(self, f"{field}_id")
            clash = held_id and others.filter(**{f"{field}_id": held_id}).first()
            if clash:
                errors[field] = f"{getattr(self, field)} is already booked {clash.when()}. {advice}"
        clash = others.filter(patient_id=self.course.patient_id).first()
        if clash:
            errors["starts_at"] = (
                f"{self.course.patient.display_name} already has an appointment {clash.when()} "
                f"({clash.get_kind_display().lower()}). A patient cannot be in two places at "
                "once: choose another time."
            )
        return errors

    def resource_refusal(self):
        """Why this appointment cannot hold its resource, in words, or None.

        A resource of the course's clinic, in use, of a kind this appointment may hold: a
        dosing session needs a dosing room or chair, never a therapy room or telehealth.
        """
        if not self.resource_id:
            return None
        held = (
            not self.resource.active
            and self.pk is not None
            and Appointment.objects.filter(pk=self.pk, resource_id=self.resource_id).exists()
        )
        return self.resource.refusal_for(self.kind, self.course.clinic_id, held=held)

    def when(self):
        """“on Tue 3 Mar, 10:00–12:30” in the clinic's own time zone."""
        tz = self.clinic.tz if self.clinic_id else timezone.get_current_timezone()
        return time_in_words(self.starts_at, self.ends_at, tz)
