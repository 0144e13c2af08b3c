from django.urls import path, register_converter

from . import feed_views, series_views, views
from .converters import FeedTokenConverter

app_name = "calendar"

register_converter(FeedTokenConverter, "feedtoken")

urlpatterns = [
    path("", views.WeekView.as_view(), name="week"),
    path("day/", views.DayView.as_view(), name="day"),
    path("book/", views.BookView.as_view(), name="book"),
    path("appointments/<int:pk>/move/", views.MoveView.as_view(), name="move"),
    # A clinician's own calendar feed (issue 21): its page, and the feed calendar apps fetch.
    path("my-feed/", feed_views.MyFeedView.as_view(), name="my-feed"),
    path("feed/<feedtoken:token>.ics", feed_views.feed, name="feed"),
    # Recurring series (issue 21): plan and review, the series, cancelling in it.
    path("courses/<int:pk>/series/new/", series_views.BookSeriesView.as_view(), name="book-series"),
    path("series/<int:pk>/", series_views.SeriesView.as_view(), name="series"),
    path(
        "appointments/<int:pk>/cancel-in-series/",
        series_views.CancelInSeriesView.as_view(),
        name="cancel-in-series",
    ),
]
