from django.urls import path

from . import series_views, views

app_name = "calendar"

urlpatterns = [
    path("", views.WeekView.as_view(), name="week"),
    path("day/", views.DayView.as_view(), name="day"),
    path("book/", views.BookView.as_view(), name="book"),
    path("appointments/<int:pk>/move/", views.MoveView.as_view(), name="move"),
    # Recurring series (issue 21): plan and review, the series, cancelling in it.
    path("courses/<int:pk>/series/new/", series_views.BookSeriesView.as_view(), name="book-series"),
    path("series/<int:pk>/", series_views.SeriesView.as_view(), name="series"),
    path(
        "appointments/<int:pk>/cancel-in-series/",
        series_views.CancelInSeriesView.as_view(),
        name="cancel-in-series",
    ),
]
