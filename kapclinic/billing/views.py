"""Billing pages: staff record fees and payments from the chart; a patient downloads their
superbill. Every page checks whose record it is and writes the audit trail."""

import datetime
import io

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from kapclinic.audit.models import AccessEvent
from kapclinic.audit.trail import EXPORT, VIEW, audit
from kapclinic.clinic.mixins import PatientRequiredMixin, StaffRequiredMixin
from kapclinic.clinic.models import Diagnosis, Patient
from kapclinic.reports.kinds import signer_label
from kapclinic.reports.sandbox import RenderStopped

from . import services
from .forms import FeeLineForm, InErrorForm, PaidForm, RangeForm
from .models import FeeLine
from .pdf import filename, render_superbill


def default_range(clinic):
    today = timezone.localdate(timezone=clinic.tz)
    return today.replace(month=1, day=1), today


def staff_patient(request, pk, what):
    """The patient if this staff member may see them; else 404, the refusal audited."""
    patient = Patient.objects.visible_to(request.user).select_related("clinic").filter(pk=pk)
    patient = patient.first()
    if patient is None:
        if Patient.objects.filter(pk=pk).exists():
            AccessEvent.record(
                actor=request.user, action=AccessEvent.Action.DENIED, what=what, patient_id=pk
            )
        raise Http404("No such patient.")
    return patient


def superbill_response(request, patient, back):
    """The PDF for ?start=&end= (default: this year so far), audited as an export."""
    today = timezone.localdate(timezone=patient.clinic.tz)
    try:
        start, end = services.parse_range(request.GET.get("start"), request.GET.get("end"), today)
    except services.BillingError as error:
        messages.error(request, str(error))
        return redirect(back)
    bill = services.superbill(patient, start, end)
    try:
        pdf = render_superbill(bill, generated_by=signer_label(request.user))
    except RenderStopped:
        messages.error(request, "The superbill could not be produced just now; please try again.")
        return redirect(back)
    audit(request.user, patient, f"superbill {start:%Y-%m-%d} to {end:%Y-%m-%d} (download)", EXPORT)
    response = FileResponse(
        io.BytesIO(pdf), as_attachment=True, filename=filename(bill), content_type="application/pdf"
    )
    response["Cache-Control"] = "no-store"
    return response


class PatientBillingView(StaffRequiredMixin, View):
    """The patient's fee lines, a new line for a visit, and their superbill by dates."""

    template_name = "billing/patient.html"
    what = "billing record"

    def get(self, request, pk):
        patient = staff_patient(request, pk, self.what)
        audit(request.user, patient, self.what, VIEW)
        return self.render(request, patient)

    def post(self, request, pk):
        patient = staff_patient(request, pk, self.what)
        visits = list(services.billable_visits(patient))
        schedule = services.fee_schedule(patient.clinic)
        form = FeeLineForm(request.POST, visits=visits, schedule=schedule)
        if form.is_valid():
            visit = next(v for v in visits if v.pk == form.cleaned_data["appointment"])
            visit.clinic = patient.clinic
            try:
                line = services.record_fee_line(
                    visit, request.user, form.cleaned_data["code"], form.cleaned_data["units"]
                )
            except services.BillingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{line.code} recorded for {line.service_date:%d %b %Y}.")
                return redirect("billing:patient", patient.pk)
        return self.render(request, patient, form, visits, schedule, status=422)

    def render(self, request, patient, form=None, visits=None, schedule=None, status=200):
        visits = visits if visits is not None else list(services.billable_visits(patient))
        schedule = schedule or services.fee_schedule(patient.clinic)
        start, end = default_range(patient.clinic)
        lines = list(
            FeeLine.objects.filter(patient=patient)
            .select_related("provider__user", "paid_recorded_by", "entered_in_error_by")
            .order_by("-service_date", "is_drug", "pk")
        )
        in_force = [line for line in lines if line.in_force]
        context = {
            "patient": patient,
            "lines": lines,
            "charged": sum(line.amount for line in in_force),
            "paid": sum(line.amount for line in in_force if line.is_paid),
            "form": form or FeeLineForm(visits=visits, schedule=schedule),
            "has_visits": bool(visits),
            "range_form": RangeForm(initial={"start": start, "end": end}),
            "today": timezone.localdate(timezone=patient.clinic.tz),
            "diagnoses": list(
                Diagnosis.objects.in_force()
                .filter(course__patient=patient)
                .select_related("course")
            ),
        }
        return render(request, self.template_name, context, status=status)


def staff_line(request, pk, what):
    lines = FeeLine.objects.visible_to(request.user).select_related("clinic")
    line = lines.filter(pk=pk).first()
    if line is None:
        target = FeeLine.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
        if target is not None:
            AccessEvent.record(
                actor=request.user, action=AccessEvent.Action.DENIED, what=what, patient_id=target
            )
        raise Http404("No such fee line.")
    return line


class LineActionView(StaffRequiredMixin, View):
    """One fee line, one posted form, one service call, then back to the patient's billing."""

    what = ""  # for the audit row of a refused attempt
    form_class = None
    invalid = ""  # the message when the form is not valid

    def perform(self, line, data):
        raise NotImplementedError

    def done(self, line):
        raise NotImplementedError

    def post(self, request, pk):
        line = staff_line(request, pk, self.what)
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, self.invalid)
        else:
            try:
                self.perform(line, form.cleaned_data)
            except services.BillingError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, self.done(line))
        return redirect("billing:patient", line.patient_id)


class MarkPaidView(LineActionView):
    what = "fee line marked paid"
    form_class = PaidForm
    invalid = "Give the date the payment was made."

    def perform(self, line, data):
        services.mark_paid(line, self.request.user, data["paid_on"])

    def done(self, line):
        return f"{line.code} of {line.service_date:%d %b %Y} marked paid."


class LineInErrorView(LineActionView):
    what = "fee line entered in error"
    form_class = InErrorForm
    invalid = "Say why this line was entered in error."

    def perform(self, line, data):
        services.enter_in_error(line, self.request.user, data["reason"])

    def done(self, line):
        return f"{line.code} marked entered in error."


class SuperbillView(StaffRequiredMixin, View):
    """The superbill PDF from the chart: staff of the patient's clinic only (else 404)."""

    def get(self, request, pk):
        patient = staff_patient(request, pk, "superbill")
        return superbill_response(request, patient, reverse("billing:patient", args=[pk]))


class MySuperbillView(PatientRequiredMixin, View):
    """The patient's own superbill on their phone: pick the dates, see the totals, download."""

    template_name = "billing/my_superbill.html"

    def get(self, request):
        patient = self.patient
        start, end = default_range(patient.clinic)
        form = RangeForm(request.GET or None, initial={"start": start, "end": end})
        if form.is_bound and form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            if start > end:
                form.add_error("end", "The end date is before the start date.")
        if (end - start) > datetime.timedelta(days=services.MAX_RANGE_DAYS):
            form.add_error("start", "Ask for at most three years at a time.")
        ok = not form.is_bound or not form.errors
        bill = services.superbill(patient, start, end) if ok else None
        return render(
            request,
            self.template_name,
            {
                "patient": patient,
                "form": form,
                "bill": bill,
                "start": start,
                "end": end,
            },
            status=200 if ok else 422,
        )


class MySuperbillPdfView(PatientRequiredMixin, View):
    def get(self, request):
        return superbill_response(request, self.patient, reverse("billing:my-superbill"))
