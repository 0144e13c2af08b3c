"""The dosing session: one per dosing appointment, frozen with its record once signed."""

import dataclasses
from datetime import timedelta
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.clinic.access import patient_scope, provider_for
from kapclinic.clinic.models import Appointment, JourneyError, Protocol, Role
from kapclinic.clinic.models.people import CLINICIAN_ROLES
from kapclinic.clinic.record_fields import content_hash_field, course_link, optional_link
from kapclinic.clinic.records import (
    RecordKeptError,
    SignedRecord,
    SignedRecordError,
    SignedRecordQuerySet,
)

User = settings.AUTH_USER_MODEL


class DosingError(JourneyError):
    """A dosing workflow step was refused; the message is shown to the user as is."""


# Who does what in a dosing session, checked by kapclinic.clinic.mixins.require_staff.
PRESCRIBER = frozenset({Role.PRESCRIBER})
# Doses are given by a prescriber or a nurse; therapists support, they do not administer.
DOSING_ROLES = frozenset({Role.PRESCRIBER, Role.NURSE})
CLINICIANS = CLINICIAN_ROLES


# Adult body weight a scale can plausibly read; outside it is a typing slip (e.g. lb for kg).
WEIGHT_MIN_KG, WEIGHT_MAX_KG = Decimal(30), Decimal(300)


def plain(number):
    """A decimal as a clinician writes it: 400, 0.5, 70.5 (no trailing zeros)."""
    text = f"{Decimal(number).normalize():f}"
    return text


def weight_field(**kwargs):
    return models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(WEIGHT_MIN_KG), MaxValueValidator(WEIGHT_MAX_KG)],
        help_text="Body weight in kg (30–300).",
        **kwargs,
    )


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """The protocol values a session ran under, copied when it opened.

    An admin may edit the clinic's Protocol later; the session keeps what the clinicians
    saw on the day, so the record and its alerts never rewrite themselves.
    """

    protocol_name: str
    route: str
    product: str
    dose_unit: str
    dose_min: Decimal
    dose_max: Decimal
    hold_systolic_above: int
    hold_diastolic_above: int
    hold_heart_rate_above: int
    hold_spo2_below: int
    alert_systolic_above: int
    alert_diastolic_above: int
    alert_heart_rate_above: int
    alert_spo2_below: int
    alert_moaas_at_or_below: int
    monitoring_minutes: tuple
    minimum_observation_minutes: int
    fasting_food_minutes: int
    fasting_liquid_minutes: int
    discharge_aldrete_minimum: int
    # Sessions opened before protocols were versioned and had ceilings carry none of these.
    protocol_version: int | None = None
    ceiling_mg: Decimal | None = None
    ceiling_mg_per_kg: Decimal | None = None
    # Boosters (issue 14); a session opened before these existed reads the Protocol defaults.
    booster_limits: str = "holds"
    min_minutes_between_doses: int = 20
    max_doses_per_session: int = 3
    max_session_total: Decimal | None = None  # None: no maximum beyond the dose range

    @classmethod
    def snapshot(cls, protocol):
        """A JSON-ready copy of the protocol's dosing values."""
        data = {}
        for field in dataclasses.fields(cls):
            if field.name == "protocol_name":
                value = protocol.name
            elif field.name == "protocol_version":
                value = protocol.version
            elif field.name in ("dose_min", "dose_max"):
                value = str(getattr(protocol, f"{field.name}_mg"))
            elif field.name in ("ceiling_mg", "ceiling_mg_per_kg"):
                value = getattr(protocol, field.name)
                value = None if value is None else str(value)
            elif field.name == "max_session_total":
                value = str(protocol.max_session_total)
            elif field.name == "monitoring_minutes":
                value = list(protocol.schedule)
            else:
                value = getattr(protocol, field.name)
            data[field.name] = value
        return data

    @classmethod
    def from_snapshot(cls, data):
        values = dict(data)
        values["dose_min"] = Decimal(values["dose_min"])
        values["dose_max"] = Decimal(values["dose_max"])
        if values.get("max_session_total") is not None:
            values["max_session_total"] = Decimal(values["max_session_total"])
        values["monitoring_minutes"] = tuple(values["monitoring_minutes"])
        for name in ("ceiling_mg", "ceiling_mg_per_kg"):
            if values.get(name) is not None:
                values[name] = Decimal(values[name])
        return cls(**values)

    @property
    def dose_unit_label(self):
        return "mg/kg" if self.dose_unit == "mg/kg" else "mg"

    @property
    def dose_range_label(self):
        return f"{plain(self.dose_min)}–{plain(self.dose_max)} {self.dose_unit_label}"

    @property
    def session_maximum_label(self):
        """The most a session's doses may add up to, in words ("" where none applies): no
        reason or override passes it, so the screen names it beside the range."""
        if self.max_session_total is None:
            return ""
        return f"at most {plain(self.max_session_total)} {self.dose_unit_label} a session"


def scoped(queryset, user, prefix, *, staff_only=False):
    """Rows of patients this user may see; `staff_only` rows are clinical working notes."""
    if staff_only and not user.is_superuser and provider_for(user) is None:
        return queryset.none()
    scope = patient_scope(user, f"{prefix}patient__", clinic_field=f"{prefix}clinic_id")
    return queryset.none() if scope is None else queryset.filter(scope)


class DosingSessionQuerySet(SignedRecordQuerySet):
    def visible_to(self, user):
        """Staff see their clinic's sessions, a patient their own."""
        return scoped(self, user, "course__").select_related(
            "course__patient", "appointment", "signed_by"
        )


