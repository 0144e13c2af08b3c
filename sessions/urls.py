from django.urls import path

from .views import schedule

app_name = "dosing"

urlpatterns = [
    path("day/", schedule.DayView.as_view(), name="day"),
    path("courses/<int:pk>/book/", schedule.BookDosingSessionView.as_view(), name="book-session"),
    path("appointments/<int:pk>/", schedule.AppointmentView.as_view(), name="appointment"),
    path(
        "appointments/<int:pk>/cancel/",
        schedule.CancelAppointmentView.as_view(),
        name="cancel-appointment",
    ),
    path(
        "appointments/<int:pk>/no-show/",
        schedule.RecordNoShowView.as_view(),
        name="record-no-show",
    ),
]
