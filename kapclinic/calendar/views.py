"""The calendar's pages: the week, the day, booking from an empty slot, moving a visit.

Thin: each page parses the query, calls the grid (the one read) or a phase's service, and
picks a template. Staff see their own clinic only; a patient is refused (403).
"""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.form_views import chosen_slot, refusals_shown_on
from kapclinic.clinic.mixins import StaffRequiredMixin
from kapclinic.clinic.models import Appointment, Clinic, JourneyError, Protocol
from sessions import booking as dosing
from sessions.session_length import at_least_observation, default_minutes

from . import booking
from .forms import CalendarBookingForm, MoveForm, parse_axis, parse_filters
from .grid import AXES, calendar_grid, week_of
from .render import grid_html


def staff_clinic(request):
    """The clinic whose calendar this is: the staff member's own; a superuser picks one."""
    provider = provider_for(request.user)
    if provider is not None:
        return provider.clinic
    wanted = request.GET.get("clinic", "")
    clinics = Clinic.objects.order_by("name", "pk")
    if wanted.isdigit():
        return get_object_or_404(clinics, pk=wanted)
    clinic = clinics.first()
    if clinic is None:
        raise Http404("No clinic yet.")
    return clinic


def parse_day(value, tz):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate(timezone=tz)


def calendar_url(name, day, query, **changes):
    """The same calendar view with the same filters, on another day or axis."""
    params = {
        k: v for k, v in query.items() if k in ("axis", "clinician", "room", "kind", "clinic")
    }
    params.update({"date": day.isoformat(), **changes})
    return f"{reverse(name)}?{urlencode({k: v for k, v in params.items() if v})}"


class _CalendarView(StaffRequiredMixin, View):
    """The week or the day: the same grid, seven days or one."""

    days = 7
    url_name = ""
    template_name = "calendar/calendar.html"

    def first_day(self, day):
        return day

    def get(self, request):
        clinic = staff_clinic(request)
        tz = clinic.tz
        day = parse_day(request.GET.get("date"), tz)
        first = self.first_day(day)
        axis = parse_axis(request.GET)
        filters = parse_filters(request.GET)
        grid = calendar_grid(
            clinic, request.user, first=first, days=self.days, axis=axis, filters=filters
        )
        step = datetime.timedelta(days=self.days)
        today = timezone.localdate(timezone=tz)
        query = request.GET
        superuser_clinic = None if provider_for(request.user) else clinic
        extra = {"clinic": clinic.pk} if superuser_clinic else None
        context = {
            "grid": grid,
            "grid_html": grid_html(grid, extra),
            "clinic": clinic,
            "view_kind": "week" if self.days == 7 else "day",
            "day": day,
            "previous_url": calendar_url(self.url_name, first - step, query),
            "next_url": calendar_url(self.url_name, first + step, query),
            "today_url": calendar_url(self.url_name, today, query),
            "week_url": calendar_url("calendar:week", day, query),
            "day_url": calendar_url("calendar:day", day, query),
            "axes": AXES.items(),
            "kinds": Appointment.Kind.choices,
            "day_links": [(d.date, calendar_url("calendar:day", d.date, query)) for d in grid.days],
            "superuser_clinic": superuser_clinic,
        }
        return render(request, self.template_name, context)


class WeekView(_CalendarView):
    days = 7
    url_name = "calendar:week"

    def first_day(self, day):
        return week_of(day)


class DayView(_CalendarView):
    days = 1
    url_name = "calendar:day"


def _slot_initial(request, clinic):
    """The form's start, clinician or room from the empty slot that was clicked."""
    initial = {}
    try:
        start = datetime.datetime.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = None
    if start is not None:
        initial.update(date=start.date(), start_time=start.time().replace(second=0))
    for name in ("clinician", "resource"):
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = int(value)
    return initial


class BookView(StaffRequiredMixin, View):
    """Book from an empty slot: the patient's course, the kind, the slot as clicked."""

    template_name = "calendar/book.html"

    def render_page(self, request, clinic, form, search):
        context = {"clinic": clinic, "form": form, "search": search}
        return render(request, self.template_name, context)

    def get(self, request):
        clinic = staff_clinic(request)
        search = request.GET.get("q", "")[:100]
        courses = booking.bookable_courses(request.user, clinic, search)
        # A dosing session (the first kind offered) holds at least the observation time of
        # the clinic's protocol; the service checks the course's own when it is booked.
        minutes = default_minutes(Protocol.objects.effective_for(clinic))
        initial = {"duration_minutes": minutes, **_slot_initial(request, clinic)}
        form = CalendarBookingForm(clinic=clinic, courses=courses, initial=initial)
        return self.render_page(request, clinic, form, search)

    def post(self, request):
        clinic = staff_clinic(request)
        courses = booking.bookable_courses(request.user, clinic)
        form = CalendarBookingForm(request.POST, clinic=clinic, courses=courses)
        if form.is_valid():
            appointment = booking.book(form, request.user)
            if appointment is not None:
                messages.success(
                    request,
                    f"{appointment.get_kind_display()} booked {appointment.when()}.",
                )
                day = timezone.localtime(appointment.starts_at, clinic.tz).date()
                return redirect(calendar_url("calendar:day", day, {}))
        return self.render_page(request, clinic, form, "")


def calendar_appointment(request, pk):
    """A live or past appointment of the staff member's clinic, or 404."""
    return get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "course__patient", "clinic", "clinician__user"
        ),
        pk=pk,
    )


class MoveView(StaffRequiredMixin, View):
    """An appointment as the calendar shows it, and the form that moves it."""

    template_name = "calendar/move.html"

    def initial(self, appointment):
        tz = appointment.clinic.tz
        start = timezone.localtime(appointment.starts_at, tz)
        minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
        if appointment.kind == Appointment.Kind.DOSING:
            minutes = at_least_observation(appointment.course, minutes)
        return {
            "date": start.date(),
            "start_time": start.time().replace(second=0, microsecond=0),
            "duration_minutes": minutes,
            "clinician": appointment.clinician_id,
            "resource": appointment.resource_id,
        }

    def render_page(self, request, appointment, form):
        state, tone = dosing.visit_state(appointment)
        context = {
            "appointment": appointment,
            "patient": appointment.course.patient,
            "clinic": appointment.clinic,
            "form": form,
            "state": state,
            "state_tone": tone,
            "day_url": calendar_url(
                "calendar:day",
                timezone.localtime(appointment.starts_at, appointment.clinic.tz).date(),
                {},
            ),
        }
        with timezone.override(appointment.clinic.tz):
            return render(request, self.template_name, context)

    def get(self, request, pk):
        appointment = calendar_appointment(request, pk)
        audit(request.user, appointment.course, f"appointment {appointment.pk} (calendar)", VIEW)
        # Dropped on an empty slot: the slot's time, clinician or room, the rest as booked.
        initial = {**self.initial(appointment), **_slot_initial(request, appointment.clinic)}
        form = MoveForm(clinic=appointment.clinic, initial=initial)
        return self.render_page(request, appointment, form)

    def post(self, request, pk):
        appointment = calendar_appointment(request, pk)
        form = MoveForm(request.POST, clinic=appointment.clinic)
        if form.is_valid():
            with refusals_shown_on(form, JourneyError):
                reason = form.cleaned_data["reason"]
                dosing.reschedule(appointment, by=request.user, reason=reason, **chosen_slot(form))
                messages.success(request, f"Appointment moved {appointment.when()}.")
                day = timezone.localtime(appointment.starts_at, appointment.clinic.tz).date()
                return redirect(calendar_url("calendar:day", day, {}))
        return self.render_page(request, appointment, form)
