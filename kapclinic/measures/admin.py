"""Read-only admin for questionnaire responses: answers change only through the patient's form."""

from django.contrib import admin

from kapclinic.clinic.admin import ClinicHistoryAdmin, ReadOnlyAdminMixin

from .models import QuestionnaireResponse


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(ReadOnlyAdminMixin, ClinicHistoryAdmin):
    clinic_lookup = "course__clinic_id"
    list_display = ["course", "instrument", "purpose", "status", "total", "band", "completed_at"]
    list_filter = ["instrument", "purpose", "status", "completed_at"]
    search_fields = ["course__patient__legal_name", "course__patient__email"]
    list_select_related = ["course__patient"]
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
