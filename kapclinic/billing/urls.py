from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("patients/<int:pk>/", views.PatientBillingView.as_view(), name="patient"),
    path("patients/<int:pk>/superbill.pdf", views.SuperbillView.as_view(), name="superbill"),
    path("lines/<int:pk>/paid/", views.MarkPaidView.as_view(), name="mark-paid"),
    path("lines/<int:pk>/entered-in-error/", views.LineInErrorView.as_view(), name="line-in-error"),
    path("my-superbill/", views.MySuperbillView.as_view(), name="my-superbill"),
    path("my-superbill.pdf", views.MySuperbillPdfView.as_view(), name="my-superbill-pdf"),
]
