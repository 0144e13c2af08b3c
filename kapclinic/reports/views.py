"""Clinicians download reports from the chart; each copy is audit-logged."""

import io
import json

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views import View

from kapclinic.audit.models import AccessEvent
from kapclinic.audit.trail import EXPORT, audit
from kapclinic.clinic.mixins import PatientRequiredMixin, StaffRequiredMixin
from kapclinic.clinic.models import Patient

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
    """The patient's own copy (their signed consent); another patient's is not there (404)."""


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
        bundle = patient_bundle(patient)
        audit(request.user, patient, f"{self.what} (download)", EXPORT)
        response = HttpResponse(
            json.dumps(bundle, ensure_ascii=False, indent=2),
            content_type="application/fhir+json; charset=utf-8",
        )
        filename = f"patient-{patient.pk}-fhir.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
