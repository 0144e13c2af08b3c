from django.contrib import admin

from kapclinic.clinic.access import provider_for

from .models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only view of the trail; clinic admins see their own clinic's patients only."""

    list_display = ["at", "actor_label", "action", "patient", "what", "ip_address"]
    list_filter = ["action", "at"]
    search_fields = ["actor_label", "what", "patient__legal_name"]
    date_hierarchy = "at"
    list_select_related = ["patient"]

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
