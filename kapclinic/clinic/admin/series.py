"""Recurring series in the admin: read only (they are booked and cancelled on the calendar's
pages, through the booking services), one clinic's rows."""

from django.contrib import admin

from ..models import Appointment, AppointmentSeries
from .base import ClinicScopedAdmin, ReadOnlyAdminMixin, ReadOnlyInline


class SeriesAppointmentInline(ReadOnlyInline):
    model = Appointment
    fields = ["starts_at", "ends_at", "clinician", "resource", "status", "status_reason"]
    ordering = ["starts_at"]


@admin.register(AppointmentSeries)
class AppointmentSeriesAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    clinic_lookup = "course__clinic_id"
    list_display = ["course", "kind", "every_days", "count", "first_starts_at", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["course__patient", "created_by"]
    inlines = [SeriesAppointmentInline]
