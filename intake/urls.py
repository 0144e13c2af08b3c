from django.urls import include, path

from . import consent_views, plan_views, step_views, views

app_name = "intake"

course_patterns = [
    path("resend-invitation/", views.ResendInvitationView.as_view(), name="resend-invitation"),
    path("review/", views.ReviewView.as_view(), name="review"),
    path("plan/", plan_views.PlanView.as_view(), name="plan"),
]

# The patient's consents outside the wizard: re-sign, read, withdraw.
consent_patterns = [
    path("", consent_views.MyConsentsView.as_view(), name="consents"),
    path("<int:pk>/sign/", consent_views.SignConsentView.as_view(), name="sign-consent"),
    path(
        "signed/<int:pk>/withdraw/",
        consent_views.WithdrawConsentView.as_view(),
        name="withdraw-consent",
    ),
]

urlpatterns = [
    path("invite/", views.InvitePatientView.as_view(), name="invite"),
    path("courses/<int:pk>/", include(course_patterns)),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="accept"),
    path("", views.StartIntakeView.as_view(), name="start"),
    path("step/<slug:step>/", step_views.StepView.as_view(), name="step"),
    path("support/", views.SupportView.as_view(), name="support"),
    path("check/", views.CheckAnswersView.as_view(), name="check"),
    path("consents/", include(consent_patterns)),
]
