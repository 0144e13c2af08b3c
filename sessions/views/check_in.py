"""The patient's check-in on the day of a dosing session, from their phone.

One short step per page, each saved as it is sent (valid or not), so leaving and coming back
on any device restores every answer. Only the patient's own dosing appointment is reachable
(anyone else's is a 404); staff are refused by PatientRequiredMixin.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from intake.consent import consents_due
from kapclinic.clinic.models import Appointment
from kapclinic.clinic.steps import StepPageView
from kapclinic.clinic.views import PatientRequiredMixin
from kapclinic.instruments import get_instrument
from kapclinic.measures.forms import InstrumentForm

from .. import booking, services
from ..forms.check_in import STEP_BY_KEY, STEPS, step_is_done
from ..models import CheckIn, DosingError

SAVED_FOR_LATER = "Saved. You can come back to your check-in any time before your session."


class CheckInMixin(PatientRequiredMixin):
    """Loads the patient's appointment and its check-in; says so when check-in is closed."""

    def load(self, pk, *, complete_ok=False):
        """None when the page may show; otherwise the response to return instead."""
        self.appointment = get_object_or_404(
            Appointment.objects.visible_to(self.request.user)
            .filter(kind=Appointment.Kind.DOSING)
            .select_related("course__clinic"),
            pk=pk,
        )
        self.clinic = self.appointment.course.clinic
        self.now = timezone.now()
        self.check_in = CheckIn.objects.visible_to(self.request.user).filter(
            appointment=self.appointment
        ).select_related("gad7", "phq9").first() or CheckIn(appointment=self.appointment)
        refusal = booking.check_in_refusal(self.appointment, self.now)
        if refusal:
            return render(
                self.request,
                "dosing/check_in_closed.html",
                self.context(refusal=refusal),
            )
        if self.check_in.is_complete and not complete_ok:
            return redirect("dosing:check-in-done", self.appointment.pk)
        return None

    def states(self):
        """[(step, done)] in order, read from the check-in row."""
        return [(step, step_is_done(step, self.check_in, self.clinic, self.now)) for step in STEPS]

    def next_page(self):
        """The first step still to do, or the review page once all are done."""
        for step, done in self.states():
            if not done:
                return redirect("dosing:check-in-step", self.appointment.pk, step.key)
        return redirect("dosing:check-in-review", self.appointment.pk)

    def context(self, **extra):
        return {
            "appointment": self.appointment,
            "clinic": self.clinic,
            "check_in": self.check_in,
            "when": local_when(self.appointment),
            **extra,
        }


def local_when(appointment):
    """“Tuesday 3 March at 10:00” in the clinic's time zone, for the patient."""
    local = timezone.localtime(appointment.starts_at, appointment.course.clinic.tz)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


class StartView(CheckInMixin, View):
    """Resume where the patient left off, on any device."""

    def get(self, request, pk):
        if (response := self.load(pk)) is not None:
            return response
        return self.next_page()


