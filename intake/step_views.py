"""The intake wizard's step page: one step per page, saved as it is sent.

The page flow is the core's (`kapclinic.clinic.steps`, shared with the day-of check-in); the
steps and their order are `intake.steps`, what is stored and checked `intake.services`.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from kapclinic.clinic.models import JourneyError
from kapclinic.clinic.steps import StepPageView
from kapclinic.instruments import get_instrument
from kapclinic.measures.forms import InstrumentForm

from . import services
from .steps import STEP_BY_KEY
from .views import PatientIntakeMixin


class StepView(PatientIntakeMixin, StepPageView):
    """One wizard step, saved as it is sent (the page flow is kapclinic.clinic.steps)."""

    template_name = "intake/step.html"
    # Until the intake is sent, a questionnaire may be answered again (a new response).
    answered_questionnaires_locked = False

    def open_step(self, step):
        self.course = self.current_course()
        if not services.editable(self.course):
            return redirect("clinic:my-journey")
        self.step = STEP_BY_KEY.get(step)
        self.record = services.intake_record(self.course)
        if self.step is None or not self.step.applies(self.record.answers):
            raise Http404("No such step.")
        return None

    def step_states(self):
        state = services.progress(self.record)
        return [(step, step in state["done"]) for step in state["steps"]]

    def stored_response(self):
        return services.questionnaire_response(self.course, self.step.instrument)

    def build_form(self, data=None):
        step, record = self.step, self.record
        if step.is_questionnaire:
            response = self.stored_response()
            return InstrumentForm(
                get_instrument(step.instrument),
                data,
                initial=response.answers if response else {},
                scoring_context=services.scoring_context(record),
            )
        initial = record.drafts.get(step.key) or record.answers.get(step.key, {})
        if step.key == "about" and not initial:
            initial = services.about_on_file(self.course.patient)
        if step.key == "medications" and "medicines" not in initial:
            initial = {
                **initial,
                "medicines": "\n".join(i["name"] for i in initial.get("items", [])),
            }
        kwargs = {}
        if step.consent:
            kwargs["legal_name"] = self.course.patient.legal_name
            initial = {}
        if step.key == "about":
            kwargs["today"] = self.course.clinic.today()
        if data is None and step.key in record.drafts:
            # Re-show a draft with its errors, so the patient sees what still needs fixing.
            return step.form_class(record.drafts[step.key], **kwargs)
        return step.form_class(data, initial=initial, **kwargs)

    def save_form(self, form, valid):
        if not valid:
            services.save_draft(self.record, self.step.key, self.request.POST)
            return True
        try:
            services.save_step(
                self.record,
                self.step.key,
                form.cleaned_data,
                by=self.request.user,
                request=self.request,
            )
        except ValidationError as error:  # beside the field it names
            form.add_error(None, error)
            return False
        except JourneyError as error:
            form.add_error(None, str(error))
            return False
        return True

    def save_questionnaire(self, form, valid):
        answers = form.answers() if valid else form.partial_answers()
        return services.save_questionnaire(
            self.record, self.step.key, answers, by=self.request.user, complete=valid
        )

    def step_url(self, step):
        return reverse("intake:step", args=[step.key])

    def next_page(self):
        return redirect("intake:start")

    def support_page(self):
        # Crisis resources at once, as the next step, before the patient moves on.
        return redirect("intake:step", "support")

    def page_context(self):
        ctx = {"course": self.course, "clinic": self.course.clinic}
        if self.step.template:  # the support step: what comes after it
            missing = [step for step, done in self.step_states() if not done]
            ctx["next_step"] = next((s for s in missing if s.key != self.step.key), None)
        if self.step.consent:
            try:
                ctx["consent_document"] = services.current_consent(self.course.clinic)
            except JourneyError as error:
                ctx["consent_error"] = str(error)
        return ctx
