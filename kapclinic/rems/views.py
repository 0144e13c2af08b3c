"""The REMS pages: the clinic's certification and forms, a patient's enrolment, one form.

Thin: rows come through `visible_to` (staff of the clinic only; patients never), each read is
audit-logged, and every write is one call into `services.py`.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.form_views import refusals_shown_on
from kapclinic.clinic.mixins import StaffRequiredMixin
from kapclinic.clinic.models import Patient, Role

from . import services
from .forms import EnrolmentForm, SubmittedForm
from .models import Enrolment, MonitoringForm, RemsRecordError

# Submitted forms shown on the overview; older ones are in the admin.
RECENTLY_SUBMITTED = 20


def _viewed(user, what, patient_id=None):
    AccessEvent.record(actor=user, action=AccessEvent.Action.VIEW, what=what, patient_id=patient_id)


def _today(user):
    provider = provider_for(user)
    return provider.clinic.today() if provider else timezone.localdate()


class RemsOverviewView(StaffRequiredMixin, View):
    """Certification, forms waiting (overdue first), recent submissions and enrolments."""

    def get(self, request):
        today = _today(request.user)
        provider = provider_for(request.user)
        forms = MonitoringForm.objects.visible_to(request.user).select_related("patient")
        waiting = list(forms.waiting().order_by("session_on", "pk"))
        certification = None
        if provider is not None:
            certification = services.certification_for(provider.clinic, today)
        _viewed(request.user, "Spravato REMS page (forms and enrolments)")
        return render(
            request,
            "rems/overview.html",
            {
                "today": today,
                "clinic": provider.clinic if provider else None,
                "certification": certification,
                "overdue": [form for form in waiting if form.is_overdue(today)],
                "waiting": [form for form in waiting if not form.is_overdue(today)],
                "submitted": forms.filter(submitted_on__isnull=False)[:RECENTLY_SUBMITTED],
                "enrolments": Enrolment.objects.visible_to(request.user).select_related(
                    "patient", "prescriber"
                ),
            },
        )


class RecordFormView(StaffRequiredMixin, View):
    """A REMS page about one row with one form: opening it is audit-logged; a valid form goes
    to `save`, whose refusal shows on the form, and success comes back to the page."""

    form_class = None
    done = ""  # the success message
    url_name = ""  # the page, to come back to after saving

    def get_record(self, request, pk):
        raise NotImplementedError

    def viewing(self, record):
        """What the trail says was read, and the patient's id."""
        raise NotImplementedError

    def save(self, record, form):
        raise NotImplementedError

    def render(self, request, record, form, status=200):
        raise NotImplementedError

    def get(self, request, pk):
        record = self.get_record(request, pk)
        _viewed(request.user, *self.viewing(record))
        return self.render(request, record, self.form_class())

    def post(self, request, pk):
        record = self.get_record(request, pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            with refusals_shown_on(form, RemsRecordError):
                self.save(record, form)
                messages.success(request, self.done)
                return redirect(self.url_name, pk=record.pk)
        return self.render(request, record, form, status=422)


class EnrolmentView(RecordFormView):
    """A patient's REMS enrolment: shown once recorded, else the form a prescriber signs."""

    form_class = EnrolmentForm
    done = "REMS enrolment recorded and signed."
    url_name = "rems:enrolment"

    def get_record(self, request, pk):
        return get_object_or_404(
            Patient.objects.visible_to(request.user).select_related("clinic"), pk=pk
        )

    def viewing(self, patient):
        return "REMS enrolment", patient.pk

    def save(self, patient, form):
        services.record_enrolment(patient, self.request.user, **form.cleaned_data)

    def render(self, request, patient, form, status=200):
        enrolment = Enrolment.objects.filter(patient=patient).select_related("prescriber").first()
        provider = provider_for(request.user)
        return render(
            request,
            "rems/enrolment.html",
            {
                "patient": patient,
                "enrolment": enrolment,
                "form": form,
                "may_sign": provider is not None and provider.role == Role.PRESCRIBER,
            },
            status=status,
        )


class MonitoringFormView(RecordFormView):
    """One Patient Monitoring Form: what it holds, the PDF, and the day it was submitted."""

    form_class = SubmittedForm
    done = "Submission recorded."
    url_name = "rems:monitoring-form"

    def get_record(self, request, pk):
        forms = MonitoringForm.objects.visible_to(request.user).select_related(
            "patient", "clinic", "submitted_recorded_by"
        )
        return get_object_or_404(forms, pk=pk)

    def viewing(self, record):
        return f"REMS monitoring form {record.pk}", record.patient_id

    def save(self, record, form):
        services.mark_submitted(record, self.request.user, form.cleaned_data["submitted_on"])

    def render(self, request, record, form, status=200):
        today = record.clinic.today()
        return render(
            request,
            "rems/monitoring_form.html",
            {
                "record": record,
                "fields": record.fields,
                "overdue": record.is_overdue(today),
                "form": form,
            },
            status=status,
        )
