"""Clinic admins enter their clinic's REMS certification; enrolments and forms are read here."""

from django.contrib import admin

from kapclinic.clinic.admin import ClinicScopedAdmin, ReadOnlyAdminMixin

from .models import Certification, Enrolment, MonitoringForm


@admin.register(Certification)
class CertificationAdmin(ClinicScopedAdmin):
    list_display = ("number", "clinic", "authorised_representative", "certified_on", "active")
    list_filter = ("active",)
    fields = ("clinic", "number", "authorised_representative", "certified_on", "active", "ended_on")

    def has_delete_permission(self, request, obj=None):
        return False  # a lapsed certification is ended, so past sessions keep their record


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    list_display = ("enrolment_id", "patient", "enrolled_on", "prescriber", "prescriber_signed_at")


@admin.register(MonitoringForm)
class MonitoringFormAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    list_display = ("patient", "session_on", "submitted_on", "submitted_recorded_by")
    list_filter = ("submitted_on",)
