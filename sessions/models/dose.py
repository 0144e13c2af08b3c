"""Doses given in a session, and the prescriber's written overrides of the pre-dose gate."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.clinic.models import Product, Route
from kapclinic.clinic.record_fields import optional_link

from .entries import EnteredInError, entered_in_error_constraint, in_effect_manager
from .session import (
    WEIGHT_MAX_KG,
    WEIGHT_MIN_KG,
    DosingError,
    DosingSession,
    SessionRecord,
    SessionRecordQuerySet,
    StaffOnlyRecordQuerySet,
    weight_field,
)

User = settings.AUTH_USER_MODEL

# domain reference §3: Spravato delivers 28 mg per device (2 sprays); 56 or 84 mg a session.
SPRAVATO_MG_PER_DEVICE = 28
MAX_DEVICES_PER_ADMINISTRATION = 3
# domain reference §3: IV over 40 min (ASKP3: 40–60 min); longer than 4 h is a slip.
MAX_INFUSION_MINUTES = 240


def counted_for_route(route, field, most):
    """A dose by `route` states `field`, from 1 to `most` (minutes of infusion, devices)."""
    return models.CheckConstraint(
        condition=~Q(route=route)
        | Q(**{f"{field}__isnull": False, f"{field}__gte": 1, f"{field}__lte": most}),
        name=f"dose_{route}_has_{field}",
    )


class Administration(EnteredInError, SessionRecord):
    """One dose given. A booster is a further Administration in the same session.

    A dose recorded in error is marked so (sessions.dose_errors), never deleted: `objects`
    (and `session.administrations`) leave it out of every limit, total and check, `entries`
    keeps it for the record.
    """

    session = models.ForeignKey(
        DosingSession, on_delete=models.PROTECT, related_name="administrations"
    )
    product = models.CharField(max_length=20, choices=Product.choices)
    route = models.CharField(max_length=20, choices=Route.choices)
    amount_mg = models.DecimalField(
        max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    # domain reference §3: weight at the time of the dose, for mg/kg.
    weight_kg = weight_field()
    infusion_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INFUSION_MINUTES)],
        help_text="Infusion duration; required for IV (reference §3: usually 40 min).",
    )
    device_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DEVICES_PER_ADMINISTRATION)],
        help_text="Nasal spray devices used; required for intranasal.",
    )
    lot_number = models.CharField(max_length=60)
    lot_expiry = models.DateField()
    given_at = models.DateTimeField(default=timezone.now)
    given_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    witnessed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    outside_plan = models.TextField(
        blank=True,
        editable=False,
        help_text="How the dose departed from the plan in force (route, product, amount).",
    )
    out_of_range_reason = models.TextField(
        blank=True, help_text="The prescriber's reason for a dose outside the plan."
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Its entry in the controlled-substance register, where the clinic keeps one.
    stock_entry = optional_link(
        "stock.LedgerEntry", link=models.OneToOneField, editable=False, related_name="+"
    )
    # The dose form's one-time key: a double click, a retry or a second tab sending the same
    # form cannot record the same dose twice (unique per session, below).
    request_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = in_effect_manager(SessionRecordQuerySet)
    entries = SessionRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["given_at", "pk"]
        verbose_name = "dose"
        constraints = [
            entered_in_error_constraint("dose"),
            models.UniqueConstraint(
                fields=["session", "request_key"], name="dose_recorded_once_per_form"
            ),
            models.CheckConstraint(condition=Q(amount_mg__gt=0), name="dose_amount_positive"),
            models.CheckConstraint(
                condition=Q(weight_kg__gte=WEIGHT_MIN_KG, weight_kg__lte=WEIGHT_MAX_KG),
                name="dose_weight_plausible",
            ),
            models.CheckConstraint(
                condition=~Q(given_by=F("witnessed_by")), name="dose_witness_is_someone_else"
            ),
            counted_for_route(Route.IV, "infusion_minutes", MAX_INFUSION_MINUTES),
            counted_for_route(Route.INTRANASAL, "device_count", MAX_DEVICES_PER_ADMINISTRATION),
            # domain reference §3: esketamine is the intranasal Spravato device, 28 mg each.
            models.CheckConstraint(
                condition=~Q(product=Product.ESKETAMINE)
                | Q(
                    route=Route.INTRANASAL,
                    device_count__isnull=False,
                    amount_mg=F("device_count") * SPRAVATO_MG_PER_DEVICE,
                ),
                name="dose_esketamine_is_28mg_per_device",
            ),
            models.CheckConstraint(condition=~Q(lot_number=""), name="dose_has_lot_number"),
            models.CheckConstraint(
                condition=Q(outside_plan="") | ~Q(out_of_range_reason=""),
                name="dose_outside_plan_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["session", "given_at"])]

    def __str__(self):
        return f"{self.amount_mg} mg {self.get_product_display()} ({self.get_route_display()})"

    @property
    def mg_per_kg(self):
        """Dose per kg body weight, to 3 decimals (reference §3: IV 0.5 mg/kg)."""
        if not self.amount_mg or not self.weight_kg:
            return None
        return (Decimal(self.amount_mg) / Decimal(self.weight_kg)).quantize(
            Decimal("0.001"), rounding=ROUND_HALF_UP
        )

    def clean(self):
        errors = {}
        if self.route == Route.IV and not self.infusion_minutes:
            errors["infusion_minutes"] = "An IV dose needs the infusion duration in minutes."
        if self.route == Route.INTRANASAL and not self.device_count:
            errors["device_count"] = "An intranasal dose needs the number of devices used."
        if self.product == Product.ESKETAMINE:
            if self.route != Route.INTRANASAL:
                errors["route"] = "Esketamine (Spravato) is given intranasally."
            elif self.device_count and self.amount_mg != self.device_count * SPRAVATO_MG_PER_DEVICE:
                errors["amount_mg"] = (
                    f"{self.device_count} Spravato device(s) deliver "
                    f"{self.device_count * SPRAVATO_MG_PER_DEVICE} mg, not {self.amount_mg} mg."
                )
        if self.given_by_id and self.given_by_id == self.witnessed_by_id:
            errors["witnessed_by"] = "The witness must be someone other than who gave the dose."
        if self.lot_expiry and self.given_at and self.session_id:
            dose_day = timezone.localtime(self.given_at, self.session.course.clinic.tz).date()
            if self.lot_expiry < dose_day:
                errors["lot_expiry"] = (
                    f"Lot {self.lot_number} expired on {self.lot_expiry:%d %b %Y}, before the "
                    f"dose date ({dose_day:%d %b %Y}). Use an in-date lot."
                )
        if errors:
            raise ValidationError(errors)
        self.check_clinical_time("given_at")


class GateOverride(SessionRecord):
    """A prescriber's written decision to dose although pre-dose checks failed (reference §4.1)."""

    session = models.ForeignKey(DosingSession, on_delete=models.PROTECT, related_name="overrides")
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    # Each check with its reason and the values it accepted (sessions.gate.GateItem).
    failed_items = models.JSONField(
        help_text="The checks that were failing when the override was written, with reasons."
    )

    objects = StaffOnlyRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "pre-dose gate override"
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="gate_override_has_reason"),
        ]

    def __str__(self):
        return f"Override by {self.by} at {self.at:%H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DosingError("An override is written once; write a new one instead.")
        super().save(*args, **kwargs)

    @property
    def failed_keys(self):
        return {item["key"] for item in self.failed_items}

    def accepts(self, key, values):
        """Did this override accept check `key` failing with exactly these values? An
        override written before values were kept accepts nothing new."""
        return any(
            item["key"] == key and item.get("values") == values for item in self.failed_items
        )

    @property
    def accepted(self):
        """Each check it accepted with the words that said why it failed, for the screen and
        the session note."""
        return [
            {"label": item["label"], "reason": item.get("reason", "")} for item in self.failed_items
        ]
