"""The clinician's phase-3 pages: integration sessions, outcomes, the dashboard, and closing
a course (the integration note is in views/notes.py).

Thin views: each fetches through a scoped queryset (another clinic's record is a 404),
calls one service or transition, and picks a template.
"""

import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.form_views import CourseFormView, chosen_slot, refusals_shown_on
from kapclinic.clinic.mixins import StaffRequiredMixin, staff_course
from kapclinic.clinic.models import (
    Appointment,
    Clinic,
    CourseState,
    Indication,
    JourneyError,
    Protocol,
)
from kapclinic.clinic.models.journey import CLOSED_STATES
from sessions.models import DosingSession

from .. import services
from ..forms.clinician import (
    BeginIntegrationForm,
    BookIntegrationSessionForm,
    CourseClosureForm,
    DashboardFilterForm,
)
from ..models import CourseClosure, MeasureRequest
from ..outcome_page import outcome_page
from ..selectors import clinic_dashboard, journal_for
from ..time_points import outcomes_at_time_points

# domain reference §5: one integration session "typically within days of the dose".
SUGGESTED_DAYS_AFTER_DOSE = 2


def role_of(user, course):
    """The user's role at the course's clinic, or None: only to decide what to offer."""
    provider = provider_for(user)
    return provider.role if provider and provider.clinic_id == course.clinic_id else None


# --- Integration sessions -------------------------------------------------------------------


class IntegrationSessionsView(StaffRequiredMixin, View):
    """Each dosing session of a course beside the integration sessions that follow it."""

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, f"integration sessions, course {course.pk}", VIEW)
        dosing = list(
            DosingSession.objects.filter(course=course)
            .select_related("appointment")
            .order_by("started_at")
        )
        integration = list(
            Appointment.objects.filter(course=course, kind=Appointment.Kind.INTEGRATION)
            .select_related("clinician__user", "integration_note")
            .order_by("starts_at")
        )
        rows = []
        for index, session in enumerate(dosing):
            until = dosing[index + 1].started_at if index + 1 < len(dosing) else None
            follows = [
                a
                for a in integration
                if a.starts_at > session.started_at and (until is None or a.starts_at <= until)
            ]
            rows.append(
                {
                    "session": session,
                    "number": index + 1,
                    "bookable": (
                        session.status in services.BOOKABLE_SESSION_STATES and course.is_open
                    ),
                    "integration": follows,
                }
            )
        context = {
            "course": course,
            "patient": course.patient,
            "rows": rows,
            "unlinked": [
                a for a in integration if not dosing or a.starts_at <= dosing[0].started_at
            ],
        }
        with timezone.override(course.clinic.tz):
            return render(request, "integration/sessions.html", context)


class BookIntegrationSessionView(StaffRequiredMixin, View):
    template_name = "integration/book_session.html"

    def get_session(self, pk):
        return get_object_or_404(
            DosingSession.objects.visible_to(self.request.user).select_related(
                "course__patient", "course__clinic", "appointment"
            ),
            pk=pk,
        )

    def suggestion(self, session):
        """A few days after the dose, at the dosing session's time of day (reference §5)."""
        tz = session.course.clinic.tz
        started = timezone.localtime(session.started_at, tz)
        day = started.date() + datetime.timedelta(days=SUGGESTED_DAYS_AFTER_DOSE)
        today = timezone.localdate(timezone=tz)
        if day <= today:
            day = today + datetime.timedelta(days=1)
        at = started.time().replace(minute=started.minute - started.minute % 15, second=0)
        return {"date": day, "start_time": at.replace(microsecond=0)}

    def refusal(self, session):
        if not session.course.is_open:
            return "This course is closed: no more sessions can be booked."
        if session.status not in services.BOOKABLE_SESSION_STATES:
            return "Book the integration session once the patient has been discharged."
        return None

    def render_page(self, session, form):
        course = session.course
        protocol = Protocol.objects.effective_for(course.clinic)
        context = {
            "session": session,
            "course": course,
            "patient": course.patient,
            "form": form,
            "cadence": protocol.integration_cadence if protocol else "",
            "suggested": self.suggestion(session)["date"],
            "refusal": self.refusal(session),
        }
        with timezone.override(course.clinic.tz):
            return render(self.request, self.template_name, context)

    def get(self, request, pk):
        session = self.get_session(pk)
        audit(request.user, session.course, f"booking an integration session, session {pk}", VIEW)
        clinic = session.course.clinic
        form = BookIntegrationSessionForm(clinic=clinic, initial=self.suggestion(session))
        return self.render_page(session, form)

    def post(self, request, pk):
        session = self.get_session(pk)
        form = BookIntegrationSessionForm(request.POST, clinic=session.course.clinic)
        refusal = self.refusal(session)
        if refusal:
            form.is_valid()
            form.add_error(None, refusal)
        elif form.is_valid():
            with refusals_shown_on(form, JourneyError):
                slot = chosen_slot(form)
                appointment = services.book_integration_session(session, request.user, **slot)
                messages.success(request, f"Integration session booked {appointment.when()}.")
                return redirect("integration:sessions", session.course_id)
        return self.render_page(session, form)


# --- Outcomes -------------------------------------------------------------------------------


