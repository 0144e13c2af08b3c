from django.urls import path

from .views import patient, staff

app_name = "calendar"

urlpatterns = [
    # The patient's pages (issue 21): ask for a time, or to move an appointment.
    path("ask/", patient.AskForTimeView.as_view(), name="ask"),
    path("ask/move/<int:pk>/", patient.AskForTimeView.as_view(), name="ask-to-move"),
    path(
        "my-requests/<int:pk>/withdraw/",
        patient.WithdrawRequestView.as_view(),
        name="withdraw-request",
    ),
    path("my-requests/<int:pk>/answer/", patient.AnswerProposalView.as_view(), name="answer-offer"),
    # The front desk's pages.
    path("requests/", staff.RequestsInboxView.as_view(), name="requests"),
    path("requests/<int:pk>/", staff.RequestView.as_view(), name="request"),
    path("slots/", staff.OpenSlotsView.as_view(), name="slots"),
    path("slots/<int:pk>/unpublish/", staff.UnpublishSlotView.as_view(), name="unpublish-slot"),
]
