"""Clinical thresholds as data: each clinic's protocol, edited by its admin.

A protocol is in force only once the clinic's medical director has signed it off, with a
date; a change to its values makes a new version that needs a new sign-off. There is no
fallback: reference values (docs/kap-clinical-reference.md) are only the starting values
an admin copies into a new protocol. One active protocol per route and product.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from kapclinic.clinic.record_fields import count_between, optional_link
from kapclinic.clinic.record_rules import both_or_neither
from kapclinic.clinic.statements import compiled

from .follow_up import default_measure_schedule, default_outcome_rules
from .people import Clinic, Provider
from .protocol_choices import BoosterLimits, DoseUnit, Product, Route
from .protocol_rules import check_protocol


def default_monitoring_minutes():
    """Baseline, +15, +40 (the expected blood-pressure peak) and +60 min: reference §4.2."""
    return [0, 15, 40, 60]


class ProtocolQuerySet(models.QuerySet):
    def in_force(self, clinic, on=None):
        """The clinic's active protocols signed off by its medical director on or before `on`,
        by default the clinic's today (not the server's)."""
        return self.filter(
            clinic=clinic,
            active=True,
            signed_off_by__isnull=False,
            signed_off_on__isnull=False,
            signed_off_on__lte=on or clinic.today(),
        )

    def effective_for(self, clinic):
        """The clinic's default protocol in force (screening, plan defaults), or None.

        None means the clinic has no signed-off protocol: callers say so, never guess. Its SQL
        is built once per process (47 columns cost ~1 ms to compile on every page); the row is
        read each time.
        """
        found = compiled("protocol in force", [clinic.pk, clinic.today()], _effective)
        return found[0] if found else None

    def for_route(self, clinic, route, product):
        """The protocol in force for this route and product at the clinic, or None."""
        return self.in_force(clinic).filter(route=route, product=product).first()


def _effective(clinic_id, on):
    return Protocol.objects.in_force(Clinic(pk=clinic_id), on).order_by("-is_default", "pk")[:1]


# Who signs, and the bookkeeping of versions: not clinical values, so no new version.
NOT_CLINICAL = frozenset(
    {"id", "clinic", "name", "is_default", "active", "version", "signed_off_by", "signed_off_on"}
)


def vital_limit(default, help_text):
    return models.PositiveSmallIntegerField(
        default=default, validators=[MaxValueValidator(300)], help_text=help_text
    )


def score(default, maximum, help_text):
    return models.PositiveSmallIntegerField(
        default=default, validators=[MaxValueValidator(maximum)], help_text=help_text
    )


class Protocol(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="protocols")
    name = models.CharField(max_length=120)
    route = models.CharField(max_length=20, choices=Route.choices, default=Route.SUBLINGUAL)
    product = models.CharField(
        max_length=20, choices=Product.choices, default=Product.RACEMIC_KETAMINE
    )
    is_default = models.BooleanField(
        default=False, help_text="Used for intake screening and as the starting treatment plan."
    )
    active = models.BooleanField(
        default=True, help_text="One active protocol per route and product."
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Goes up by one whenever a clinical value changes."
    )
    signed_off_by = optional_link(
        Provider,
        related_name="signed_protocols",
        limit_choices_to={"is_medical_director": True},
        help_text="The clinic's medical director. Not in force until signed off.",
    )
    signed_off_on = models.DateField(
        null=True, blank=True, help_text="The day the medical director approved this version."
    )

    # Intake screening cut-offs.
    # domain reference §1.6: AUDIT-C positive ≥3 women, ≥4 men
    auditc_positive_female = score(3, 12, "AUDIT-C total at or above which women screen positive.")
    auditc_positive_male = score(4, 12, "AUDIT-C total at or above which men screen positive.")
    # domain reference §1.4: provisional PTSD cut-off 31–33
    pcl5_provisional_cutoff = score(33, 80, "PCL-5 total suggesting probable PTSD.")
    # domain reference §1.2 and §1.3: ≥10 → further evaluation
    gad7_further_evaluation = score(10, 21, "GAD-7 total that calls for further evaluation.")
    phq9_further_evaluation = score(10, 27, "PHQ-9 total that calls for further evaluation.")

    # Treatment plan defaults. domain reference §3 (dosing) and §5 (cadence).
    planned_dosing_sessions = count_between(1, 50, default=6)
    dose_min_mg = models.DecimalField(
        max_digits=7, decimal_places=2, default=100, validators=[MinValueValidator(0)]
    )
    dose_max_mg = models.DecimalField(
        max_digits=7, decimal_places=2, default=400, validators=[MinValueValidator(0)]
    )
    integration_cadence = models.CharField(
        max_length=200,
        default="One integration session within a few days after each dosing session",
    )

    # The course over months. domain reference §3 ("evaluate benefit at end of induction";
    # individualised maintenance) and §5 (maintenance every 1–2 months): after the plan's
    # sessions a re-evaluation is due; in maintenance also every so many months.
    maintenance_sessions = count_between(
        1,
        24,
        3,
        "maintenance sessions between re-evaluations",
        "The plan's sessions when a re-evaluation continues to maintenance; "
        "a re-evaluation is due again after them.",
    )
    reevaluate_every_months = count_between(
        1,
        24,
        3,
        "re-evaluate in maintenance every (months)",
        "In maintenance, a re-evaluation is due this many months after the last, "
        "even if sessions remain.",
    )

    # Dosing. domain reference §3: sublingual 100–400 mg fixed; IV 0.5 mg/kg (0.1–0.75).
    dose_unit = models.CharField(
        max_length=8,
        choices=DoseUnit.choices,
        default=DoseUnit.MG,
        help_text="The unit of the dose range: mg/kg for IV and IM, mg for the others.",
    )

    # Hard ceilings: refused outright, no reason or override passes them (see
    # reference_protocols.REFERENCE_VALUES).
    ceiling_mg = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=500,
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text="No single dose above this many mg is ever recorded.",
    )
    ceiling_mg_per_kg = models.DecimalField(
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="For mg/kg routes (IV, IM): no single dose above this many mg per kg.",
    )

    # Pre-dose holds (reference §4.1): dosing waits, or a prescriber overrides with a reason.
    hold_systolic_above = vital_limit(140, "Hold dosing when baseline systolic is above (mmHg).")
    hold_diastolic_above = vital_limit(90, "Hold dosing when baseline diastolic is above (mmHg).")
    hold_heart_rate_above = vital_limit(110, "Hold dosing when baseline heart rate is above.")
    hold_spo2_below = vital_limit(94, "Hold dosing when baseline SpO2 is below (%).")

    # In-session alert limits (reference §4.1: intervene at about 180/100 or HR > 110).
    alert_systolic_above = vital_limit(180, "Alert when systolic rises above (mmHg).")
    alert_diastolic_above = vital_limit(100, "Alert when diastolic rises above (mmHg).")
    alert_heart_rate_above = vital_limit(110, "Alert when heart rate rises above (/min).")
    alert_spo2_below = vital_limit(92, "Alert when SpO2 falls below (%).")
    alert_moaas_at_or_below = score(3, 5, "Alert when sedation (MOAA/S) is at or below.")

    # Monitoring, fasting and discharge (reference §4.1, §4.2, §4.5).
    monitoring_minutes = models.JSONField(
        default=default_monitoring_minutes,
        help_text="Minutes after the dose when vitals are due, e.g. [0, 15, 40, 60].",
    )
    minimum_observation_minutes = models.PositiveSmallIntegerField(
        default=120, help_text="Minimum time from the first dose before discharge."
    )
    fasting_food_minutes = models.PositiveSmallIntegerField(
        default=120, help_text="No food for this long before the dose."
    )
    fasting_liquid_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="No drinks for this long before the dose."
    )
    discharge_aldrete_minimum = score(9, 10, "Modified Aldrete total needed for discharge.")
    session_opens_minutes_before = models.PositiveSmallIntegerField(
        default=60,
        validators=[MaxValueValidator(24 * 60)],
        help_text=(
            "A dosing session can be opened from this many minutes before the appointment "
            "starts, not earlier."
        ),
    )

    # Boosters: every further dose in a session passes the gate again, as things stand then.
    booster_limits = models.CharField(
        "limits for a booster's latest reading",
        max_length=12,
        choices=BoosterLimits.choices,
        default=BoosterLimits.HOLDS,
        help_text="The latest reading must be within these before a booster (a dose after "
        "the first); a prescriber may override the holds with a reason.",
    )
    # domain reference §3 gives no booster interval for racemic ketamine (drug effect ~45 min;
    # Spravato waits 5 min between devices): 20 min is a starting value to sign off.
    min_minutes_between_doses = models.PositiveSmallIntegerField(
        "minimum minutes between doses",
        default=20,
        validators=[MaxValueValidator(240)],
        help_text="Minimum minutes between two doses in one session.",
    )
    # domain reference §3 (Journey Clinical): two half-doses plus an optional booster.
    max_doses_per_session = count_between(
        1,
        10,
        3,
        "most doses in a session",
        "Most administrations (first dose and boosters) in one session.",
    )
    # domain reference §3: sublingual/buccal usual range 100–400 mg a session.
    max_session_total = models.DecimalField(
        "session maximum",
        max_digits=7,
        decimal_places=2,
        default=400,
        validators=[MinValueValidator(0)],
        help_text="Most a session's doses may add up to, in the dose unit (mg or mg/kg). "
        "Unlike the dose range, no reason or override passes it.",
    )

    # Measurement-based care (reference §5) and the change rules of outcomes (§1.2–§1.4).
    measure_schedule = models.JSONField(
        default=default_measure_schedule,
        help_text=(
            "Questionnaires to request: before_each_dose, end_of_course and after_course "
            "(with weeks), each with a list of instruments."
        ),
    )
    measure_window_days = count_between(
        1,
        60,
        7,
        help_text="Days the patient has to answer a follow-up questionnaire before it is "
        "overdue; it stays open as long again before it expires.",
    )
    pre_dose_lead_hours = count_between(
        1, 336, 72, help_text="Hours before a dosing session that its questionnaires open."
    )
    outcome_rules = models.JSONField(
        default=default_outcome_rules,
        help_text=(
            "Per instrument: reliable_change (points), remission_below, and response_drop_percent "
            "or response_drop_points."
        ),
    )

    objects = ProtocolQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic"],
                condition=Q(is_default=True),
                name="protocol_one_default_per_clinic",
            ),
            models.CheckConstraint(
                condition=Q(dose_max_mg__gte=F("dose_min_mg")),
                name="protocol_dose_range_ordered",
            ),
            models.UniqueConstraint(
                fields=["clinic", "route", "product"],
                condition=Q(active=True),
                name="protocol_one_active_per_route_and_product",
            ),
            models.CheckConstraint(
                condition=~Q(dose_unit=DoseUnit.MG_PER_KG) | Q(ceiling_mg_per_kg__isnull=False),
                name="protocol_weight_based_has_ceiling_per_kg",
            ),
            both_or_neither("protocol_sign_off_has_who_and_when", "signed_off_by", "signed_off_on"),
            models.CheckConstraint(
                condition=Q(max_session_total__gte=F("dose_max_mg")),
                name="protocol_session_maximum_covers_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_route_display()}) v{self.version}"

    def save(self, *args, signing=False, **kwargs):
        """A change to any clinical value is a new version, and lapses the sign-off.

        Only the director's signature writes a signer (`protocol_signing.sign_off`, which
        passes `signing`): a signer or date set by hand (admin, shell) is refused.
        """
        stored = type(self).objects.filter(pk=self.pk).first() if self.pk else None
        signer = (stored.signed_off_by_id, stored.signed_off_on) if stored else (None, None)
        if (
            not signing
            and self.signed_off_by_id
            and ((self.signed_off_by_id, self.signed_off_on) != signer)
        ):
            raise ValidationError(
                {
                    "signed_off_by": "The medical director signs it themself, signed in, "
                    "with their password: a sign-off cannot be written in for them."
                }
            )
        if stored is not None and self._clinical_values() != stored._clinical_values():
            self.version = stored.version + 1
            if (self.signed_off_by_id, self.signed_off_on) == signer:
                self.signed_off_by, self.signed_off_on = None, None
            if kwargs.get("update_fields") is not None:
                extra = {"version", "signed_off_by", "signed_off_on"}
                kwargs["update_fields"] = set(kwargs["update_fields"]) | extra
        super().save(*args, **kwargs)

    @classmethod
    def from_reference(cls, clinic, route=Route.SUBLINGUAL, product=Product.RACEMIC_KETAMINE):
        """An unsaved, unsigned protocol holding the reference values: a starting point."""
        from .reference_protocols import REFERENCE_VALUES

        values = REFERENCE_VALUES.get((route, product))
        if values is None:
            raise ValidationError(f"No reference values for {product} by the {route} route.")
        return cls(clinic=clinic, route=route, product=product, active=False, **values)

    @property
    def is_in_force(self):
        return bool(
            self.active
            and self.signed_off_by_id
            and self.signed_off_on
            and self.signed_off_on <= self.clinic.today()
        )

    @property
    def weight_based(self):
        return self.dose_unit == DoseUnit.MG_PER_KG

    def _clinical_values(self):
        return {
            f.attname: getattr(self, f.attname)
            for f in self._meta.concrete_fields
            if f.name not in NOT_CLINICAL
        }

    def clean(self):
        """The values hang together and the sign-off is the director's (protocol_rules)."""
        check_protocol(self)

    @property
    def schedule(self):
        """Minutes after the dose when vitals are due, in order."""
        return sorted(set(self.monitoring_minutes or []))

    @property
    def intake_thresholds(self):
        """The cut-offs the contraindication screen reads, by name."""
        return {
            "auditc_positive_female": self.auditc_positive_female,
            "auditc_positive_male": self.auditc_positive_male,
            "pcl5_provisional_cutoff": self.pcl5_provisional_cutoff,
            "gad7_further_evaluation": self.gad7_further_evaluation,
            "phq9_further_evaluation": self.phq9_further_evaluation,
        }

    @property
    def clinical_thresholds(self):
        """Per instrument, the total at or above which a baseline is clinically significant.

        Response and remission are judged only from such a baseline (integration.outcome_rules):
        a PHQ-9 of 8 that falls to 3 is no remission, it was never depression (reference
        §1.2, §1.3: ≥10; §1.4: the provisional PTSD cut-off). The intake cut-offs serve, so
        one signed-off value decides both.
        """
        return {
            "phq9": self.phq9_further_evaluation,
            "gad7": self.gad7_further_evaluation,
            "pcl5": self.pcl5_provisional_cutoff,
        }
