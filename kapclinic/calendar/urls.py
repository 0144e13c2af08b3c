from django.urls import path

from . import views

app_name = "calendar"

urlpatterns = [
    path("", views.WeekView.as_view(), name="week"),
    path("day/", views.DayView.as_view(), name="day"),
    path("book/", views.BookView.as_view(), name="book"),
    path("appointments/<int:pk>/move/", views.MoveView.as_view(), name="move"),
]
