"""The calendar's models: each clinician's calendar feed (feed_models.py); open slots the clinic
publishes and the patients' requests for them (issue 21).

A request is not an appointment: nothing is on the calendar until staff accept it (or the
patient accepts the time staff proposed), and then the phase's own booking service books it.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, F, Func, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone

from kapclinic.clinic.access import PatientRecordQuerySet
from kapclinic.clinic.clinic_rows import ClinicRowQuerySet
from kapclinic.clinic.models import Appointment, Clinic, ClosedDay, OpeningHours, Patient, Provider
from kapclinic.clinic.models.opening_hours import ClinicHours
from kapclinic.clinic.models.scheduling import LIVE_STATUSES, time_in_words
from kapclinic.clinic.record_fields import course_link, optional_link

from .feed_models import CalendarFeed, CalendarFeedQuerySet  # noqa: F401

NOTE_MAX_LENGTH = 1000


class SlotKind(models.TextChoices):
    """What a slot may be asked for; integration sessions first (reference §5 cadence)."""

    INTEGRATION = "integration", "Integration session"


def _clinic_time(field):
    """The wall-clock time at the clinic of an aware moment (PostgreSQL's timezone())."""
    return Func(
        F("clinic__time_zone"),
        F(field),
        function="timezone",
        output_field=models.DateTimeField(),
    )


class OpenSlotQuerySet(ClinicRowQuerySet):
    """Staff see their clinic's slots, a patient their own clinic's, a superuser all."""

    patients_see_their_clinic = True

    def upcoming(self, now=None):
        return self.filter(active=True, starts_at__gt=now or timezone.now())

    def free(self):
        """No live appointment for the slot's clinician at that time, and nobody holds it.

        A slot is held by a request waiting for the clinic, or by the appointment an accepted
        request booked (which also covers a slot published without a clinician).
        """
        clash = Appointment.objects.live().filter(
            clinician_id=OuterRef("clinician_id"),
            starts_at__lt=OuterRef("ends_at"),
            ends_at__gt=OuterRef("starts_at"),
        )
        held = AppointmentRequest.objects.filter(slot_id=OuterRef("pk")).filter(
            Q(status=RequestStatus.REQUESTED)
            | Q(status=RequestStatus.ACCEPTED, booked__status__in=LIVE_STATUSES)
        )
        return self.exclude(Exists(clash)).exclude(Exists(held))

    def within_hours(self):
        """Within the clinic's opening hours and not on a closed day, as they are now: a slot
        published before the hours changed is no longer offered outside them."""
        if connection.vendor != "postgresql":
            return self._within_hours_judged_by_row()
        slots = self.alias(
            start_day=Cast(_clinic_time("starts_at"), models.DateField()),
            end_day=Cast(_clinic_time("ends_at"), models.DateField()),
            start_time=Cast(_clinic_time("starts_at"), models.TimeField()),
            end_time=Cast(_clinic_time("ends_at"), models.TimeField()),
        )
        hours = OpeningHours.objects.filter(clinic_id=OuterRef("clinic_id"))
        open_then = hours.filter(
            weekday=Func(
                OuterRef("start_day"),
                template="EXTRACT(ISODOW FROM %(expressions)s) - 1",
                output_field=models.IntegerField(),
            ),
            opens__lte=OuterRef("start_time"),
            closes__gte=OuterRef("end_time"),
        )
        closed = ClosedDay.objects.filter(
            clinic_id=OuterRef("clinic_id"), date=OuterRef("start_day")
        )
        on_one_day = Q(end_day=F("start_day"))
        return slots.exclude(Exists(closed)).filter(
            ~Exists(hours) | (Exists(open_then) & on_one_day)
        )

    def _within_hours_judged_by_row(self):
        """SQLite (the demo) has no time zones in SQL: each slot is judged by the booking
        rule itself (ClinicHours.refusal), the clinic's hours read once per clinic."""
        hours, kept = {}, []
        rows = self.values_list("pk", "clinic_id", "clinic__time_zone", "starts_at", "ends_at")
        for pk, clinic_id, time_zone, starts_at, ends_at in rows:
            if clinic_id not in hours:
                hours[clinic_id] = ClinicHours.read(clinic_id)
            if hours[clinic_id].refusal(starts_at, ends_at, ZoneInfo(time_zone)) is None:
                kept.append(pk)
        return self.filter(pk__in=kept)

    def offered(self, clinic_id, kind=SlotKind.INTEGRATION, now=None):
        """What a patient of this clinic may choose from: published, future, free and within
        the clinic's hours."""
        return (
            self.filter(clinic_id=clinic_id, kind=kind)
            .upcoming(now)
            .free()
            .within_hours()
            .select_related("clinician__user")
            .order_by("starts_at", "pk")
        )


class OpenSlot(models.Model):
    """A time the clinic offers patients to ask for; unpublishing keeps the row."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    clinician = optional_link(Provider, related_name="+")
    kind = models.CharField(max_length=20, choices=SlotKind.choices, default=SlotKind.INTEGRATION)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OpenSlotQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="open_slot_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "active", "starts_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} slot {self.when()}"

    def when(self):
        return time_in_words(self.starts_at, self.ends_at, self.clinic.tz)


class RequestKind(models.TextChoices):
    INTEGRATION = "integration", "A time for an integration session"
    RESCHEDULE = "reschedule", "A new time for an appointment"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for the clinic"
    PROPOSED = "proposed", "Another time offered"
    ACCEPTED = "accepted", "Booked"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


# Waiting for someone: the clinic (requested) or the patient (proposed). One per course.
OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.PROPOSED)

STATUS_TONE = {
    RequestStatus.REQUESTED: "info",
    RequestStatus.PROPOSED: "warning",
    RequestStatus.ACCEPTED: "success",
    RequestStatus.DECLINED: "neutral",
    RequestStatus.WITHDRAWN: "neutral",
    RequestStatus.EXPIRED: "neutral",
}


class AppointmentRequestQuerySet(PatientRecordQuerySet):
    """Staff see their clinic's requests, a patient their own, a superuser all."""

    patient_path, clinic_field = "patient__", "clinic_id"

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class AppointmentRequest(models.Model):
    """A patient's request for a time; an appointment only once accepted (`booked`)."""

    Kind = RequestKind
    Status = RequestStatus

    course = course_link("appointment_requests")
    # Copied from the course, so scoped reads need no join.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    # The appointment the patient asks to move (a reschedule only).
    appointment = optional_link(Appointment, related_name="+")
    slot = optional_link(OpenSlot, related_name="requests")
    # The time asked for (the slot's, copied: a slot unpublished later leaves it readable).
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    clinician = optional_link(Provider, related_name="+")
    note = models.TextField("Note for the clinic", max_length=NOTE_MAX_LENGTH, blank=True)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    # What staff said (a decline's reason, a proposal's words); shown to the patient signed in.
    response = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True)
    proposed_starts_at = models.DateTimeField(null=True, blank=True)
    proposed_ends_at = models.DateTimeField(null=True, blank=True)
    proposed_clinician = optional_link(Provider, related_name="+")
    booked = optional_link(Appointment, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_by = optional_link(settings.AUTH_USER_MODEL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_by = optional_link(settings.AUTH_USER_MODEL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Issue 21: at most one request waiting per course (for the clinic or the patient).
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(status__in=["requested", "proposed"]),
                name="appointment_request_one_open_per_course",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_request_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(kind="reschedule") | Q(appointment__isnull=False),
                name="appointment_request_reschedule_names_appointment",
            ),
            models.CheckConstraint(
                condition=~Q(status="proposed")
                | Q(proposed_starts_at__isnull=False, proposed_ends_at__isnull=False),
                name="appointment_request_proposal_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(booked__isnull=False),
                name="appointment_request_accepted_is_booked",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status", "starts_at"])]

    def __str__(self):
        return f"Appointment request {self.pk} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self.course_id:
            self.clinic_id = self.course.clinic_id
            self.patient_id = self.course.patient_id
        super().save(*args, **kwargs)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def status_tone(self):
        return STATUS_TONE[self.status]

    def when(self):
        return time_in_words(self.starts_at, self.ends_at, self.clinic.tz)

    def proposed_when(self):
        if self.proposed_starts_at is None:
            return ""
        return time_in_words(self.proposed_starts_at, self.proposed_ends_at, self.clinic.tz)
