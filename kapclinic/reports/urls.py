from django.urls import path

from .stock_register import StockInventoryReport, StockRegisterReport
from .views import FhirExportView, OwnReportDownloadView, ReportDownloadView

app_name = "reports"

urlpatterns = [
    path(
        "courses/<int:pk>/assessment.pdf",
        ReportDownloadView.as_view(kind="assessment"),
        name="assessment",
    ),
    path(
        "sessions/<int:pk>/note.pdf",
        ReportDownloadView.as_view(kind="session"),
        name="session-note",
    ),
    path(
        "courses/<int:pk>/summary.pdf",
        ReportDownloadView.as_view(kind="course"),
        name="course-summary",
    ),
    path(
        "consents/<int:pk>/signed.pdf",
        ReportDownloadView.as_view(kind="consent"),
        name="signed-consent",
    ),
    path(
        "my-consents/<int:pk>/signed.pdf",
        OwnReportDownloadView.as_view(kind="consent"),
        name="my-signed-consent",
    ),
    path(
        "rems-forms/<int:pk>/monitoring-form.pdf",
        ReportDownloadView.as_view(kind="rems_form"),
        name="rems-monitoring-form",
    ),
    path("patients/<int:pk>/fhir.json", FhirExportView.as_view(), name="fhir-export"),
    path("stock/register.<str:fmt>", StockRegisterReport.as_view(), name="stock-register"),
    path("stock/inventory.<str:fmt>", StockInventoryReport.as_view(), name="stock-inventory"),
]
