"""Phase 3 on the patient's home page: follow-up questionnaires due, and the journal.

At most one query whatever the record's size, and none before the course is completed:
follow-up questionnaires are only requested then (questionnaire_requests.planned_requests).
Pre-dose questionnaires are not listed: the patient answers those in the day's check-in, and
reconcile_measure_requests links them.
"""

from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.home import HomeTask, register
from kapclinic.clinic.models import CourseState
from kapclinic.measures.models import QuestionnaireResponse

from .models import MeasureRequest

# Once dosing has begun there is something to reflect on; the journal stays open afterwards.
JOURNAL_STATES = frozenset(
    {
        CourseState.IN_TREATMENT,
        CourseState.MAINTENANCE,
        CourseState.INTEGRATION,
        CourseState.COMPLETED,
    }
)


@register
def integration_tasks(patient, course):
    now = timezone.now()
    requests = []
    if course.state == CourseState.COMPLETED:
        requests = (
            MeasureRequest.objects.filter(
                course=course,
                course__patient=patient,
                purpose=QuestionnaireResponse.Purpose.FOLLOW_UP,
            )
            .open(now)
            .order_by("due_at", "pk")
        )
    tasks = []
    for request in requests:
        tasks.append(questionnaire_task(request, now))
    if course.state in JOURNAL_STATES:
        tasks.append(
            HomeTask(
                title="Write in your journal",
                url=reverse("integration:journal"),
                detail="Private unless you choose to share an entry with your care team.",
            )
        )
    return tasks


def questionnaire_task(request, now):
    """One questionnaire to answer; one begun and kept for later invites the patient back."""
    name = request.get_instrument_display()
    overdue = request.is_overdue(now)
    if request.draft_answers:
        title, badge = f"Finish your questionnaire: {name}", "Started"
    else:
        title, badge = f"Questionnaire due: {name}", "To do"
    return HomeTask(
        title=title,
        url=reverse("integration:measure", args=[request.pk]),
        due=request.due_at,
        badge="Overdue" if overdue else badge,
        tone="warning" if overdue else "info",
        detail=request.label,
    )
