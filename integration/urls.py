from django.urls import path

from .views import clinician, notes, patient, reevaluation

app_name = "integration"

urlpatterns = [
    # --- The clinician's pages (issue 6) --------------------------------------------------------
    path("dashboard/", clinician.ClinicDashboardView.as_view(), name="dashboard"),
    path(
        "courses/<int:pk>/sessions/",
        clinician.IntegrationSessionsView.as_view(),
        name="sessions",
    ),
    path(
        "dosing-sessions/<int:pk>/book/",
        clinician.BookIntegrationSessionView.as_view(),
        name="book-session",
    ),
    path("appointments/<int:pk>/note/", notes.IntegrationNoteView.as_view(), name="note"),
    path(
        "notes/<int:pk>/addenda/",
        notes.AddNoteAddendumView.as_view(),
        name="add-note-addendum",
    ),
    path("courses/<int:pk>/outcomes/", clinician.CourseOutcomesView.as_view(), name="outcomes"),
    path(
        "courses/<int:pk>/begin-integration/",
        clinician.BeginIntegrationView.as_view(),
        name="begin-integration",
    ),
    path(
        "courses/<int:pk>/reevaluation/",
        reevaluation.ReevaluationView.as_view(),
        name="reevaluation",
    ),
    path("courses/<int:pk>/complete/", clinician.CompleteCourseView.as_view(), name="complete"),
    path(
        "courses/<int:pk>/discontinue/",
        clinician.DiscontinueCourseView.as_view(),
        name="discontinue",
    ),
    # --- The patient's pages (issue 6): their journal and follow-up questionnaires -----------
    path("journal/", patient.JournalView.as_view(), name="journal"),
    path("journal/<int:pk>/", patient.JournalEntryView.as_view(), name="journal-entry"),
    path("journal/<int:pk>/share/", patient.ShareEntryView.as_view(), name="share-entry"),
    path(
        "journal/<int:pk>/unshare/",
        patient.ShareEntryView.as_view(share=False),
        name="unshare-entry",
    ),
    path("questionnaires/<int:pk>/", patient.MeasureView.as_view(), name="measure"),
    path(
        "questionnaires/<int:pk>/done/",
        patient.MeasureDoneView.as_view(),
        name="measure-done",
    ),
]
