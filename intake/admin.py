"""Admin for phase 1: clinic admins edit consent texts; clinical records are read-only."""

from django.contrib import admin

from kapclinic.clinic.admin import ClinicHistoryAdmin, ClinicScopedAdmin, ReadOnlyAdminMixin

from .models import ConsentDocument, ConsentSignature, Invitation, SuitabilityDecision


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(ClinicScopedAdmin):
    list_display = ["title", "version", "clinic", "is_current", "published_at"]
    list_filter = ["clinic", "is_current"]

    def get_readonly_fields(self, request, obj=None):
        # Once a patient has signed a version its text is evidence: publish a new version.
        if obj is not None and obj.signatures.exists():
            return ["clinic", "title", "version", "body", "published_at"]
        return []


class ReadOnlyClinicalAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    clinic_lookup = "course__clinic_id"


@admin.register(ConsentSignature)
class ConsentSignatureAdmin(ReadOnlyClinicalAdmin):
    list_display = ["signed_name", "document", "signed_at", "ip_address"]
    list_select_related = ["document"]


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
