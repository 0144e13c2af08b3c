"""Admin for phase 3: clinic admins edit journal prompts and risk wording; records are read-only.

Journal entries are not registered at all: a private entry never leaves the patient's view,
and the care team reads shared entries in the clinical pages.
"""

import dataclasses

from django.contrib import admin
from simple_history.template_utils import HistoricalRecordContextHelper

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
from .models.notes import NOTE_FIELDS


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


class ChangesWithoutNoteContent(HistoricalRecordContextHelper):
    """The History page says who changed a note and when (its status), never its content."""

    def context_for_delta_changes(self, delta):
        changes = [change for change in delta.changes if change.field not in NOTE_FIELDS]
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=changes))


class NoteAddendumInline(ReadOnlyInline):
    """That a note was added to, by whom and when; its text stays on the clinical pages."""

    model = NoteAddendum
    fields = ["written_at", "author"]
    readonly_fields = fields


@admin.register(IntegrationNote)
class IntegrationNoteAdmin(ReadOnlyClinicalAdmin, ClinicHistoryAdmin):
    """Who wrote and signed a note and when, never what it says (NOTE_FIELDS): that is for
    the care team on the clinical pages; the admin (clinic admins, the operator) has no
    clinical need for it (HIPAA minimum necessary)."""

    exclude = NOTE_FIELDS

    def get_historical_record_context_helper(self, request, historical_record):
        return ChangesWithoutNoteContent(self.model, historical_record)

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
