from django.urls import path

from . import views

app_name = "clinic"

urlpatterns = [
    path("caseload/", views.CaseloadView.as_view(), name="caseload"),
    path("patients/<int:pk>/", views.PatientChartView.as_view(), name="patient-chart"),
    path("flags/<int:pk>/resolve/", views.ResolveSafetyFlagView.as_view(), name="resolve-flag"),
    path("emergency-access/", views.EmergencyAccessView.as_view(), name="emergency-access"),
    path("my-journey/", views.MyJourneyView.as_view(), name="my-journey"),
]
