"""Patients' requests about their record, for the operator to read: answered on the clinic's
own page (clinic:record-requests), never here."""

from django.contrib import admin

from ..models import RecordRequest
from .base import ClinicScopedAdmin, ReadOnlyAdminMixin


@admin.register(RecordRequest)
class RecordRequestAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    clinic_lookup = "patient__clinic_id"
    list_display = ["patient", "kind", "asked_at", "due_on", "answered_at", "outcome"]
    list_filter = ["kind", "outcome"]
