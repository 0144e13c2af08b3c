from django.contrib import messages
from django.urls import reverse_lazy
from django.views.generic import UpdateView

from kapclinic.clinic.mixins import PatientRequiredMixin

from .forms import ReminderPreferenceForm
from .models import ReminderPreference


class PreferencesView(PatientRequiredMixin, UpdateView):
    """The signed-in patient's own reminder choices; nobody else's can be reached here."""

    form_class = ReminderPreferenceForm
    template_name = "reminders/preferences.html"
    success_url = reverse_lazy("reminders:preferences")

    def get_object(self, queryset=None):
        return ReminderPreference.objects.get_or_create(patient=self.patient)[0]

    def form_valid(self, form):
        messages.success(self.request, "Your reminder choices are saved.")
        return super().form_valid(form)
