"""Admin for phase 3: clinic admins edit journal prompts and risk wording; records are read-only.

Journal entries are not registered at all: a private entry never leaves the patient's view,
and the care team reads shared entries in the clinical pages.
"""

from django.contrib import admin

from kapclinic.clinic.admin import (
    ClinicHistoryAdmin,
    ClinicScopedAdmin,
    ReadOnlyClinicalAdmin,
    ReadOnlyInline,
)

from .models import (
    CourseClosure,
    IntegrationNote,
    JournalPrompt,
    MeasureRequest,
    NoteAddendum,
    RiskTerm,
)


@admin.register(JournalPrompt)
class JournalPromptAdmin(ClinicScopedAdmin):
    list_display = ["text", "clinic", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["clinic", "active"]
    search_fields = ["text"]


@admin.register(RiskTerm)
class RiskTermAdmin(ClinicScopedAdmin):
    list_display = ["phrase", "clinic", "active"]
    list_editable = ["active"]
    list_filter = ["clinic", "active"]
    search_fields = ["phrase"]


class NoteAddendumInline(ReadOnlyInline):
    model = NoteAddendum
    fields = ["written_at", "author", "text"]
    readonly_fields = fields


@admin.register(IntegrationNote)
class IntegrationNoteAdmin(ReadOnlyClinicalAdmin, ClinicHistoryAdmin):
    list_display = ["appointment", "course", "status", "written_by", "signed_at"]
    list_filter = ["status"]
    list_select_related = ["appointment", "course__patient", "written_by"]
    search_fields = ["course__patient__legal_name"]
    inlines = [NoteAddendumInline]


@admin.register(MeasureRequest)
class MeasureRequestAdmin(ReadOnlyClinicalAdmin):
    list_display = ["course", "instrument", "label", "due_at", "status"]
    list_filter = ["status", "instrument", "purpose"]
    list_select_related = ["course__patient"]
    date_hierarchy = "due_at"
    # Answers the patient has not sent are theirs alone: never shown as answers to staff.
    exclude = ["draft_answers"]


@admin.register(CourseClosure)
class CourseClosureAdmin(ReadOnlyClinicalAdmin):
    list_display = ["course", "outcome", "effective_on", "recorded_by"]
    list_filter = ["outcome"]
    list_select_related = ["course__patient", "recorded_by"]
