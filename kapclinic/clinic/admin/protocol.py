"""Protocols per route and product: versions, activation and the medical director's sign-off."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from ..models import Product, Protocol, Route
from ..models.reference_protocols import REFERENCE_VALUES
from .base import ClinicHistoryAdmin


@admin.register(Protocol)
class ProtocolAdmin(ClinicHistoryAdmin):
    """Protocols per route and product: which version is in force, and who signed it off.

    A change to any clinical value makes a new version that is not in force until the
    medical director signs it off again. New protocols start from the reference values.
    """

    list_display = [
        "name",
        "clinic",
        "route",
        "product",
        "version",
        "in_force",
        "is_default",
        "active",
        "signed_off_by",
        "signed_off_on",
    ]
    list_filter = ["route", "product", "active", "clinic"]
    list_select_related = ["clinic", "signed_off_by__user"]
    # The sign-off is the director's own signature, made on their page with their password
    # (protocol_signing.sign_off): the admin shows who signed and when, and never sets it.
    readonly_fields = ["version", "signed_off_by", "signed_off_on", "where_to_sign"]
    actions = ["new_draft_from_reference_values"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "clinic",
                    "name",
                    ("route", "product"),
                    "is_default",
                    "active",
                    "version",
                    ("signed_off_by", "signed_off_on"),
                    "where_to_sign",
                )
            },
        ),
        (
            "Hard ceilings",
            {
                "description": "A single dose above these is refused outright: no reason "
                "or override passes them. The per-kg ceiling applies to mg/kg routes.",
                "fields": (("ceiling_mg", "ceiling_mg_per_kg"),),
            },
        ),
        (
            "Intake screening cut-offs",
            {
                "fields": (
                    "auditc_positive_female",
                    "auditc_positive_male",
                    "pcl5_provisional_cutoff",
                    "gad7_further_evaluation",
                    "phq9_further_evaluation",
                )
            },
        ),
        (
            "Treatment plan defaults",
            {
                "fields": (
                    "planned_dosing_sessions",
                    "dose_unit",
                    "dose_min_mg",
                    "dose_max_mg",
                    "integration_cadence",
                )
            },
        ),
        (
            "The course over months: re-evaluation and maintenance",
            {"fields": ("maintenance_sessions", "reevaluate_every_months")},
        ),
        (
            "Pre-dose holds",
            {
                "description": "Dosing waits while a baseline reading is beyond these, "
                "unless a prescriber overrides with a written reason.",
                "fields": (
                    ("hold_systolic_above", "hold_diastolic_above"),
                    ("hold_heart_rate_above", "hold_spo2_below"),
                    ("fasting_food_minutes", "fasting_liquid_minutes"),
                    "session_opens_minutes_before",
                ),
            },
        ),
        (
            "Monitoring and alerts during the session",
            {
                "fields": (
                    "monitoring_minutes",
                    ("alert_systolic_above", "alert_diastolic_above"),
                    ("alert_heart_rate_above", "alert_spo2_below"),
                    "alert_moaas_at_or_below",
                )
            },
        ),
        (
            "Boosters (further doses in a session)",
            {
                "description": "Every dose after the first passes the pre-dose checks again, "
                "judged by the latest reading against the limits chosen here, with no "
                "unacknowledged alert or open safety flag. No reason or override passes the "
                "interval, the number of doses or the session maximum (reference §3).",
                "fields": (
                    "booster_limits",
                    ("min_minutes_between_doses", "max_doses_per_session"),
                    "max_session_total",
                ),
            },
        ),
        (
            "Discharge",
            {"fields": ("minimum_observation_minutes", "discharge_aldrete_minimum")},
        ),
        (
            "Follow-up questionnaires and outcomes",
            {
                "description": "Which questionnaires are requested when, and the rules "
                "that judge change over a course (reference §1.2–§1.4 and §5).",
                "fields": (
                    "measure_schedule",
                    ("pre_dose_lead_hours", "measure_window_days"),
                    "outcome_rules",
                ),
            },
        ),
    )

    @admin.display(boolean=True, description="In force")
    def in_force(self, obj):
        return obj.is_in_force

    @admin.display(description="Sign-off")
    def where_to_sign(self, obj):
        if obj is None or obj.pk is None:
            return "Save first; then the medical director signs this version on their page."
        if obj.is_in_force:
            # Editing in place lapses the sign-off at once (Protocol.save): say so beforehand.
            return (
                f"Signed off by the medical director and in force. Saving a change to any "
                f"clinical value below makes version {obj.version + 1}, out of force at once: "
                "no dosing by this route until the medical director signs it."
            )
        if obj.signed_off_by_id:
            return "Signed off by the medical director."
        url = reverse("clinic:sign-protocol", args=[obj.pk])
        return format_html(
            "The medical director signs version {} themself, signed in, with their password, "
            'at <a href="{}">{}</a>.',
            obj.version,
            url,
            url,
        )

    def get_changeform_initial_data(self, request):
        """A new protocol starts from the reference values of ?route=…&product=…."""
        initial = super().get_changeform_initial_data(request)
        route = initial.get("route", Route.SUBLINGUAL)
        product = initial.get("product", Product.RACEMIC_KETAMINE)
        if (route, product) in REFERENCE_VALUES:
            reference = Protocol.from_reference(None, route, product)
            for field in Protocol._meta.concrete_fields:
                if field.editable and field.name not in ("id", "clinic", *self.readonly_fields):
                    initial.setdefault(field.name, getattr(reference, field.attname))
        return initial

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.is_in_force:
            messages.warning(
                request,
                f"“{obj.name}” version {obj.version} is not in force: it needs to be active "
                "and signed off by the clinic's medical director on their page, with their "
                "password (the link is beside “Sign-off”).",
            )

    @admin.action(description="New draft from the reference values (same route and product)")
    def new_draft_from_reference_values(self, request, queryset):
        """An inactive, unsigned copy of the reference values to edit, activate and sign."""
        for protocol in queryset:
            draft = Protocol.from_reference(protocol.clinic, protocol.route, protocol.product)
            draft.name = f"{draft.name} (draft from reference values)"
            draft.save()
            messages.info(request, f"Created “{draft.name}”: edit it, then activate and sign.")
