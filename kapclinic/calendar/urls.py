from django.urls import path, register_converter

from . import views

app_name = "calendar"


class FeedTokenConverter:
    """A feed's secret as `secrets.token_urlsafe` writes it."""

    regex = r"[A-Za-z0-9_\-]{16,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FeedTokenConverter, "feedtoken")

urlpatterns = [
    path("my-feed/", views.MyFeedView.as_view(), name="my-feed"),
    path("feed/<feedtoken:token>.ics", views.feed, name="feed"),
]
