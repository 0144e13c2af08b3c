"""The recurring-series pages: plan and review a series, see one, cancel in one.

Thin views: each reads through a scoped queryset (another clinic's record is a 404, a
patient is refused by the mixin), calls `series.py`, and picks a template.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.mixins import StaffRequiredMixin, staff_course
from kapclinic.clinic.models import (
    Appointment,
    AppointmentSeries,
    CourseState,
    JourneyError,
    TreatmentCourse,
)
from sessions.plan import course_protocol
from sessions.session_length import default_minutes

from . import series as services
from .series_forms import OccurrenceForm, SeriesCancelForm, SeriesForm

PLAN, CHECK, BOOK, EDIT = "plan", "check", "book", "edit"


class BookSeriesView(StaffRequiredMixin, View):
    """Step one: what to book. Step two: each occurrence checked, changed or dropped, booked.

    Nothing is kept between the steps but the form itself: every POST is checked afresh.
    """

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, f"booking a series of sessions, course {course.pk}", VIEW)
        kind = (
            Appointment.Kind.INTEGRATION
            if course.state == CourseState.INTEGRATION
            else Appointment.Kind.DOSING
        )
        initial = {"kind": kind}
        if kind == Appointment.Kind.DOSING:
            initial["duration_minutes"] = default_minutes(course_protocol(course)[1])
        form = SeriesForm(clinic=course.clinic, initial=initial)
        return self.form_page(course, form)

    def post(self, request, pk):
        course = staff_course(request, pk)
        step = request.POST.get("step", PLAN)
        form = SeriesForm(request.POST, clinic=course.clinic)
        if step == EDIT or not form.is_valid():
            return self.form_page(course, form)
        data = form.cleaned_data
        if step == PLAN:
            return self.review_page(course, form, self.plan(course, data))
        # The review step: the rows as posted, one per occurrence first laid out.
        laid_out = services.planned_occurrences(
            data["starts_at"],
            every_days=data["every_days"],
            count=data["count"],
            duration_minutes=data["duration_minutes"],
            tz=course.clinic.tz,
        )
        rows = self.rows(course, data, laid_out, request.POST)
        if not all(row.is_valid() for row in rows):
            return self.review_page(course, form, self.plan(course, data), rows)
        plan = self.plan(course, data, [row.occurrence() for row in rows])
        if step == BOOK and plan.ready:
            try:
                series = services.book_series(plan, by=request.user)
            except services.SeriesError as error:
                plan = error.plan or plan
                return self.review_page(course, form, plan, error=str(error), status=422)
            except JourneyError as error:
                return self.review_page(course, form, plan, error=str(error), status=422)
            booked = series.appointments.count()
            messages.success(request, f"{booked} sessions booked, {series.cadence}.")
            return redirect("calendar:series", series.pk)
        return self.review_page(course, form, plan)

    def plan(self, course, data, occurrences=None):
        return services.plan_series(
            course,
            kind=data["kind"],
            first_starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
            every_days=data["every_days"],
            count=data["count"],
            clinician=data["clinician"],
            resource=data["resource"],
            occurrences=occurrences,
        )

    def rows(self, course, data, occurrences, posted=None):
        """One form per occurrence: as planned, or as posted on the review step."""
        tz, minutes = course.clinic.tz, data["duration_minutes"]
        return [
            OccurrenceForm.of(o, tz=tz, duration_minutes=minutes, data=posted) for o in occurrences
        ]

    def form_page(self, course, form):
        context = {"course": course, "patient": course.patient, "form": form}
        return render(self.request, "calendar/series_form.html", context)

    def review_page(self, course, form, plan, rows=None, error="", status=200):
        if plan.errors:  # the length, refused beside its field on the series form
            form.add_model_errors(ValidationError(plan.errors))
            return self.form_page(course, form)
        if rows is None:
            rows = self.rows(course, form.cleaned_data, plan.occurrences)
        problems = {o.number: o for o in plan.occurrences}
        context = {
            "course": course,
            "patient": course.patient,
            "form": form,
            "plan": plan,
            "rows": [(row, problems[row.number]) for row in rows],
            "error": error,
            "kind_label": Appointment.Kind(plan.kind).label.lower(),
        }
        with timezone.override(course.clinic.tz):
            return render(self.request, "calendar/series_review.html", context, status=status)


def staff_series(request, pk):
    """A series of the staff member's clinic, or 404."""
    courses = TreatmentCourse.objects.visible_to(request.user)
    return get_object_or_404(
        AppointmentSeries.objects.filter(course__in=courses).select_related(
            "course__patient", "course__clinic", "clinician__user", "resource", "created_by"
        ),
        pk=pk,
    )


class SeriesView(StaffRequiredMixin, View):
    """A series and each of its sessions, whatever became of them."""

    def get(self, request, pk):
        series = staff_series(request, pk)
        audit(request.user, series.course, f"appointment series {series.pk}", VIEW)
        appointments = series.appointments.select_related("clinician__user").order_by("starts_at")
        context = {
            "series": series,
            "course": series.course,
            "patient": series.course.patient,
            "appointments": appointments,
        }
        with timezone.override(series.course.clinic.tz):
            return render(request, "calendar/series.html", context)


class CancelInSeriesView(StaffRequiredMixin, View):
    """Cancel one session of a series, or it and every later session still booked."""

    def get_appointment(self, pk):
        return get_object_or_404(
            Appointment.objects.visible_to(self.request.user)
            .filter(series__isnull=False)
            .select_related("course__patient", "clinic", "series", "clinician__user"),
            pk=pk,
        )

    def get(self, request, pk):
        appointment = self.get_appointment(pk)
        audit(
            request.user,
            appointment.course,
            f"cancelling in appointment series {appointment.series_id}, "
            f"appointment {appointment.pk}",
            VIEW,
        )
        return self.page(appointment, SeriesCancelForm())

    def post(self, request, pk):
        appointment = self.get_appointment(pk)
        form = SeriesCancelForm(request.POST)
        if form.is_valid():
            reason, scope = form.cleaned_data["reason"], form.cleaned_data["scope"]
            try:
                if scope == SeriesCancelForm.REST:
                    cancelled = services.cancel_rest_of_series(
                        appointment.series, appointment, by=request.user, reason=reason
                    )
                else:
                    services.cancel_occurrence(appointment, by=request.user, reason=reason)
                    cancelled = [appointment]
            except JourneyError as error:
                form.add_error(None, str(error))
            else:
                count = len(cancelled)
                messages.success(
                    request,
                    f"{count} session{'s' if count != 1 else ''} cancelled. "
                    "Each stays on the record with the reason.",
                )
                return redirect("calendar:series", appointment.series_id)
        return self.page(appointment, form, status=422)

    def page(self, appointment, form, status=200):
        rest = list(
            Appointment.objects.live()
            .filter(series=appointment.series_id, starts_at__gte=appointment.starts_at)
            .order_by("starts_at")
        )
        context = {
            "appointment": appointment,
            "series": appointment.series,
            "patient": appointment.course.patient,
            "rest": rest,
            "form": form,
        }
        with timezone.override(appointment.clinic.tz):
            return render(self.request, "calendar/series_cancel.html", context, status=status)
