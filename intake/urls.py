from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("invite/", views.InvitePatientView.as_view(), name="invite"),
    path(
        "courses/<int:pk>/resend-invitation/",
        views.ResendInvitationView.as_view(),
        name="resend-invitation",
    ),
    path("courses/<int:pk>/review/", views.ReviewView.as_view(), name="review"),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="accept"),
    path("", views.StartIntakeView.as_view(), name="start"),
    path("step/<slug:step>/", views.StepView.as_view(), name="step"),
    path("support/", views.SupportView.as_view(), name="support"),
    path("check/", views.CheckAnswersView.as_view(), name="check"),
]
