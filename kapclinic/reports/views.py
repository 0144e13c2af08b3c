"""Clinicians download reports from the chart; each copy is audit-logged."""

import io
import json

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from kapclinic.audit.models import AccessEvent
from kapclinic.audit.trail import EXPORT, audit
from kapclinic.clinic import record_requests
from kapclinic.clinic.form_views import refusals_shown_on
from kapclinic.clinic.forms import FieldErrorsForm
from kapclinic.clinic.mixins import PatientRequiredMixin, StaffRequiredMixin
from kapclinic.clinic.models import Patient, RecordRequest
from kapclinic.clinic.text_limits import SHORT_REASON

from .fhir import patient_bundle
from .kinds import KINDS, produce, signer_label
from .render import ReportUnavailable
from .sandbox import RenderStopped


class ReportDownload(View):
    """One report as a PDF download, of a record the signed-in person may see (else 404)."""

    kind = None  # a key of KINDS, set in urls.py

    def get(self, request, pk):
        kind = KINDS[self.kind]
        obj = kind.objects().visible_to(request.user).filter(pk=pk).first()
        if obj is None:
            # Log the refused attempt against the record it aimed at, if it exists.
            target = kind.objects().filter(pk=pk).first()
            if target is not None:
                AccessEvent.record(
                    actor=request.user,
                    action=AccessEvent.Action.DENIED,
                    what=f"{kind.label} report",
                    patient_id=kind.patient_id(target),
                )
            raise Http404(f"No such {kind.subject}.")
        try:
            report = produce(
                kind,
                obj,
                by=request.user,
                generated_by=signer_label(request.user),
                channel="download",
            )
        except ReportUnavailable as error:
            raise Http404(str(error)) from error
        except RenderStopped:
            # Logged and audited by produce(); the person gets a plain page, never a traceback.
            response = render(
                request,
                "reports/not_produced.html",
                {"kind": kind, "patient_id": kind.patient_id(obj)},
                status=503,
            )
            response["Retry-After"] = "300"
            response["Cache-Control"] = "no-store"
            return response
        return FileResponse(
            io.BytesIO(report.pdf),
            as_attachment=True,
            filename=report.filename,
            content_type="application/pdf",
        )


class ReportDownloadView(StaffRequiredMixin, ReportDownload):
    """Staff of the record's clinic only."""


class OwnReportDownloadView(PatientRequiredMixin, ReportDownload):
    """The patient's own copy (a signed consent, the notes released to them); another
    patient's, or notes not released, are not there (404)."""


def fhir_download(request, patient, what, filename):
    """The patient's whole record as a FHIR R4 Bundle (JSON) attachment, the copy audited."""
    bundle = patient_bundle(patient)
    audit(request.user, patient, what, EXPORT)
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2),
        content_type="application/fhir+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class FhirExportView(StaffRequiredMixin, View):
    """One patient's whole record as a FHIR R4 Bundle (JSON): staff of their clinic only."""

    what = "FHIR record export"

    def get(self, request, pk):
        patient = Patient.objects.visible_to(request.user).select_related("clinic")
        patient = patient.filter(pk=pk).first()
        if patient is None:
            if Patient.objects.filter(pk=pk).exists():
                AccessEvent.record(
                    actor=request.user,
                    action=AccessEvent.Action.DENIED,
                    what=self.what,
                    patient_id=pk,
                )
            raise Http404("No such patient.")
        filename = f"patient-{patient.pk}-fhir.json"
        return fhir_download(request, patient, f"{self.what} (download)", filename)


class AskForm(FieldErrorsForm):
    kind = forms.ChoiceField(
        label="What are you asking for?",
        choices=RecordRequest.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what you are asking for: a copy of your notes or a correction."
        },
    )
    details = forms.CharField(
        label="Details",
        required=False,
        max_length=SHORT_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For a correction: what is wrong, and what it should say. For notes: which "
        "ones, if not all.",
    )


class MyRecordView(PatientRequiredMixin, View):
    """Where a patient takes a copy of their own record, in two forms, and asks the clinic for
    their clinicians' notes or a correction (kapclinic.clinic.record_requests)."""

    def get(self, request):
        return self.page(AskForm())

    def post(self, request):
        form = AskForm(request.POST)
        if form.is_valid():
            with refusals_shown_on(form):
                asked = record_requests.ask(request.user, **form.cleaned_data)
                answer_by = f"{asked.due_on:%-d %B %Y}"
                messages.success(request, f"Sent. The clinic answers by {answer_by}, here.")
                return redirect("reports:my-record")
        return self.page(form, status=422)

    def page(self, form, status=200):
        return render(
            self.request,
            "reports/my_record.html",
            {
                "patient": self.patient,
                "form": form,
                "asked": list(
                    RecordRequest.objects.filter(patient=self.patient).select_related(
                        "patient__clinic"
                    )[:10]
                ),
            },
            status=status,
        )


class MyRecordPdfView(PatientRequiredMixin, ReportDownload):
    """The patient's own record to read, as a PDF (the copy is audited by `produce`)."""

    kind = "patient_record"

    def get(self, request):
        return super().get(request, self.patient.pk)


class MyRecordFhirView(PatientRequiredMixin, View):
    """The patient's own record as FHIR, for another health app: the clinician's export."""

    def get(self, request):
        patient = self.patient
        what = "FHIR record export (the patient's own copy)"
        return fhir_download(request, patient, what, f"health-record-{patient.pk}.json")
