from django.urls import path, register_converter

from .converters import FeedTokenConverter
from .views import my_feed

app_name = "calendar"

register_converter(FeedTokenConverter, "feedtoken")

urlpatterns = [
    # A clinician's own calendar feed (issue 21): its page, and the feed calendar apps fetch.
    path("my-feed/", my_feed.MyFeedView.as_view(), name="my-feed"),
    path("feed/<feedtoken:token>.ics", my_feed.feed, name="feed"),
]
