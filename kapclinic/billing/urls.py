from django.urls import include, path

from . import views

app_name = "billing"

patient_patterns = [
    path("", views.PatientBillingView.as_view(), name="patient"),
    path("superbill.pdf", views.SuperbillView.as_view(), name="superbill"),
]

line_patterns = [
    path("paid/", views.MarkPaidView.as_view(), name="mark-paid"),
    path("entered-in-error/", views.LineInErrorView.as_view(), name="line-in-error"),
]

urlpatterns = [
    path("patients/<int:pk>/", include(patient_patterns)),
    path("lines/<int:pk>/", include(line_patterns)),
    path("my-superbill/", views.MySuperbillView.as_view(), name="my-superbill"),
    path("my-superbill.pdf", views.MySuperbillPdfView.as_view(), name="my-superbill-pdf"),
]
