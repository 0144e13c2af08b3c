from django.urls import path

from .views import booking, check_in
from .views import session as live

app_name = "dosing"

urlpatterns = [
    path("day/", booking.DayView.as_view(), name="day"),
    path("courses/<int:pk>/book/", booking.BookDosingSessionView.as_view(), name="book-session"),
    path("appointments/<int:pk>/", booking.AppointmentView.as_view(), name="appointment"),
    path(
        "appointments/<int:pk>/cancel/",
        booking.CancelAppointmentView.as_view(),
        name="cancel-appointment",
    ),
    path(
        "appointments/<int:pk>/no-show/",
        booking.RecordNoShowView.as_view(),
        name="record-no-show",
    ),
    # The live session screen (issue 5): one page, one small POST per entry.
    path("appointments/<int:pk>/session/", live.SessionView.as_view(), name="session"),
    path("sessions/<int:pk>/weight/", live.RecordWeightView.as_view(), name="record-weight"),
    path(
        "sessions/<int:pk>/companion/",
        live.ConfirmCompanionView.as_view(),
        name="confirm-companion",
    ),
    path("sessions/<int:pk>/override/", live.OverrideGateView.as_view(), name="override-gate"),
    path("sessions/<int:pk>/doses/", live.RecordDoseView.as_view(), name="record-dose"),
    path("sessions/<int:pk>/vitals/", live.RecordVitalsView.as_view(), name="record-vitals"),
    path(
        "sessions/<int:pk>/observations/",
        live.RecordObservationView.as_view(),
        name="record-observation",
    ),
    path(
        "sessions/<int:pk>/adverse-events/",
        live.RecordAdverseEventView.as_view(),
        name="record-adverse-event",
    ),
    path(
        "sessions/<int:pk>/alerts/<int:alert_pk>/acknowledge/",
        live.AcknowledgeAlertView.as_view(),
        name="acknowledge-alert",
    ),
    path(
        "sessions/<int:pk>/entries/<slug:kind>/<int:entry_pk>/entered-in-error/",
        live.MarkEnteredInErrorView.as_view(),
        name="mark-entered-in-error",
    ),
    path("sessions/<int:pk>/discharge/", live.DischargeView.as_view(), name="discharge"),
    path("sessions/<int:pk>/sign/", live.SignSessionView.as_view(), name="sign-session"),
    path("sessions/<int:pk>/addenda/", live.AddAddendumView.as_view(), name="add-addendum"),
    # The patient's check-in on the day (the step path comes last: it matches any word).
    path("appointments/<int:pk>/check-in/", check_in.StartView.as_view(), name="check-in"),
    path(
        "appointments/<int:pk>/check-in/review/",
        check_in.ReviewView.as_view(),
        name="check-in-review",
    ),
    path(
        "appointments/<int:pk>/check-in/support/",
        check_in.SupportView.as_view(),
        name="check-in-support",
    ),
    path(
        "appointments/<int:pk>/check-in/done/",
        check_in.DoneView.as_view(),
        name="check-in-done",
    ),
    path(
        "appointments/<int:pk>/check-in/<slug:step>/",
        check_in.StepView.as_view(),
        name="check-in-step",
    ),
]
