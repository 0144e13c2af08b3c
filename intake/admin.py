"""Admin for phase 1: clinic admins publish consent versions; clinical records are read-only."""

from django.contrib import admin

from kapclinic.clinic.access import provider_for
from kapclinic.clinic.admin import ClinicHistoryAdmin, ClinicScopedAdmin, ReadOnlyClinicalAdmin

from .models import (
    ConsentDocument,
    ConsentSignature,
    ConsentWithdrawal,
    Invitation,
    PlanRevision,
    PlanVersion,
    SuitabilityDecision,
)


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(ClinicScopedAdmin):
    """Clinic admins publish versions; a published version is read-only (publish a new one).

    Patients signed exactly the text on file, so the admin offers no change or delete.
    """

    list_display = [
        "title",
        "kind",
        "version",
        "effective_from",
        "resign_required",
        "required_before_dosing",
        "published_at",
        "clinic",
    ]
    list_filter = ["kind", "clinic"]
    fields = [
        "clinic",
        "kind",
        "title",
        "version",
        "effective_from",
        "resign_required",
        "required_before_dosing",
        "summary_of_changes",
        "body",
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.fields, "published_at", "published_by"] if obj is not None else []

    def get_fields(self, request, obj=None):
        return [*self.fields, "published_at", "published_by"] if obj is not None else self.fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        """A new version takes effect, unless the admin says otherwise, on the clinic's today."""
        initial = super().get_changeform_initial_data(request)
        provider = provider_for(request.user)
        if provider is not None:
            initial.setdefault("effective_from", provider.clinic.today())
        return initial

    def save_model(self, request, obj, form, change):
        obj.published_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ConsentSignature)
class ConsentSignatureAdmin(ReadOnlyClinicalAdmin):
    list_display = ["signed_name", "document", "signed_at", "ip_address"]
    list_select_related = ["document"]


@admin.register(ConsentWithdrawal)
class ConsentWithdrawalAdmin(ReadOnlyClinicalAdmin):
    clinic_lookup = "signature__course__clinic_id"
    list_display = ["signature", "withdrawn_at", "reason"]
    list_select_related = ["signature__document"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyClinicalAdmin):
    list_display = ["course", "created_at", "expires_at", "used_at", "replaced_at"]
    exclude = ["token_hash"]
    list_select_related = ["course__patient"]


@admin.register(SuitabilityDecision)
class SuitabilityDecisionAdmin(ReadOnlyClinicalAdmin, ClinicHistoryAdmin):
    list_display = ["course", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome"]
    list_select_related = ["course__patient", "decided_by"]


@admin.register(PlanRevision)
class PlanRevisionAdmin(ReadOnlyClinicalAdmin):
    """Signed revisions of treatment plans, read-only: a plan changes by a new revision, signed
    by a prescriber on the plan page, never by an edit here."""

    clinic_lookup = "plan__course__clinic_id"
    list_display = ["plan", "version", "dose_min_mg", "dose_max_mg", "signed_by", "signed_at"]
    # Read as it was signed: which plan and version, its terms, then why and by whom.
    fields = [
        "plan",
        "version",
        *(field.name for field in PlanVersion._meta.fields),
        "reason",
        "signed_by",
        "signed_at",
    ]
    list_select_related = ["plan__course__patient", "signed_by"]
