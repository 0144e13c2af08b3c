from django.urls import include, path

from .views import clinician, notes, patient, reevaluation

app_name = "integration"

course_patterns = [
    path("sessions/", clinician.IntegrationSessionsView.as_view(), name="sessions"),
    path("outcomes/", clinician.CourseOutcomesView.as_view(), name="outcomes"),
    path("begin-integration/", clinician.BeginIntegrationView.as_view(), name="begin-integration"),
    path("reevaluation/", reevaluation.ReevaluationView.as_view(), name="reevaluation"),
    path("complete/", clinician.CompleteCourseView.as_view(), name="complete"),
    path("discontinue/", clinician.DiscontinueCourseView.as_view(), name="discontinue"),
]

journal_entry_patterns = [
    path("", patient.JournalEntryView.as_view(), name="journal-entry"),
    path("share/", patient.ShareEntryView.as_view(), name="share-entry"),
    path("unshare/", patient.ShareEntryView.as_view(share=False), name="unshare-entry"),
]

questionnaire_patterns = [
    path("", patient.MeasureView.as_view(), name="measure"),
    path("done/", patient.MeasureDoneView.as_view(), name="measure-done"),
]

urlpatterns = [
    # --- The clinician's pages (issue 6) --------------------------------------------------------
    path("dashboard/", clinician.ClinicDashboardView.as_view(), name="dashboard"),
    path("courses/<int:pk>/", include(course_patterns)),
    path(
        "dosing-sessions/<int:pk>/book/",
        clinician.BookIntegrationSessionView.as_view(),
        name="book-session",
    ),
    path("appointments/<int:pk>/note/", notes.IntegrationNoteView.as_view(), name="note"),
    path("notes/<int:pk>/addenda/", notes.AddNoteAddendumView.as_view(), name="add-note-addendum"),
    # --- The patient's pages (issue 6): their journal and follow-up questionnaires -----------
    path("journal/", patient.JournalView.as_view(), name="journal"),
    path("journal/<int:pk>/", include(journal_entry_patterns)),
    path("questionnaires/<int:pk>/", include(questionnaire_patterns)),
]
