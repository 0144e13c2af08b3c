"""The clinician's live session screen, and the small POSTs it makes while the patient is dosed.

Each POST is an EntryView (views/entries.py): its own form, one service call, and the
fragments it changed swapped back by htmx (or a redirect to the section without JavaScript).
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views import View

from kapclinic.audit.trail import VIEW, audit
from kapclinic.clinic.form_views import refusals_shown_on
from kapclinic.clinic.mixins import StaffRequiredMixin, staff_row
from kapclinic.clinic.models import Appointment, JourneyError
from kapclinic.clinic.records import SignedRecordError

from .. import services
from ..forms import session as forms
from ..models import DosingSession, SessionAlert
from ..monitoring_services import CORRECTABLE
from .entries import (
    GATE,
    TEMPLATE,
    EntryView,
    error_form_prefix,
    render_parts,
    screen_context,
    screen_url,
    staff_session,
)

SHOWN_WITH = ("course__patient", "course__clinic", "clinician__user")
SCREEN_SHOWN_WITH = ("course__treatment_plan", "dosing_session__signed_by")


def _on_screen(clinic_id, pk):
    return (
        Appointment.objects.seen_by_staff_of(clinic_id)
        .select_related(*SHOWN_WITH, *SCREEN_SHOWN_WITH)
        .filter(pk=pk)
    )


class SessionView(StaffRequiredMixin, View):
    """GET: the screen (or a "Start session" page); POST: open the session for the appointment."""

    def get_appointment(self, request, pk):
        return get_object_or_404(
            Appointment.objects.visible_to(request.user).select_related(*SHOWN_WITH), pk=pk
        )

    def get(self, request, pk):
        # The session comes with its appointment, and the plan the gate's clearance check reads:
        # for staff, a statement built once per process (about 3 ms a screen to build anew).
        appointments = Appointment.objects.visible_to(request.user)
        appointment = staff_row(
            request,
            "session screen: appointment",
            pk,
            _on_screen,
            appointments.select_related(*SHOWN_WITH, *SCREEN_SHOWN_WITH),
        )
        session = getattr(appointment, "dosing_session", None)
        if session is not None:
            if session.course_id == appointment.course_id:
                # Same course, so the same access rule the appointment just passed.
                session.course = appointment.course
            else:
                session = (
                    DosingSession.objects.visible_to(request.user)
                    .select_related("course__clinic", "appointment__clinician__user")
                    .filter(pk=session.pk)
                    .first()
                )
        what = f"dosing session screen, appointment {appointment.pk}"
        audit(request.user, appointment.course, what, VIEW)
        with timezone.override(appointment.course.clinic.tz):
            if session is None:
                context = {
                    "appointment": appointment,
                    "patient": appointment.course.patient,
                    "clinic": appointment.course.clinic,
                    "session": None,
                    "opening_refusal": services.opening_refusal_for(appointment),
                }
                return render(request, TEMPLATE, context)
            return render(request, TEMPLATE, screen_context(request, session))

    def post(self, request, pk):
        appointment = self.get_appointment(request, pk)
        try:
            services.open_session(appointment, request.user)
        except JourneyError as error:
            messages.error(request, str(error))
            return redirect("dosing:appointment", appointment.pk)
        return redirect("dosing:session", appointment.pk)


class RecordWeightView(EntryView):
    form_class = forms.WeightForm
    form_key = "weight_form"
    anchor = "pre-dose"
    done = "Weight recorded."
    refresh = GATE

    def perform(self, form):
        return services.record_weight(
            self.session, self.request.user, form.cleaned_data["weight_kg"]
        )


class ConfirmCompanionView(EntryView):
    form_class = forms.CompanionForm
    form_key = "companion_form"
    anchor = "pre-dose"
    done = "Companion confirmed."
    refresh = GATE

    def perform(self, form):
        return services.confirm_companion(self.session, self.request.user)


class RecordIdentityCheckView(EntryView):
    form_class = forms.IdentityForm
    form_key = "identity_form"
    anchor = "pre-dose"
    done = "Identity check and verbal consent recorded."
    refresh = GATE

    def perform(self, form):
        return services.record_identity_check(
            self.session, self.request.user, form.data_for_service()
        )


class OverrideGateView(EntryView):
    form_class = forms.OverrideForm
    form_key = "override_form"
    anchor = "pre-dose"
    done = "Override recorded. Dosing may go ahead."
    refresh = ("gate", "dose-hold")

    def perform(self, form):
        data = form.cleaned_data
        return services.override_gate(
            self.session, self.request.user, data["reason"], request_key=data["request_key"]
        )


class RecordDoseView(EntryView):
    form_key = "dose_form"
    anchor = "doses"
    done = "Dose recorded."
    refresh = ("doses", *GATE, "monitoring", "vitals", "discharge-preview")

    def post(self, request, pk):
        self.duplicate = None
        return super().post(request, pk)

    def get_form(self, data=None):
        return forms.DoseForm(data, session=self.session, user=self.request.user)

    def perform(self, form):
        # The service says what is wrong beside the field: a dose away from the plan
        # without a prescriber's reason, past the session maximum, a form sent twice.
        try:
            return services.record_dose(self.session, self.request.user, form.data_for_service())
        except services.DoseAlreadyRecorded as error:
            self.duplicate = error
            raise

    def refused(self, form):
        """The same form sent twice: say the dose is already recorded (HTTP 409 without
        htmx), show it in the list, and offer a fresh form for a real booster."""
        if self.duplicate is None:
            return super().refused(form)
        context = self.context()
        context["dose_already_recorded"] = str(self.duplicate)
        if self.request.htmx:
            return render_parts(self.request, context, [self.partial], ["doses"])
        return render(self.request, TEMPLATE, context, status=409)


class RaisesAlertsMixin:
    """An entry that may raise in-session alerts: they appear at once, above the screen."""

    alert_source = ""  # the alert's link to the entry just saved

    def oob_parts(self, context):
        context["new_alerts"] = [
            a for a in context["open_alerts"] if getattr(a, self.alert_source) == self.result.pk
        ]
        return (*self.refresh, "new-alerts")


class RecordVitalsView(RaisesAlertsMixin, EntryView):
    form_class = forms.VitalsForm
    form_key = "vitals_form"
    anchor = "monitoring"
    done = "Vital signs recorded."
    refresh = ("vitals", "monitoring", *GATE, "discharge-preview")

    alert_source = "vital_signs_id"

    def perform(self, form):
        return services.record_vitals(self.session, self.request.user, form.data_for_service())


class RecordObservationView(RaisesAlertsMixin, EntryView):
    form_class = forms.ObservationForm
    form_key = "observation_form"
    anchor = "observations"
    done = "Observation recorded."
    refresh = ("observations", *GATE, "discharge-preview")

    alert_source = "observation_id"

    def perform(self, form):
        return services.record_observation(self.session, self.request.user, form.data_for_service())


class RecordAdverseEventView(EntryView):
    form_class = forms.AdverseEventForm
    form_key = "event_form"
    anchor = "adverse-events"
    done = "Adverse event recorded."
    # A serious event raises a safety flag; one not resolved holds discharge.
    refresh = ("events", *GATE, "discharge-preview")

    def perform(self, form):
        return services.record_adverse_event(
            self.session, self.request.user, form.data_for_service()
        )

    def oob_parts(self, context):
        # An event may still be recorded after discharge, when there is no preview to redraw.
        discharged = context["discharge"] is not None
        return [part for part in self.refresh if part != "discharge-preview" or not discharged]


class AcknowledgeAlertView(EntryView):
    anchor = "alerts"
    done = "Alert acknowledged."
    refresh = (*GATE, "discharge-preview", "signature")

    def post(self, request, pk, alert_pk):
        session = staff_session(request, pk)
        self.alert = get_object_or_404(
            SessionAlert.objects.visible_to(request.user).filter(session=session), pk=alert_pk
        )
        return super().post(request, pk)

    def get_form(self, data=None):
        return forms.AcknowledgeAlertForm(data, prefix=f"alert-{self.alert.pk}")

    def perform(self, form):
        return services.acknowledge_alert(
            self.alert, self.request.user, form.cleaned_data["action_taken"]
        )

    def saved(self):
        if not self.request.htmx:
            return super().saved()
        context = self.context()
        context["alert"] = self.result
        parts = [p for p in self.refresh if p != "discharge-preview" or not context["discharge"]]
        return render_parts(self.request, context, ["alert-item"], parts)

    def refused(self, form):
        context = self.context(alert_forms={self.alert.pk: form})
        if self.request.htmx:
            alert = next((a for a in context["open_alerts"] if a.pk == self.alert.pk), self.alert)
            alert.ack_form = form
            return render_parts(self.request, {**context, "alert": alert}, ["alert-item"])
        return render(self.request, TEMPLATE, context)


class DischargeView(EntryView):
    form_class = forms.DischargeForm
    form_key = "discharge_form"
    anchor = "discharge"
    done = "Patient discharged. The session is ready for the prescriber's signature."
    whole_screen = True

    def perform(self, form):
        return services.discharge(self.session, self.request.user, form.data_for_service())


class SignSessionView(EntryView):
    form_key = "sign_form"
    anchor = "signature"
    done = "Session signed. The record is now read-only; corrections are addenda."
    whole_screen = True

    def get_form(self, data=None):
        return forms.SignForm(data)

    def perform(self, form):
        return services.sign_session(self.session, self.request.user)

    @property
    def partial(self):
        return "signature"


class AddAddendumView(EntryView):
    form_class = forms.AddendumForm
    form_key = "addendum_form"
    anchor = "addenda"
    done = "Addendum added."
    refresh = ("addenda",)

    def perform(self, form):
        data = form.cleaned_data
        return services.add_addendum(
            self.session, self.request.user, data["text"], request_key=data["request_key"]
        )


class MarkEnteredInErrorView(StaffRequiredMixin, View):
    """Strike a wrong vitals, observation, adverse-event or dose entry: the row swaps in
    place, struck through with the reason; the schedule, gate and chart stop counting it. A
    dose redraws the whole dose list (its labels and the session total change with it)."""

    row_partial = {"vitals": "vitals-row", "observation": "observation-row"}
    refresh = {
        "vitals": ("vitals-chart", "monitoring", *GATE, "alerts", "discharge-preview"),
        "observation": (*GATE, "alerts", "discharge-preview"),
        "adverse-event": (*GATE, "discharge-preview"),
        "dose": (*GATE, "monitoring", "vitals", "discharge-preview"),
    }
    anchor = {"vitals": "monitoring", "observation": "observations", "dose": "doses"}

    def post(self, request, pk, kind, entry_pk):
        session = staff_session(request, pk)
        model = CORRECTABLE.get(kind)
        if model is None:
            raise Http404("No such kind of entry.")
        entry = get_object_or_404(
            model.entries.visible_to(request.user).filter(session=session), pk=entry_pk
        )
        form = forms.EnteredInErrorForm(request.POST, prefix=error_form_prefix(kind, entry.pk))
        with timezone.override(session.course.clinic.tz):
            if form.is_valid():
                with refusals_shown_on(form, JourneyError, SignedRecordError):
                    services.mark_entered_in_error(entry, request.user, form.cleaned_data["reason"])
                    return self.saved(request, session, kind, entry)
            context = screen_context(request, session, error_forms={(kind, entry.pk): form})
            if request.htmx:
                return self.row(request, context, kind, entry)
            return render(request, TEMPLATE, context)

    def saved(self, request, session, kind, entry):
        if not request.htmx:
            messages.success(request, "Marked entered in error. It stays in the record.")
            return redirect(screen_url(session, self.anchor.get(kind, "adverse-events")))
        session.refresh_from_db()
        context = screen_context(request, session)
        parts = self.refresh[kind]
        if context["discharge"] is not None:
            parts = [name for name in parts if name != "discharge-preview"]
        return self.row(request, context, kind, entry, parts)

    def row(self, request, context, kind, entry, oob=()):
        if kind == "dose":
            return render_parts(request, context, ["doses"], oob)
        if kind == "vitals":
            row = next(r for r in context["vitals_rows"] if r.reading.pk == entry.pk)
            context = {**context, "row": row}
        elif kind == "observation":
            context = {**context, "obs": next(o for o in context["observations"] if o == entry)}
        else:
            context = {**context, "event": next(e for e in context["events"] if e == entry)}
        partial = self.row_partial.get(kind, "event-row")
        html = render_to_string(f"{TEMPLATE}#{partial}", context, request)
        if oob:
            # A <tr> response is parsed in table context: out-of-band parts ride in a
            # <template>, which htmx 2 unpacks and swaps by id.
            parts = render_parts(request, context, [], oob).content.decode()
            html += f"<template>{parts}</template>"
        return HttpResponse(html)
