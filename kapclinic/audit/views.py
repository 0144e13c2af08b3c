"""The patient's view of the trail: which staff opened their record, and when."""

from django.views.generic import ListView

from kapclinic.clinic.models import EmergencyAccess
from kapclinic.clinic.views import PatientRequiredMixin

from .models import AccessEvent
from .plain import StaffAccess


class WhoViewedMyRecordView(PatientRequiredMixin, ListView):
    template_name = "audit/who_viewed.html"
    paginate_by = 25

    def get_queryset(self):
        return AccessEvent.objects.staff_access_to(self.patient)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(patient=self.patient, **kwargs)
        # Every emergency access to this patient, in one query: a handful in a lifetime.
        grants = list(EmergencyAccess.objects.filter(patient=self.patient).order_by("-granted_at"))
        context["accesses"] = [
            StaffAccess.of(event, self.patient, grants) for event in context["object_list"]
        ]
        return context
