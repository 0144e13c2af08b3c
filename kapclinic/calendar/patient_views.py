"""The patient's pages: ask for a time (or to move an appointment), withdraw, answer an offer.

Phone first. Always the signed-in patient's own course: another patient's appointment or
request is not there (404), and staff are refused (403) by PatientRequiredMixin.
"""

import itertools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from kapclinic.clinic.form_views import refusals_shown_on
from kapclinic.clinic.mixins import PatientRequiredMixin
from kapclinic.clinic.models import Appointment

from . import requests as services
from .models import AppointmentRequest, OpenSlot
from .request_forms import AnswerProposalForm, AskForTimeForm


def current_course(patient):
    return patient.courses.select_related("clinic").order_by("-created_at").first()


def by_day(slots, tz):
    """[(date, [slot, …]), …] in the clinic's time zone, soonest first."""
    return [
        (day, list(group))
        for day, group in itertools.groupby(
            slots, key=lambda slot: timezone.localtime(slot.starts_at, tz).date()
        )
    ]


class AskForTimeView(PatientRequiredMixin, View):
    """Open slots by day; pick one and add a note. With `pk`, asks to move that appointment."""

    template_name = "calendar/ask.html"

    def page(self, request, pk):
        course = current_course(self.patient)
        appointment = None
        if pk is not None:
            appointment = get_object_or_404(
                Appointment.objects.visible_to(request.user).filter(course=course), pk=pk
            )
        return course, appointment

    def slots(self, course):
        if course is None:
            return OpenSlot.objects.none()
        return OpenSlot.objects.offered(course.clinic_id)

    def render_page(self, request, course, appointment, form, status=200):
        context = {"patient": self.patient, "course": course, "appointment": appointment}
        if course is not None:
            requests = list(
                AppointmentRequest.objects.visible_to(request.user)
                .filter(course=course)
                .select_related("clinic", "booked", "appointment")[:1]
            )
            latest = requests[0] if requests else None
            refusal = None
            if appointment is not None:
                try:
                    services.movable_appointment(course, appointment)
                except services.RequestError as error:
                    refusal = str(error)
            else:
                refusal = services.asking_refusal(course)
            slots = list(form.fields["slot"].queryset.select_related("clinic"))
            context |= {
                "open_request": latest if latest and latest.is_open else None,
                "last_answer": latest if latest and not latest.is_open else None,
                "refusal": refusal,
                "days": by_day(slots, course.clinic.tz),
                "form": form,
            }
        with timezone.override(self.patient.clinic.tz):
            return render(request, self.template_name, context, status=status)

    def get(self, request, pk=None):
        course, appointment = self.page(request, pk)
        form = AskForTimeForm(slots=self.slots(course))
        return self.render_page(request, course, appointment, form)

    def post(self, request, pk=None):
        course, appointment = self.page(request, pk)
        form = AskForTimeForm(request.POST, slots=self.slots(course))
        if course is None:
            return redirect("clinic:my-journey")
        if form.is_valid():
            with refusals_shown_on(form, services.RequestError):
                services.request_time(
                    request.user,
                    course,
                    slot=form.cleaned_data["slot"],
                    note=form.cleaned_data["note"],
                    appointment=appointment,
                )
                messages.success(
                    request,
                    "Your request was sent. Nothing is booked until the clinic accepts it: "
                    "we will email you when they answer.",
                )
                return redirect("calendar:ask")
        return self.render_page(request, course, appointment, form, status=422)


class PatientRequestView(PatientRequiredMixin, View):
    """A POST on the patient's own request; the outcome is a message on the ask page."""

    def post(self, request, pk):
        appointment_request = get_object_or_404(
            AppointmentRequest.objects.visible_to(request.user).select_related("course__patient"),
            pk=pk,
        )
        try:
            text = self.act(request, appointment_request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except services.RequestError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, text)
        return redirect("calendar:ask")


class WithdrawRequestView(PatientRequestView):
    def act(self, request, appointment_request):
        services.withdraw(request.user, appointment_request)
        return "Your request was withdrawn."


class AnswerProposalView(PatientRequestView):
    def act(self, request, appointment_request):
        form = AnswerProposalForm(request.POST)
        if not form.is_valid():
            raise services.RequestError("Choose Accept or Decline.")
        accepted = form.cleaned_data["answer"] == "accept"
        services.answer_proposal(request.user, appointment_request, accepted=accepted)
        if accepted:
            with timezone.override(appointment_request.clinic.tz):
                return f"Booked: {appointment_request.booked.when()}."
        return "You declined the time offered. You can ask for another time below."
