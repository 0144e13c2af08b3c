"""The front desk's pages: the requests inbox, one request to answer, and open slots.

Thin views: a scoped queryset (another clinic's request is a 404), one service, a template.
Opening a request is a read of the patient's record, so it is audited.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.form_views import refusals_shown_on
from kapclinic.clinic.mixins import StaffRequiredMixin
from kapclinic.clinic.models import JourneyError

from . import requests as services
from . import slots as slot_services
from .models import AppointmentRequest, OpenSlot
from .request_forms import DeclineForm, ProposeTimeForm, PublishSlotsForm, StaffAnswerForm

RECENT_ANSWERED = 20


class RequestsInboxView(StaffRequiredMixin, View):
    """Requests waiting for the clinic, oldest first; then the latest answered."""

    def get(self, request):
        requests = AppointmentRequest.objects.visible_to(request.user).select_related(
            "patient", "clinic", "clinician__user", "appointment"
        )
        waiting = list(requests.filter(status=AppointmentRequest.Status.REQUESTED).order_by("pk"))
        answered = list(
            requests.exclude(status=AppointmentRequest.Status.REQUESTED).order_by(
                "-updated_at", "-pk"
            )[:RECENT_ANSWERED]
        )
        context = {"waiting": waiting, "answered": answered, "now": timezone.now()}
        return render(request, "calendar/requests.html", context)


class RequestView(StaffRequiredMixin, View):
    """One request: what was asked, the patient's note; accept, propose a time, or decline."""

    template_name = "calendar/request.html"

    def get_request(self, request, pk):
        return get_object_or_404(
            AppointmentRequest.objects.visible_to(request.user).select_related(
                "course__patient",
                "course__clinic",
                "clinic",
                "patient",
                "clinician__user",
                "appointment",
                "booked",
                "proposed_clinician__user",
            ),
            pk=pk,
        )

    def render_page(self, request, item, propose=None, decline=None, error="", status=200):
        clinic = item.clinic
        context = {
            "item": item,
            "patient": item.patient,
            "propose": propose or self.propose_form(item),
            "decline": decline or DeclineForm(),
            "error": error,
        }
        with timezone.override(clinic.tz):
            return render(request, self.template_name, context, status=status)

    def propose_form(self, item, data=None):
        local = timezone.localtime(item.starts_at, item.clinic.tz)
        minutes = int((item.ends_at - item.starts_at).total_seconds() // 60)
        initial = {
            "date": local.date() + datetime.timedelta(days=1),
            "start_time": local.time().replace(second=0, microsecond=0),
            "duration_minutes": minutes,
            "clinician": item.clinician_id,
        }
        return ProposeTimeForm(data, clinic=item.clinic, initial=initial)

    def get(self, request, pk):
        item = self.get_request(request, pk)
        audit(request.user, item, f"appointment request {item.pk}", VIEW)
        return self.render_page(request, item)

    def post(self, request, pk):
        item = self.get_request(request, pk)
        action = StaffAnswerForm(request.POST)
        if not action.is_valid():
            return self.render_page(request, item, error="Choose what to do.", status=422)
        propose = decline = None
        try:
            match action.cleaned_data["action"]:
                case "accept":
                    services.accept(request.user, item)
                    done = f"Accepted: booked {item.booked.when()}. The patient is told by email."
                case "propose":
                    propose = self.propose_form(item, request.POST)
                    if not propose.is_valid():
                        return self.render_page(request, item, propose=propose, status=422)
                    data = propose.cleaned_data
                    services.propose(
                        request.user,
                        item,
                        starts_at=data["starts_at"],
                        ends_at=data["ends_at"],
                        clinician=data["clinician"],
                        response=data["response"],
                    )
                    done = "Another time offered. The patient is told by email."
                case _:
                    decline = DeclineForm(request.POST)
                    if not decline.is_valid():
                        return self.render_page(request, item, decline=decline, status=422)
                    services.decline(request.user, item, reason=decline.cleaned_data["reason"])
                    done = "Request declined. The patient is told by email."
        except ValidationError as error:
            if propose is not None:
                propose.add_model_errors(error)
                return self.render_page(request, item, propose=propose, status=422)
            if decline is not None:
                decline.add_model_errors(error)
                return self.render_page(request, item, decline=decline, status=422)
            words = " ".join(error.messages)
            return self.render_page(request, item, error=words, status=422)
        except JourneyError as error:
            return self.render_page(request, item, error=str(error), status=422)
        messages.success(request, done)
        return redirect("calendar:requests")


def _clinic_or_404(request):
    clinic = slot_services.publishing_clinic(request.user)
    if clinic is None:
        raise Http404("Open slots are published by a clinic's staff.")
    return clinic


class OpenSlotsView(StaffRequiredMixin, View):
    """Publish a block of slots (a date and its start times); list and unpublish them."""

    def render_page(self, request, clinic, form, status=200):
        slots = list(
            OpenSlot.objects.filter(clinic=clinic)
            .upcoming()
            .select_related("clinic", "clinician__user")
            .order_by("starts_at", "pk")
        )
        free = set(
            OpenSlot.objects.filter(pk__in=[s.pk for s in slots])
            .free()
            .values_list("pk", flat=True)
        )
        context = {"clinic": clinic, "form": form, "slots": slots, "free": free}
        with timezone.override(clinic.tz):
            return render(request, "calendar/slots.html", context, status=status)

    def get(self, request):
        clinic = _clinic_or_404(request)
        tomorrow = timezone.localdate(timezone=clinic.tz) + datetime.timedelta(days=1)
        form = PublishSlotsForm(clinic=clinic, initial={"date": tomorrow})
        return self.render_page(request, clinic, form)

    def post(self, request):
        clinic = _clinic_or_404(request)
        form = PublishSlotsForm(request.POST, clinic=clinic)
        if form.is_valid():
            data = form.cleaned_data
            with refusals_shown_on(form):
                slots = slot_services.publish_slots(
                    request.user,
                    day=data["date"],
                    times=data["times"],
                    minutes=data["duration_minutes"],
                    clinician=data["clinician"],
                )
                messages.success(request, f"{len(slots)} open slots published.")
                return redirect("calendar:slots")
        return self.render_page(request, clinic, form, status=422)


class UnpublishSlotView(StaffRequiredMixin, View):
    def post(self, request, pk):
        clinic = _clinic_or_404(request)
        slot = get_object_or_404(OpenSlot.objects.filter(clinic=clinic), pk=pk)
        slot_services.unpublish(request.user, slot)
        with timezone.override(clinic.tz):
            messages.success(request, f"Slot {slot.when()} unpublished.")
        return redirect("calendar:slots")
