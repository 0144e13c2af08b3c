"""Django admin for clinic admins: each sees and edits their own clinic only."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from kapclinic.audit.admin_trail import AuditedAdminMixin

from .access import provider_for
from .models import (
    Appointment,
    Clinic,
    Diagnosis,
    EmergencyAccess,
    FollowUpTask,
    Patient,
    Product,
    Protocol,
    Provider,
    RiskReview,
    Route,
    SafetyFlag,
    SafetyPlan,
    TreatmentCourse,
    User,
)
from .models.reference_protocols import REFERENCE_VALUES


def admin_clinic_id(request):
    """The clinic a non-superuser admin is limited to (None for a superuser)."""
    if request.user.is_superuser:
        return None
    provider = provider_for(request.user)
    return provider.clinic_id if provider else -1


class ReadOnlyAdminMixin:
    """Records the admin may read but never add, change or delete (clinical and audit rows)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClinicScopedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Limit rows, and the clinics offered in forms, to the admin's own clinic.

    Views and changes of a patient's records are written to the audit trail (the mixin).
    """

    clinic_lookup = "clinic_id"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        clinic_id = admin_clinic_id(request)
        return qs if clinic_id is None else qs.filter(**{self.clinic_lookup: clinic_id})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        clinic_id = admin_clinic_id(request)
        if clinic_id is not None:
            model = db_field.related_model
            if model is Clinic:
                kwargs["queryset"] = Clinic.objects.filter(pk=clinic_id)
            elif model in (Patient, Provider):
                kwargs["queryset"] = model.objects.filter(clinic_id=clinic_id)
            elif model is TreatmentCourse:
                kwargs["queryset"] = TreatmentCourse.objects.filter(clinic_id=clinic_id)
            elif model is User:
                kwargs["queryset"] = User.objects.filter(is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        clinic_id = admin_clinic_id(request)
        if clinic_id is not None and db_field.related_model is Provider:
            kwargs["queryset"] = Provider.objects.filter(clinic_id=clinic_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ClinicHistoryAdmin(ClinicScopedAdmin, SimpleHistoryAdmin):
    """The admin's History page: who changed what, before and after, for own-clinic rows only.

    django-simple-history finds a version by primary key alone (and falls back to the history
    of a row it cannot see), so both history pages first check the row is in this admin's
    clinic. Versions are for reading: reverting would bypass the services' clinical rules.
    """

    def _check_in_clinic(self, request, object_id):
        if admin_clinic_id(request) is None:
            return  # a superuser may also read the history of a row since deleted
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_clinic(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("Past versions are read-only.")
        self._check_in_clinic(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        clinic_id = admin_clinic_id(request)
        if clinic_id is None:
            return qs
        # A clinic admin manages the logins of their own clinic's staff and patients.
        return qs.filter(is_superuser=False).filter(users_of_clinic(clinic_id))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "is_staff", "groups"]
        return fields


def users_of_clinic(clinic_id):
    """Logins of the clinic's staff and patients, plus new ones not yet given a role."""
    return (
        Q(provider__clinic_id=clinic_id)
        | Q(patient__clinic_id=clinic_id)
        | Q(provider__isnull=True, patient__isnull=True)
    )


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    clinic_lookup = "pk"
    list_display = ["name", "time_zone", "phone", "email"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Provider)
class ProviderAdmin(ClinicScopedAdmin):
    list_display = ["__str__", "role", "clinic", "licence_number", "is_medical_director", "active"]
    list_filter = ["role", "active", "clinic"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "licence_number"]
    list_select_related = ["user", "clinic"]
    autocomplete_fields = ["user"]


@admin.register(Patient)
class PatientAdmin(ClinicHistoryAdmin):
    list_display = ["legal_name", "preferred_name", "email", "date_of_birth", "clinic"]
    list_filter = ["clinic", "created_at"]
    search_fields = ["legal_name", "preferred_name", "email", "phone"]
    list_select_related = ["clinic"]
    raw_id_fields = ["user"]


