from django.urls import path

from .stock_register import StockInventoryReport, StockRegisterReport
from .views import (
    FhirExportView,
    MyRecordFhirView,
    MyRecordPdfView,
    MyRecordView,
    OwnReportDownloadView,
    ReportDownloadView,
)

app_name = "reports"

# The PDFs staff download, one per report kind (kinds.py): the path, the kind, the URL name.
STAFF_PDFS = [
    ("courses/<int:pk>/assessment.pdf", "assessment", "assessment"),
    ("sessions/<int:pk>/note.pdf", "session", "session-note"),
    ("courses/<int:pk>/summary.pdf", "course", "course-summary"),
    ("consents/<int:pk>/signed.pdf", "consent", "signed-consent"),
    ("rems-forms/<int:pk>/monitoring-form.pdf", "rems_form", "rems-monitoring-form"),
]

urlpatterns = [
    *(
        path(route, ReportDownloadView.as_view(kind=kind), name=name)
        for route, kind, name in STAFF_PDFS
    ),
    path(
        "my-consents/<int:pk>/signed.pdf",
        OwnReportDownloadView.as_view(kind="consent"),
        name="my-signed-consent",
    ),
    path(
        "my-record/notes/<int:pk>.pdf",
        OwnReportDownloadView.as_view(kind="released_notes"),
        name="my-notes-pdf",
    ),
    path("my-record/", MyRecordView.as_view(), name="my-record"),
    path("my-record/health-record.pdf", MyRecordPdfView.as_view(), name="my-record-pdf"),
    path("my-record/health-record.json", MyRecordFhirView.as_view(), name="my-record-fhir"),
    path("patients/<int:pk>/fhir.json", FhirExportView.as_view(), name="fhir-export"),
    path("stock/register.<str:fmt>", StockRegisterReport.as_view(), name="stock-register"),
    path("stock/inventory.<str:fmt>", StockInventoryReport.as_view(), name="stock-inventory"),
]