class StepView(CheckInMixin, StepPageView):
    """One check-in step, saved as it is sent (the page flow is kapclinic.clinic.steps)."""

    template_name = "dosing/check_in_step.html"
    saved_for_later = SAVED_FOR_LATER

    def open_step(self, pk, step):
        response = self.load(pk)
        if response is None and step not in STEP_BY_KEY:
            raise Http404("No such step.")
        self.step = STEP_BY_KEY.get(step)
        return response

    def step_states(self):
        return self.states()

    def stored_response(self):
        return getattr(self.check_in, self.step.instrument)

    def build_form(self, data=None):
        if self.step.is_questionnaire:
            response = self.stored_response()
            answers = response.answers if response else {}
            locked = response is not None and response.is_completed
            if data is None and answers and not locked:
                # A half-answered questionnaire comes back with its gaps named.
                data = answers
            form = InstrumentForm(get_instrument(self.step.instrument), data, initial=answers)
            if locked:
                # Completed answers are part of the record (the service refuses a change).
                for field in form.fields.values():
                    field.disabled = True
            return form
        form_class = self.step.form_class
        if data is None:
            stored = form_class.stored(self.check_in, self.clinic.tz)
            if stored:
                # Re-show what was saved, with its errors, so the patient sees what to fix.
                return form_class(stored, clinic=self.clinic, now=self.now)
        return form_class(data, clinic=self.clinic, now=self.now)

    def save_form(self, form, valid):
        try:
            self.check_in = services.save_check_in(
                self.appointment, self.request.user, form.to_model() if valid else form.draft()
            )
        except ValidationError as error:
            form.add_model_errors(error)
            return False
        return True

    def save_questionnaire(self, form, valid):
        response = services.save_check_in_questionnaire(
            self.appointment,
            self.request.user,
            self.step.instrument,
            form.answers() if valid else form.partial_answers(),
            complete=valid,
        )
        setattr(self.check_in, self.step.instrument, response)
        return response

    def step_url(self, step):
        return reverse("dosing:check-in-step", args=[self.appointment.pk, step.key])

    def support_page(self):
        return redirect("dosing:check-in-support", self.appointment.pk)

    def page_context(self):
        return self.context(continue_url=reverse("dosing:check-in", args=[self.appointment.pk]))

    def post(self, request, **kwargs):
        try:
            return super().post(request, **kwargs)
        except DosingError as error:
            # The check-in was completed meanwhile, or this questionnaire already answered.
            messages.error(request, str(error))
            return redirect("dosing:check-in", self.appointment.pk)


class ReviewView(CheckInMixin, View):
    """Every answer on one page, with a link back to change it, then "Send my check-in"."""

    template_name = "dosing/check_in_review.html"

    def render_review(self):
        states = self.states()
        sections = []
        for step, done in states:
            if step.is_questionnaire:
                response = getattr(self.check_in, step.instrument)
                answered = len(response.answers) if response else 0
                total = len(get_instrument(step.instrument).items)
                rows = [(step.title, f"{answered} of {total} questions answered")]
            else:
                rows = step.form_class.rows(self.check_in, self.clinic.tz)
            sections.append({"step": step, "done": done, "rows": rows})
        return render(
            self.request,
            self.template_name,
            self.context(
                sections=sections,
                missing=[step for step, done in states if not done],
                consents_due=consents_due(self.appointment.course),
            ),
        )

    def get(self, request, pk):
        if (response := self.load(pk)) is not None:
            return response
        return self.render_review()

    def post(self, request, pk):
        if (response := self.load(pk)) is not None:
            return response
        missing = [step.title for step, done in self.states() if not done]
        if missing:
            messages.error(request, f"Please finish: {', '.join(missing)}.")
            return self.render_review()
        try:
            services.send_check_in(self.appointment, request.user)
        except DosingError as error:
            messages.error(request, str(error))
            return redirect("dosing:check-in", self.appointment.pk)
        messages.success(request, "Thank you. You are checked in: the clinic has your answers.")
        return redirect("dosing:check-in-done", self.appointment.pk)


class SupportView(CheckInMixin, View):
    """Shown at once when an answer suggests risk: crisis resources, then carry on."""

    def get(self, request, pk):
        if (response := self.load(pk, complete_ok=True)) is not None:
            return response
        return render(request, "dosing/check_in_support.html", self.context())


class DoneView(CheckInMixin, View):
    """The sent check-in: what the clinic has, and what to remember for the day."""

    def get(self, request, pk):
        if (response := self.load(pk, complete_ok=True)) is not None:
            return response
        if not self.check_in.is_complete:
            return redirect("dosing:check-in", self.appointment.pk)
        phq9 = self.check_in.phq9
        return render(
            request,
            "dosing/check_in_done.html",
            self.context(
                crisis=phq9 is not None and phq9.has_urgent_flag,
                consents_due=consents_due(self.appointment.course),
                sections=[
                    {"step": step, "rows": step.form_class.rows(self.check_in, self.clinic.tz)}
                    for step in STEPS
                    if not step.is_questionnaire
                ],
            ),
        )
