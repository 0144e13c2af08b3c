from django.urls import path

from . import views

app_name = "rems"

urlpatterns = [
    path("", views.RemsOverviewView.as_view(), name="overview"),
    path("patients/<int:pk>/enrolment/", views.EnrolmentView.as_view(), name="enrolment"),
    path("forms/<int:pk>/", views.MonitoringFormView.as_view(), name="monitoring-form"),
]
