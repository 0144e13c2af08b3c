from django.urls import include, path

from . import diagnosis_views, protocol_views, risk_views, views, welcome_views
from .record_request_views import RecordRequestListView, RecordRequestView

app_name = "clinic"

flag_patterns = [
    path("resolve/", views.ResolveSafetyFlagView.as_view(), name="resolve-flag"),
    path("risk-review/", risk_views.RiskReviewView.as_view(), name="risk-review"),
]

course_patterns = [
    path("safety-plan/", risk_views.SafetyPlanView.as_view(), name="safety-plan"),
    path("diagnoses/", diagnosis_views.DiagnosesView.as_view(), name="diagnoses"),
]

urlpatterns = [
    path("caseload/", views.CaseloadView.as_view(), name="caseload"),
    path("record-requests/", RecordRequestListView.as_view(), name="record-requests"),
    path("record-requests/<int:pk>/", RecordRequestView.as_view(), name="record-request"),
    path("patients/<int:pk>/", views.PatientChartView.as_view(), name="patient-chart"),
    path("flags/<int:pk>/", include(flag_patterns)),
    path(
        "risk-reviews/<int:pk>/psychiatric-review/",
        risk_views.PsychiatricReviewView.as_view(),
        name="psychiatric-review",
    ),
    path("courses/<int:pk>/", include(course_patterns)),
    path("my-safety-plan/", risk_views.MySafetyPlanView.as_view(), name="my-safety-plan"),
    path("tasks/<int:pk>/close/", risk_views.CloseTaskView.as_view(), name="close-task"),
    path("emergency-access/", views.EmergencyAccessView.as_view(), name="emergency-access"),
    path(
        "diagnoses/<int:pk>/entered-in-error/",
        diagnosis_views.DiagnosisEnteredInErrorView.as_view(),
        name="diagnosis-in-error",
    ),
    path(
        "welcome/<uidb64>/<token>/",
        welcome_views.StaffWelcomeView.as_view(),
        name="staff-welcome",
    ),
    path("my-journey/", views.MyJourneyView.as_view(), name="my-journey"),
    path(
        "protocols/<int:pk>/sign/",
        protocol_views.SignProtocolView.as_view(),
        name="sign-protocol",
    ),
]
