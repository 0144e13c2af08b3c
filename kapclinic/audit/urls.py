from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("my-record/", views.WhoViewedMyRecordView.as_view(), name="who-viewed"),
]
