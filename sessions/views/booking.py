"""Phase 2 pages: book a dosing session, a clinician's day, cancel or record a no-show."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.badges import attach_badges
from kapclinic.clinic.form_views import CourseFormView, chosen_slot
from kapclinic.clinic.mixins import StaffRequiredMixin
from kapclinic.clinic.models import (
    Appointment,
    FollowUpTask,
    JourneyError,
    Provider,
    Role,
    TreatmentCourse,
)
from kapclinic.clinic.models.people import CLINICIAN_ROLES
from kapclinic.stock.selectors import discrepancies_for

from .. import booking
from ..forms.booking import BookDosingSessionForm, ReasonForm
from ..plan import course_protocol
from ..reevaluation import due_reevaluations
from ..session_length import default_minutes


class BookDosingSessionView(CourseFormView):
    template_name = "dosing/book_session.html"
    form_class = BookDosingSessionForm

    def render_page(self, course, form):
        context = {
            "course": course,
            "patient": course.patient,
            "form": form,
            "refusal": booking.booking_refusal(course),
        }
        return render(self.request, self.template_name, context)

    def viewing(self, course):
        return f"booking a dosing session, course {course.pk}"

    def initial(self, course):
        return {"duration_minutes": default_minutes(course_protocol(course)[1])}

    def save(self, course, form):
        by = self.request.user
        appointment = booking.book_dosing_session(course, by=by, **chosen_slot(form))
        messages.success(self.request, f"Dosing session booked {appointment.when()}.")
        return redirect("clinic:patient-chart", course.patient_id)


def _parse_day(value, tz):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate(timezone=tz)


class DayView(StaffRequiredMixin, View):
    """One clinician's appointments on one day, in their clinic's time zone."""

    template_name = "dosing/day.html"

    def get(self, request):
        clinicians = Provider.objects.visible_to(request.user).select_related("user", "clinic")
        wanted = request.GET.get("clinician", "")
        if wanted:
            if not wanted.isdigit():
                raise Http404("No such clinician.")
            clinician = get_object_or_404(clinicians, pk=wanted)
        else:
            clinician = provider_for(request.user)
        if clinician is None:
            # A superuser with no clinic of their own: ask which clinician.
            day = _parse_day(request.GET.get("date"), timezone.get_current_timezone())
            return render(
                request,
                self.template_name,
                {"clinician": None, "day": day, "choices": self.choices(clinicians)},
            )
        tz = clinician.clinic.tz
        day = _parse_day(request.GET.get("date"), tz)
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        appointments = (
            Appointment.objects.visible_to(request.user)
            .filter(clinician=clinician, starts_at__gte=start, starts_at__lt=end)
            .select_related("course__patient", "dosing_session", "resource")
            .order_by("starts_at", "pk")
        )
        appointments = list(appointments)
        attach_badges(appointment.course for appointment in appointments)
        for appointment in appointments:
            appointment.state, appointment.state_tone = booking.visit_state(appointment)
        context = {
            "clinician": clinician,
            "clinic": clinician.clinic,
            "day": day,
            "is_today": day == timezone.localdate(timezone=tz),
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "appointments": appointments,
            # Risk follow-ups owned by this clinician, due by the end of the day or overdue.
            "follow_up_tasks": FollowUpTask.objects.visible_to(request.user)
            .open()
            .filter(owner=clinician, due_at__lt=end)
            .select_related("course__patient"),
            "reevaluations_due": self.reevaluations_due(request, clinician, end),
            "now": timezone.now(),
            "stock_discrepancies": discrepancies_for(provider_for(request.user)),
            "choices": self.choices(clinicians.filter(clinic_id=clinician.clinic_id)),
        }
        return render(request, self.template_name, context)

    def reevaluations_due(self, request, clinician, end):
        """For a prescriber: the clinic's courses whose re-evaluation is due by the day's end."""
        if clinician.role != Role.PRESCRIBER:
            return []
        visible = TreatmentCourse.objects.visible_to(request.user)
        return due_reevaluations(clinician.clinic, end, courses=visible)

    def choices(self, clinicians):
        return clinicians.active().filter(role__in=CLINICIAN_ROLES)


def staff_appointment(request, pk):
    """An appointment of the staff member's clinic, or 404."""
    return get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "course__patient", "clinic", "clinician__user", "resource"
        ),
        pk=pk,
    )


class AppointmentView(StaffRequiredMixin, View):
    template_name = "dosing/appointment.html"

    def get(self, request, pk):
        appointment = staff_appointment(request, pk)
        audit(request.user, appointment, f"appointment {appointment.pk}", VIEW)
        return render_appointment(request, appointment)


def render_appointment(request, appointment, cancel_form=None, no_show_form=None):
    context = {
        "appointment": appointment,
        "patient": appointment.course.patient,
        "clinic": appointment.clinic,
        "cancel_form": cancel_form or ReasonForm(prefix="cancel"),
        "no_show_form": no_show_form or ReasonForm(prefix="no_show"),
        "can_cancel": appointment.is_live,
        "can_record_no_show": appointment.status == Appointment.Status.BOOKED
        and appointment.starts_at <= timezone.now(),
    }
    return render(request, "dosing/appointment.html", context)


class _StatusChangeView(StaffRequiredMixin, View):
    """POST only: the appointment keeps its row; only its status and reason change."""

    prefix = ""
    action = None
    done = ""

    def post(self, request, pk):
        appointment = staff_appointment(request, pk)
        form = ReasonForm(request.POST, prefix=self.prefix)
        if form.is_valid():
            try:
                self.action(appointment, by=request.user, reason=form.cleaned_data["reason"])
            except JourneyError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, self.done)
                return redirect("dosing:appointment", appointment.pk)
        forms = {f"{self.prefix}_form": form}
        return render_appointment(request, appointment, **forms)


class CancelAppointmentView(_StatusChangeView):
    prefix = "cancel"
    action = staticmethod(booking.cancel)
    done = "Appointment cancelled. It stays on the record with the reason."


class RecordNoShowView(_StatusChangeView):
    prefix = "no_show"
    action = staticmethod(booking.record_no_show)
    done = "No-show recorded."
