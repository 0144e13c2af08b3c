"""The calendar in the admin: read-only, one clinic's rows. Slots and requests are made and
answered on the calendar's own pages, through its services."""

from django.contrib import admin

from kapclinic.clinic.admin import ClinicScopedAdmin, ReadOnlyAdminMixin

from .models import AppointmentRequest, OpenSlot


@admin.register(OpenSlot)
class OpenSlotAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    list_display = ["starts_at", "ends_at", "kind", "clinician", "active", "clinic"]
    list_filter = ["active", "kind", "clinic"]
    list_select_related = ["clinic", "clinician__user"]


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    list_display = ["created_at", "patient", "kind", "starts_at", "status", "clinic"]
    list_filter = ["status", "kind", "clinic"]
    list_select_related = ["patient", "clinic"]
