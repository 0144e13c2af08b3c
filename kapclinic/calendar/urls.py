from django.urls import include, path, register_converter

from . import feed_views, patient_views, request_views, series_views, views
from .converters import FeedTokenConverter

app_name = "calendar"

register_converter(FeedTokenConverter, "feedtoken")

appointment_patterns = [
    path("move/", views.MoveView.as_view(), name="move"),
    # Cancelling in a recurring series (issue 21).
    path("cancel-in-series/", series_views.CancelInSeriesView.as_view(), name="cancel-in-series"),
]

my_request_patterns = [
    path("withdraw/", patient_views.WithdrawRequestView.as_view(), name="withdraw-request"),
    path("answer/", patient_views.AnswerProposalView.as_view(), name="answer-offer"),
]

urlpatterns = [
    path("", views.WeekView.as_view(), name="week"),
    path("day/", views.DayView.as_view(), name="day"),
    path("book/", views.BookView.as_view(), name="book"),
    path("appointments/<int:pk>/", include(appointment_patterns)),
    # A clinician's own calendar feed (issue 21): its page, and the feed calendar apps fetch.
    path("my-feed/", feed_views.MyFeedView.as_view(), name="my-feed"),
    path("feed/<feedtoken:token>.ics", feed_views.feed, name="feed"),
    # Recurring series (issue 21): plan and review, the series (cancelling in it: above).
    path("courses/<int:pk>/series/new/", series_views.BookSeriesView.as_view(), name="book-series"),
    path("series/<int:pk>/", series_views.SeriesView.as_view(), name="series"),
    # Appointment requests (issue 21): the patient asks for a time, or to move an appointment.
    path("ask/", patient_views.AskForTimeView.as_view(), name="ask"),
    path("ask/move/<int:pk>/", patient_views.AskForTimeView.as_view(), name="ask-to-move"),
    path("my-requests/<int:pk>/", include(my_request_patterns)),
    # The front desk answers them and publishes the open slots.
    path("requests/", request_views.RequestsInboxView.as_view(), name="requests"),
    path("requests/<int:pk>/", request_views.RequestView.as_view(), name="request"),
    path("slots/", request_views.OpenSlotsView.as_view(), name="slots"),
    path(
        "slots/<int:pk>/unpublish/",
        request_views.UnpublishSlotView.as_view(),
        name="unpublish-slot",
    ),
]
