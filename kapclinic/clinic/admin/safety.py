"""Safety flags, emergency access, the suicide-risk workflow and the audit trail: read here."""

from django.contrib import admin

from kapclinic.audit.models import AccessEvent

from ..access import provider_for
from ..models import EmergencyAccess, FollowUpTask, RiskReview, SafetyFlag, SafetyPlan
from .base import ClinicHistoryAdmin, ClinicScopedAdmin, ReadOnlyAdminMixin


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


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    """Clinic admins review who broke the glass on their patients, and why. Read-only."""

    clinic_lookup = "patient__clinic_id"
    # "Clinic told at" empty: the notice has not gone yet (docs/operations.md).
    list_display = ["granted_at", "user", "patient", "expires_at", "clinic_told_at"]
    list_select_related = ["user", "patient"]
    readonly_fields = ["user", "patient", "reason", "granted_at", "expires_at", "clinic_told_at"]


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


# --- The audit trail: registered by the clinic, which knows whose clinic a reader is. ---


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only view of the trail; clinic admins see their own clinic's patients only.

    Rows with no patient (a refused staff page, a server job) belong to no clinic, so only a
    superuser sees them.
    """

    list_display = ["at", "actor_label", "action", "patient", "what", "ip_address"]
    list_filter = ["action", "at"]
    search_fields = [
        "actor_label",
        "actor__first_name",
        "actor__last_name",
        "patient__legal_name",
        "patient__preferred_name",
        "patient__email",
        "what",
    ]
    search_help_text = "Patient name or email, staff name or email, or what was opened."
    date_hierarchy = "at"
    list_select_related = ["patient"]
    # The trail grows by a row per page view: skip counting all of it on every page.
    show_full_result_count = False
    readonly_fields = [field.name for field in AccessEvent._meta.fields]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        provider = provider_for(request.user)
        return qs.for_clinic(provider.clinic_id) if provider else qs.none()
