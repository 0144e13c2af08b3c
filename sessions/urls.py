from django.urls import include, path

from .views import booking, check_in
from .views import session as live

app_name = "dosing"

# The patient's check-in on the day (the step path comes last: it matches any word).
check_in_patterns = [
    path("", check_in.StartView.as_view(), name="check-in"),
    path("review/", check_in.ReviewView.as_view(), name="check-in-review"),
    path("support/", check_in.SupportView.as_view(), name="check-in-support"),
    path("done/", check_in.DoneView.as_view(), name="check-in-done"),
    path("<slug:step>/", check_in.StepView.as_view(), name="check-in-step"),
]

appointment_patterns = [
    path("", booking.AppointmentView.as_view(), name="appointment"),
    path("cancel/", booking.CancelAppointmentView.as_view(), name="cancel-appointment"),
    path("no-show/", booking.RecordNoShowView.as_view(), name="record-no-show"),
    # The live session screen (issue 5): one page, one small POST per entry.
    path("session/", live.SessionView.as_view(), name="session"),
    path("check-in/", include(check_in_patterns)),
]

# The live session screen's entries (issue 5), one small POST each.
session_patterns = [
    path("weight/", live.RecordWeightView.as_view(), name="record-weight"),
    path("companion/", live.ConfirmCompanionView.as_view(), name="confirm-companion"),
    path("identity/", live.RecordIdentityCheckView.as_view(), name="record-identity-check"),
    path("override/", live.OverrideGateView.as_view(), name="override-gate"),
    path("doses/", live.RecordDoseView.as_view(), name="record-dose"),
    path("vitals/", live.RecordVitalsView.as_view(), name="record-vitals"),
    path("observations/", live.RecordObservationView.as_view(), name="record-observation"),
    path("adverse-events/", live.RecordAdverseEventView.as_view(), name="record-adverse-event"),
    path(
        "alerts/<int:alert_pk>/acknowledge/",
        live.AcknowledgeAlertView.as_view(),
        name="acknowledge-alert",
    ),
    path(
        "entries/<slug:kind>/<int:entry_pk>/entered-in-error/",
        live.MarkEnteredInErrorView.as_view(),
        name="mark-entered-in-error",
    ),
    path("discharge/", live.DischargeView.as_view(), name="discharge"),
    path("sign/", live.SignSessionView.as_view(), name="sign-session"),
    path("addenda/", live.AddAddendumView.as_view(), name="add-addendum"),
]

urlpatterns = [
    path("day/", booking.DayView.as_view(), name="day"),
    path("courses/<int:pk>/book/", booking.BookDosingSessionView.as_view(), name="book-session"),
    path("appointments/<int:pk>/", include(appointment_patterns)),
    path("sessions/<int:pk>/", include(session_patterns)),
]
