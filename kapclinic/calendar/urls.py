from django.urls import path  # noqa: F401  (routes are added by the calendar's pages)

app_name = "calendar"

urlpatterns = []