@admin.register(TreatmentCourse)
class TreatmentCourseAdmin(ClinicHistoryAdmin):
    """Courses move only through their journey transitions, so the stage is read-only here."""

    list_display = ["patient", "indication", "state", "state_changed_at", "clinic"]
    list_filter = ["state", "indication", "clinic"]
    search_fields = ["patient__legal_name", "patient__email"]
    list_select_related = ["patient", "clinic"]
    readonly_fields = ["state", "state_changed_at", "closed_reason"]
    filter_horizontal = ["care_team"]
    raw_id_fields = ["patient"]


@admin.register(Appointment)
class AppointmentAdmin(ClinicScopedAdmin):
    clinic_lookup = "course__clinic_id"
    list_display = ["starts_at", "kind", "course", "clinician", "room", "status"]
    list_filter = ["kind", "status", "starts_at"]
    search_fields = ["course__patient__legal_name", "room"]
    date_hierarchy = "starts_at"
    list_select_related = ["course__patient", "clinician__user"]
    raw_id_fields = ["course"]

    def has_delete_permission(self, request, obj=None):
        return False  # cancel or mark no-show instead


@admin.register(SafetyFlag)
class SafetyFlagAdmin(ClinicHistoryAdmin):
    clinic_lookup = "course__clinic_id"
    list_display = ["raised_at", "urgency", "source", "course", "resolved_at"]
    list_filter = ["urgency", "resolved_at"]
    list_select_related = ["course__patient"]
    readonly_fields = [f.name for f in SafetyFlag._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    readonly_fields = ["version"]
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

    def get_changeform_initial_data(self, request):
        """A new protocol starts from the reference values of ?route=…&product=…."""
        initial = super().get_changeform_initial_data(request)
        route = initial.get("route", Route.SUBLINGUAL)
        product = initial.get("product", Product.RACEMIC_KETAMINE)
        if (route, product) in REFERENCE_VALUES:
            reference = Protocol.from_reference(None, route, product)
            for field in Protocol._meta.concrete_fields:
                if field.editable and field.name not in ("id", "clinic", "signed_off_by"):
                    initial.setdefault(field.name, getattr(reference, field.attname))
        return initial

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.is_in_force:
            messages.warning(
                request,
                f"“{obj.name}” version {obj.version} is not in force: it needs to be active "
                "and signed off by the clinic's medical director, with the date.",
            )

    @admin.action(description="New draft from the reference values (same route and product)")
    def new_draft_from_reference_values(self, request, queryset):
        """An inactive, unsigned copy of the reference values to edit, activate and sign."""
        for protocol in queryset:
            draft = Protocol.from_reference(protocol.clinic, protocol.route, protocol.product)
            draft.name = f"{draft.name} (draft from reference values)"
            draft.save()
            messages.info(request, f"Created “{draft.name}”: edit it, then activate and sign.")


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    """Clinic admins review who broke the glass on their patients, and why. Read-only."""

    clinic_lookup = "patient__clinic_id"
    list_display = ["granted_at", "user", "patient", "expires_at"]
    list_select_related = ["user", "patient"]
    readonly_fields = ["user", "patient", "reason", "granted_at", "expires_at"]


# --- The suicide-risk workflow: read-only here; every write goes through clinic/risk.py. ---


@admin.register(RiskReview)
class RiskReviewAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    clinic_lookup = "course__clinic_id"
    list_display = ["reviewed_at", "course", "risk_level", "decision", "needs_psychiatric_review"]
    list_filter = ["risk_level", "decision"]
    list_select_related = ["course__patient"]
    readonly_fields = [f.name for f in RiskReview._meta.fields if f.name != "id"]


@admin.register(SafetyPlan)
class SafetyPlanAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    clinic_lookup = "patient__clinic_id"
    list_display = ["patient", "version", "written_at", "written_by"]
    list_select_related = ["patient", "written_by"]
    readonly_fields = [f.name for f in SafetyPlan._meta.fields if f.name != "id"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    clinic_lookup = "course__clinic_id"
    list_display = ["due_at", "description", "owner", "closed_at"]
    list_filter = ["closed_at"]
    list_select_related = ["owner__user"]
    readonly_fields = [f.name for f in FollowUpTask._meta.fields if f.name != "id"]


@admin.register(Diagnosis)
class DiagnosisAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    """Read-only: diagnoses are added and marked entered in error on the course's page."""

    clinic_lookup = "course__clinic_id"
    list_display = ["code", "description", "primary", "course", "added_at", "entered_in_error_at"]
    list_select_related = ["course__patient"]
