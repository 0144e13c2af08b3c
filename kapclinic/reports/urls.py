from django.urls import path

from .views import ReportDownloadView

app_name = "reports"

urlpatterns = [
    path(
        "courses/<int:pk>/assessment.pdf",
        ReportDownloadView.as_view(kind="assessment"),
        name="assessment",
    ),
]
