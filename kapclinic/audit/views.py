"""The patient's view of the trail: which staff opened their record, and when."""

from django.views.generic import ListView

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
        context["accesses"] = [StaffAccess.of(event) for event in context["object_list"]]
        return context
