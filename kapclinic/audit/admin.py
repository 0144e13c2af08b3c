from django.contrib import admin

from kapclinic.clinic.access import provider_for

from .models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
