from django.urls import path

from . import consent_views, plan_views, step_views, views

app_name = "intake"

urlpatterns = [
    path("invite/", views.InvitePatientView.as_view(), name="invite"),
    path(
        "courses/<int:pk>/resend-invitation/",
        views.ResendInvitationView.as_view(),
        name="resend-invitation",
    ),
    path("courses/<int:pk>/review/", views.ReviewView.as_view(), name="review"),
    path("courses/<int:pk>/plan/", plan_views.PlanView.as_view(), name="plan"),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="accept"),
    path("", views.StartIntakeView.as_view(), name="start"),
    path("step/<slug:step>/", step_views.StepView.as_view(), name="step"),
    path("support/", views.SupportView.as_view(), name="support"),
    path("check/", views.CheckAnswersView.as_view(), name="check"),
    # The patient's consents outside the wizard: re-sign, read, withdraw.
    path("consents/", consent_views.MyConsentsView.as_view(), name="consents"),
    path("consents/<int:pk>/sign/", consent_views.SignConsentView.as_view(), name="sign-consent"),
    path(
        "consents/signed/<int:pk>/withdraw/",
        consent_views.WithdrawConsentView.as_view(),
        name="withdraw-consent",
    ),
]
