"""The re-evaluation page: the outcome so far, where the block stands, the prescriber's decision
(from integration: how dosing resumes).

Thin: the rules are in integration/reevaluation.py (the service), sessions/reevaluation.py
(when it is due) and TreatmentCourse.reevaluate (the stage).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from intake.consent import consent_status
from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.mixins import StaffRequiredMixin, staff_course
from kapclinic.clinic.models import CourseState, JourneyError, Protocol, Reevaluation, Role
from kapclinic.clinic.submissions import AlreadySaved
from sessions.reevaluation import BLOCK_STATES, block_of

from ..forms.clinician import ReevaluationForm
from ..outcome_page import shown
from ..reevaluation import (
    Decision,
    latest_pk,
    record_reevaluation,
    suggested_plan,
    with_moves,
)
from ..selectors import course_outcomes
from ..time_points import outcomes_at_time_points
from .clinician import role_of

TERMS = ("planned_dosing_sessions", "dose_min_mg", "dose_max_mg", "integration_cadence")


class ReevaluationView(StaffRequiredMixin, View):
    """Every clinician of the course reads it; only a prescriber decides."""

    template_name = "integration/reevaluation.html"

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, f"course {course.pk} re-evaluation", VIEW)
        return self.render_page(request, course)

    def post(self, request, pk):
        course = staff_course(request, pk)
        form = ReevaluationForm(request.POST, resuming=course.state == CourseState.INTEGRATION)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = record_reevaluation(
                    course,
                    request.user,
                    data["decision"],
                    data["rationale"],
                    {name: data[name] for name in TERMS},
                    screen=form.screen(),
                    last_seen=data["last_seen"],
                    request_key=data["request_key"],
                )
            except AlreadySaved as duplicate:
                messages.warning(request, str(duplicate))
                return redirect("clinic:patient-chart", course.patient_id)
            except ValidationError as error:
                form.add_model_errors(error)
            except JourneyError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, f"Re-evaluation signed: {record.get_decision_display().lower()}."
                )
                return redirect("clinic:patient-chart", course.patient_id)
        return self.render_page(request, course, form=form, status=422)

    def render_page(self, request, course, form=None, status=200):
        protocol = Protocol.objects.effective_for(course.clinic)
        outcomes = course_outcomes(course, protocol)
        block = block_of(course)
        resuming = course.state == CourseState.INTEGRATION
        may_decide = role_of(request.user, course) == Role.PRESCRIBER and (
            course.state in BLOCK_STATES or resuming
        )
        if not may_decide and form is not None:
            # A refused decision from someone the form is not shown to: say why at the top.
            for error in form.non_field_errors():
                messages.error(request, error)
        records = with_moves(
            Reevaluation.objects.filter(course=course)
            .select_related("decided_by")
            .order_by("-decided_at", "-pk"),
            course.events.only("at", "from_state"),
        )
        if may_decide and form is None:
            form = ReevaluationForm(
                resuming=resuming,
                initial={
                    "decision": Decision.MAINTENANCE,
                    "last_seen": latest_pk(records),
                }
                | suggested_plan(course, Decision.MAINTENANCE, protocol),
            )
        context = {
            "course": course,
            "patient": course.patient,
            "protocol": protocol,
            "standing": block,
            "due_on": block.due_on(),
            "outcomes": [
                {
                    "outcome": outcome,
                    "judgements": [
                        {"judgement": j, "shown": shown(j)}
                        for j in (outcome.response, outcome.remission, outcome.reliable_improvement)
                    ],
                }
                for outcome in outcomes
            ],
            "time_points": outcomes_at_time_points(course, protocol),
            "records": records,
            "form": form if may_decide else None,
            "in_block": course.state in BLOCK_STATES,
            "resuming": resuming,
        }
        with timezone.override(course.clinic.tz):
            if may_decide:
                # What will hold the next dose, told before the new block is signed.
                context["consents_due"] = [
                    row.reason() for row in consent_status(course) if row.due
                ]
            return render(request, self.template_name, context, status=status)
