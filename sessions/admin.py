"""Admin for phase 2: clinic admins may look; dosing records are written only by the services."""

from django.contrib import admin

from kapclinic.clinic.admin import (
    ClinicHistoryAdmin,
    ReadOnlyAdminMixin,
    ReadOnlyClinicalAdmin,
    ReadOnlyInline,
    admin_clinic_id,
)

from .models import (
    Addendum,
    Administration,
    AdverseEvent,
    CheckIn,
    Discharge,
    DosingSession,
    GateOverride,
    IdentityCheck,
    Observation,
    SessionAlert,
    VitalSigns,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, ClinicHistoryAdmin):
    """A clinical record is evidence: no adding, changing or deleting from the admin.

    Its History page shows every change the services made, by whom, before and after.
    """

    clinic_lookup = "session__course__clinic_id"
    # Each row names its session, and so the patient: fetched in the list's one query.
    list_select_related = ["session__course__patient"]


class IncludingEnteredInError:
    """The admin lists every row, entries marked entered in error included (`entries`),
    where the default manager would leave them out."""

    def get_queryset(self, request):
        qs = self.model.entries.get_queryset()
        ordering = self.get_ordering(request)
        if ordering:
            qs = qs.order_by(*ordering)
        lookup, clinic_id = getattr(self, "clinic_lookup", None), admin_clinic_id(request)
        return qs if lookup is None or clinic_id is None else qs.filter(**{lookup: clinic_id})


class AdministrationInline(IncludingEnteredInError, ReadOnlyInline):
    model = Administration
    fields = [
        "given_at",
        "product",
        "route",
        "amount_mg",
        "weight_kg",
        "lot_number",
        "given_by",
        "entered_in_error_reason",
    ]


class VitalSignsInline(IncludingEnteredInError, ReadOnlyInline):
    model = VitalSigns
    fields = [
        "taken_at",
        "systolic",
        "diastolic",
        "heart_rate",
        "spo2",
        "recorded_by",
        "entered_in_error_reason",
    ]


class ObservationInline(IncludingEnteredInError, ReadOnlyInline):
    model = Observation
    fields = [
        "observed_at",
        "moaas",
        "dissociation",
        "therapist_present",
        "recorded_by",
        "entered_in_error_reason",
    ]


class AddendumInline(ReadOnlyInline):
    model = Addendum
    fields = ["written_at", "author", "text"]


@admin.register(DosingSession)
class DosingSessionAdmin(ReadOnlyAdmin):
    clinic_lookup = "course__clinic_id"
    list_display = ["started_at", "course", "status", "signed_by", "signed_at"]
    list_filter = ["status", "started_at"]
    search_fields = ["course__patient__legal_name"]
    date_hierarchy = "started_at"
    list_select_related = ["course__patient", "signed_by"]
    readonly_fields = ["protocol_snapshot"]
    inlines = [AdministrationInline, VitalSignsInline, ObservationInline, AddendumInline]


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    clinic_lookup = "appointment__course__clinic_id"
    list_display = ["appointment", "completed_at", "possibly_pregnant"]
    list_select_related = ["appointment"]


@admin.register(Administration)
class AdministrationAdmin(IncludingEnteredInError, ReadOnlyAdmin):
    list_display = [
        "given_at",
        "session",
        "product",
        "route",
        "amount_mg",
        "lot_number",
        "entered_in_error_at",
    ]
    list_filter = ["product", "route"]
    search_fields = ["lot_number", "session__course__patient__legal_name"]


@admin.register(GateOverride)
class GateOverrideAdmin(ReadOnlyAdmin):
    list_display = ["at", "session", "by"]
    list_select_related = ["session__course__patient", "by"]


@admin.register(IdentityCheck)
class IdentityCheckAdmin(ReadOnlyClinicalAdmin):
    """Written once by sessions.identity.record_identity_check; the admin only reads it."""

    clinic_lookup = "session__course__clinic_id"
    list_display = ["recorded_at", "session", "consents_today", "recorded_by"]
    list_select_related = ["session__course__patient", "recorded_by"]


@admin.register(SessionAlert)
class SessionAlertAdmin(ReadOnlyAdmin):
    list_display = ["raised_at", "session", "message", "acknowledged_at"]


@admin.register(AdverseEvent)
class AdverseEventAdmin(IncludingEnteredInError, ReadOnlyAdmin):
    list_display = ["onset_at", "session", "kind", "severity", "serious", "entered_in_error_at"]
    list_filter = ["kind", "severity", "serious"]


@admin.register(Discharge)
class DischargeAdmin(ReadOnlyAdmin):
    list_display = ["discharged_at", "session", "discharged_by", "override_reason"]
    list_select_related = ["session__course__patient", "discharged_by"]


@admin.register(VitalSigns)
class VitalSignsAdmin(IncludingEnteredInError, ReadOnlyAdmin):
    list_display = ["taken_at", "session", "systolic", "diastolic", "spo2", "entered_in_error_at"]


@admin.register(Observation)
class ObservationAdmin(IncludingEnteredInError, ReadOnlyAdmin):
    list_display = ["observed_at", "session", "moaas", "dissociation", "entered_in_error_at"]


@admin.register(Addendum)
class AddendumAdmin(ReadOnlyAdmin):
    fields = ["session", "author", "written_at", "text"]
    list_display = ["written_at", "session", "author"]
    list_select_related = ["session__course__patient", "author"]