class CourseOutcomesView(StaffRequiredMixin, View):
    """Per instrument: the trend, baseline against latest, and each judgement with its rule.

    A fixed number of queries whatever the number of scores (see the query-count test).
    """

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, f"course {course.pk} outcomes and shared journal entries", VIEW)
        page = outcome_page(course)
        context = {
            "course": course,
            "patient": course.patient,
            "protocol": page.protocol,
            "closure": CourseClosure.objects.filter(course=course)
            .select_related("recorded_by")
            .first(),
            "instruments": page.instruments,
            "dose_count": len(page.dose_times),
            "journal": journal_for(request.user, course),
            "overdue": list(
                MeasureRequest.objects.visible_to(request.user)
                .overdue()
                .filter(course=course)
                .order_by("due_at", "pk")
            ),
            "role": role_of(request.user, course),
            "time_points": outcomes_at_time_points(
                course, page.protocol, scores=page.scores, started=page.started
            ),
        }
        with timezone.override(course.clinic.tz):
            return render(request, "integration/outcomes.html", context)


# --- The clinic dashboard -------------------------------------------------------------------


class ClinicDashboardView(StaffRequiredMixin, View):
    """Open courses by stage, and outcomes across completed courses; bounded queries."""

    template_name = "integration/dashboard.html"

    def get(self, request):
        provider = provider_for(request.user)
        if provider is not None:
            clinic = provider.clinic
        else:
            # A superuser belongs to no clinic: they choose one.
            wanted = request.GET.get("clinic", "")
            clinic = get_object_or_404(Clinic, pk=wanted) if wanted.isdigit() else None
            if clinic is None:
                return render(
                    request,
                    self.template_name,
                    {"clinic": None, "clinics": Clinic.objects.order_by("name")},
                )
        form = DashboardFilterForm(request.GET or None, clinic=clinic)
        filters = form.cleaned_data if form.is_valid() else {}
        dashboard = clinic_dashboard(
            clinic,
            indication=filters.get("indication") or None,
            start=filters.get("start"),
            end=filters.get("end"),
        )
        overdue = list(
            MeasureRequest.objects.visible_to(request.user)
            .overdue()
            .filter(course__clinic=clinic)
            .select_related("course__patient")
            .order_by("due_at", "pk")[:50]
        )
        context = {
            "clinic": clinic,
            "form": form,
            "dashboard": dashboard,
            "open_total": sum(count for _, _, count in dashboard.stages),
            "indication_label": Indication(dashboard.indication).label
            if dashboard.indication
            else "",
            "overdue": overdue,
            "superuser_clinic": None if provider else clinic,
        }
        with timezone.override(clinic.tz):
            return render(request, self.template_name, context)


# --- Closing a course -----------------------------------------------------------------------


class BeginIntegrationView(CourseFormView):
    """Dosing is over: the course moves to its integration phase, with the reason kept (a
    journey transition with no way back to treatment, so a page rather than one click)."""

    template_name = "integration/begin_integration.html"
    form_class = BeginIntegrationForm
    allowed_from = frozenset({CourseState.IN_TREATMENT, CourseState.MAINTENANCE})

    def viewing(self, course):
        return f"course {course.pk}: move to integration"

    def render_page(self, course, form):
        refusal = None
        if course.state not in self.allowed_from:
            refusal = f"This course is {course.get_state_display().lower()}: it is not dosing."
        context = {"course": course, "patient": course.patient, "form": form, "refusal": refusal}
        return render(self.request, self.template_name, context)

    def save(self, course, form):
        course.begin_integration(self.request.user, form.cleaned_data["reason"])
        messages.success(self.request, "The course is now in its integration phase.")
        return redirect("clinic:patient-chart", course.patient_id)


class _CloseCourseView(CourseFormView):
    template_name = "integration/close_course.html"
    form_class = CourseClosureForm
    service = None
    danger = False
    title = ""
    button = ""
    done = ""
    allowed_from = frozenset()
    intro = ""

    def render_page(self, course, form):
        refusal = None
        if course.state not in self.allowed_from:
            refusal = self.refusal(course)
        context = {
            "course": course,
            "patient": course.patient,
            "form": form,
            "title": self.title,
            "button": self.button,
            "intro": self.intro,
            "refusal": refusal,
            "danger": self.danger,
            "ahead": services.cancelled_on_closing(course).select_related("clinician__user"),
        }
        return render(self.request, self.template_name, context)

    def refusal(self, course):
        return f"This course is {course.get_state_display().lower()}: it cannot be closed here."

    def viewing(self, course):
        return f"course {course.pk}: {self.title.lower()}"

    def save(self, course, form):
        data = form.cleaned_data
        ahead = services.cancelled_on_closing(course).count()
        self.service(course, self.request.user, reason=data["reason"], on=data["effective_on"])
        cancelled = {0: "", 1: " 1 booked session was cancelled."}.get(
            ahead, f" {ahead} booked sessions were cancelled."
        )
        messages.success(self.request, self.done + cancelled)
        return redirect("clinic:patient-chart", course.patient_id)


class CompleteCourseView(_CloseCourseView):
    service = staticmethod(services.complete_course)
    title = "Complete the course"
    button = "Complete course"
    done = "Course completed. End-of-course and follow-up questionnaires are scheduled."
    allowed_from = frozenset({CourseState.INTEGRATION})
    intro = (
        "The course ends as completed. Follow-up questionnaires are requested as the protocol sets."
    )

    def refusal(self, course):
        if course.state == CourseState.IN_TREATMENT:
            return "The course is still in treatment: move it to integration first."
        return super().refusal(course)


class DiscontinueCourseView(_CloseCourseView):
    service = staticmethod(services.discontinue_course)
    danger = True
    title = "Discontinue the course"
    button = "Discontinue course"
    done = "Course discontinued. Questionnaires still requested were cancelled."
    allowed_from = frozenset(set(CourseState) - CLOSED_STATES)
    intro = "The course ends early. Questionnaires still requested are cancelled."