class DosingSession(SignedRecord):
    """A supervised dosing visit, from arrival through discharge to the prescriber's signature."""

    kept_message = "A dosing session is never deleted: it is kept with the record."

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISCHARGED = "discharged", "Discharged"
        SIGNED = "signed", "Signed"

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="dosing_session"
    )
    course = course_link("dosing_sessions")
    protocol = optional_link(
        Protocol,
        related_name="+",
        help_text="The protocol in force for the plan's route and product when it opened "
        "(empty only for sessions from before protocols were signed off).",
    )
    protocol_snapshot = models.JSONField(editable=False)
    plan_snapshot = models.JSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="The treatment plan version in force when the session opened.",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    weight_kg = weight_field(null=True, blank=True)
    companion_confirmed = models.BooleanField(
        default=False, help_text="A responsible adult will take the patient home (ref. §4.1)."
    )
    companion_confirmed_by = optional_link(User, related_name="+")
    signed_by = optional_link(User, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    content_hash = content_hash_field(
        "SHA-256 of the record as signed (sessions.integrity), to show it is unchanged."
    )

    objects = DosingSessionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="signed", signed_by__isnull=False, signed_at__isnull=False)
                | (~Q(status="signed") & Q(signed_by__isnull=True, signed_at__isnull=True)),
                name="dosing_session_signature_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True)
                | Q(weight_kg__gte=WEIGHT_MIN_KG, weight_kg__lte=WEIGHT_MAX_KG),
                name="dosing_session_weight_plausible",
            ),
            models.CheckConstraint(
                condition=Q(companion_confirmed=False) | Q(companion_confirmed_by__isnull=False),
                name="dosing_session_companion_confirmed_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["course", "started_at"])]

    def __str__(self):
        return f"Dosing session of {self.course.patient} on {self.appointment}"

    def clean(self):
        if self.appointment_id and self.appointment.kind != Appointment.Kind.DOSING:
            raise ValidationError({"appointment": "Only a dosing appointment has a session."})
        if self.appointment_id and self.course_id and self.appointment.course_id != self.course_id:
            raise ValidationError({"course": "The session belongs to the appointment's course."})

    def current_content_hash(self):
        """The session with every row of its record (sessions.integrity)."""
        from ..integrity import session_content_hash

        return session_content_hash(self)

    @cached_property
    def thresholds(self):
        return Thresholds.from_snapshot(self.protocol_snapshot)

    @cached_property
    def plan_terms(self):
        """The plan version this session runs under (None for sessions from before)."""
        from ..plan import PlanTerms

        return PlanTerms.from_snapshot(self.plan_snapshot) if self.plan_snapshot else None

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    @property
    def first_dose(self):
        return self.administrations.order_by("given_at", "pk").first()

    @property
    def first_dose_at(self):
        dose = self.first_dose
        return dose.given_at if dose else None


class SessionRecordQuerySet(models.QuerySet):
    """Bulk writes obey the same rule as save(): nothing of a signed session changes."""

    session_path = "session__"
    patient_path = "session__course__"
    staff_only = False

    def visible_to(self, user):
        return scoped(self, user, self.patient_path, staff_only=self.staff_only)

    def _touches_signed(self):
        return self.filter(**{f"{self.session_path}status": DosingSession.Status.SIGNED}).exists()

    def update(self, **kwargs):
        if self._touches_signed():
            raise SignedRecordError("Records of a signed dosing session cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self._touches_signed():
            raise SignedRecordError("Records of a signed dosing session cannot be deleted.")
        raise RecordKeptError(
            "Clinical records are never deleted: mark a wrong entry entered in error instead."
        )


class StaffOnlyRecordQuerySet(SessionRecordQuerySet):
    staff_only = True


class SessionRecord(models.Model):
    """A row of a session's record: it refuses save() and delete() once the session is signed."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._session_signed():
            raise SignedRecordError(
                f"The session is signed: this {self._meta.verbose_name} cannot change. "
                "Add an addendum instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._session_signed():
            raise SignedRecordError(
                f"The session is signed: this {self._meta.verbose_name} cannot be deleted."
            )
        raise RecordKeptError(
            f"A {self._meta.verbose_name} is never deleted: mark it entered in error instead."
        )

    def signed_session_filter(self):
        return {"pk": self.session_id}

    def _session_signed(self):
        return (
            DosingSession.objects.filter(**self.signed_session_filter())
            .filter(status=DosingSession.Status.SIGNED)
            .exists()
        )

    def check_clinical_time(self, field):
        """A clinical time lies between the session's start and now (reference §4.2 timing).

        Later than now (beyond the clock-skew allowance) would tick future monitoring slots
        and stretch the chart; before the start is a typing slip or the wrong day.
        """
        value = getattr(self, field)
        if not value:
            return
        session = getattr(self, "session", None) if self.session_id else None
        tz = session.course.clinic.tz if session is not None else None
        check_not_in_future(field, value, tz)
        if session is not None and value < session.started_at:
            started = timezone.localtime(session.started_at, tz)
            raise ValidationError(
                {field: f"This is before the session started ({started:%d %b %Y %H:%M})."}
            )


def latest_allowed_time(now=None):
    """Now, plus the clock skew a device may have (settings.KAP_CLOCK_SKEW_MINUTES)."""
    return (now or timezone.now()) + timedelta(minutes=settings.KAP_CLOCK_SKEW_MINUTES)


def check_not_in_future(field, value, tz=None):
    """Refuse a clinical time later than now, in words beside the field."""
    if value and value > latest_allowed_time():
        now = timezone.localtime(timezone.now(), tz)
        raise ValidationError(
            {
                field: f"This time is later than now ({now:%d %b %Y %H:%M}). "
                "Clinical times are recorded as they happen: check the date and time."
            }
        )
