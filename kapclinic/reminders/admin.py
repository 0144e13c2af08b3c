"""The reminder log in the admin: what was sent, when, and what failed. Read-only."""

from django.contrib import admin

from kapclinic.clinic.admin import ClinicScopedAdmin, ReadOnlyAdminMixin

from .models import Reminder, ReminderPreference


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    list_display = [
        "pk",
        "kind",
        "status",
        "due_at",
        "sent_at",
        "attempts",
        "possible_duplicate",
        "reason",
        "last_error_short",
    ]
    list_filter = ["status", "kind", "possible_duplicate", "channel", "clinic"]
    date_hierarchy = "due_at"
    search_fields = ["=pk", "=subject_id"]
    ordering = ["-due_at", "-pk"]
    list_select_related = ["clinic"]
    show_full_result_count = False  # the log grows large; counting it all is slow

    @admin.display(description="last error")
    def last_error_short(self, obj):
        return (obj.last_error or "")[:80]


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(ClinicScopedAdmin):
    clinic_lookup = "patient__clinic_id"
    list_display = [
        "patient",
        "appointment_reminders",
        "intake_reminders",
        "measure_reminders",
        "invitation_reminders",
        "quiet_start",
        "quiet_end",
    ]
    autocomplete_fields = []
    raw_id_fields = ["patient"]
