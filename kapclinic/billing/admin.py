"""Clinic admins set their clinic's fees here; fee lines are read-only (staff record them from
the patient's billing page, through the services)."""

from django.contrib import admin

from kapclinic.clinic.admin import ClinicScopedAdmin, ReadOnlyAdminMixin

from .models import FeeLine, FeeScheduleItem


@admin.register(FeeScheduleItem)
class FeeScheduleItemAdmin(ClinicScopedAdmin):
    list_display = ["code", "system", "description", "fee", "is_drug", "active", "clinic"]
    list_filter = ["active", "is_drug", "clinic"]
    search_fields = ["code", "description"]


@admin.register(FeeLine)
class FeeLineAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    list_display = ["service_date", "code", "amount", "paid_on", "patient", "clinic"]
    list_filter = ["clinic"]
    list_select_related = ["patient", "clinic"]
