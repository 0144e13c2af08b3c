"""Step-by-step forms saved as you go: one short page per step, each saved as it is sent.

The intake wizard (phase 1) and the day-of check-in (dosing) share this page flow, so a
patient meets one behaviour in both:
- every submission is saved, valid or not: a draft keeps what was typed, so leaving and coming
  back on any device restores it;
- errors show beside their field and the unanswered questionnaire items are named above it;
- a refused step redirects to itself (Post/Redirect/Get), so the browser's Back never asks to
  send the form again; what was typed comes back with its errors, and the summary of what to
  fix takes focus, so a phone shows it and a screen reader reads it;
- "Save and finish later" saves and goes back to the patient's home page; "Back to" saves
  what was changed and goes to the step before, so nothing typed is lost;
- a questionnaire answer that raises an urgent flag (PHQ-9 item 9) leads at once to the
  crisis-support page, before the patient moves on.

What a flow stores and where stays with its phase (the safety rules are in each phase's
services): a subclass of `StepPageView` says how to find a step, build its form, save it, and
where its other pages are.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.views import View

from kapclinic.measures.forms import REQUIRED

# The session key holding a refused submission until the step page shows it once.
REFUSED = "kap_refused_step"


@dataclass(frozen=True)
class Step:
    """One page of a flow: a plain form (`form_class`) or a questionnaire (`instrument`)."""

    key: str
    title: str
    form_class: type | None = None
    instrument: str = ""  # a questionnaire from kapclinic.measures
    template: str = ""  # a step with a page of its own (else the flow's step page)

    @property
    def is_questionnaire(self):
        return bool(self.instrument)

    @property
    def in_sentence(self):
        """The title inside a sentence ("Back to anxiety questionnaire (GAD-7)"): only its
        first letter lowered, so the abbreviations a patient sees on the page stay as written."""
        first_word = self.title.split(" ", 1)[0]
        return self.title if first_word.isupper() else self.title[:1].lower() + self.title[1:]


def unanswered(form):
    """The questionnaire items left blank, as (number, id of their first answer), in order,
    so the page can name each one above the form and link to it."""
    return [
        (form.numbers[key], f"{form[key].auto_id}_0")
        for key in form.numbers
        if REQUIRED in form.errors.get(key, ())
    ]


class StepPageView(View):
    """One step of a save-as-you-go flow (see the module docstring); `self.step` is the step.

    Drawn with `clinic/step_page.html`, which a flow's own template extends.
    """

    template_name = ""
    # The message after "Save and finish later".
    saved_for_later = "Saved. You can come back any time."
    # A completed questionnaire is part of the record: shown read-only, never re-answered.
    answered_questionnaires_locked = True

    # --- What a flow provides ---------------------------------------------------------------

    def open_step(self, **kwargs):
        """Load the flow and set `self.step`: None when the page may show, else the response
        to return instead (Http404 for a step that does not exist or apply)."""
        raise NotImplementedError

    def step_states(self):
        """[(step, done)] for the steps that apply, in order."""
        raise NotImplementedError

    def stored_response(self):
        """This questionnaire step's saved response, or None."""
        raise NotImplementedError

    def build_form(self, data=None):
        """The step's form: bound to `data`, else to the saved draft (with its errors)."""
        raise NotImplementedError

    def save_form(self, form, valid):
        """Save a plain step: its answers when valid, else what can be kept of them.

        Returns False, with the refusal added to the form, when nothing could be saved.
        """
        raise NotImplementedError

    def save_questionnaire(self, form, valid):
        """Save the answers (complete when valid, else a draft); returns the response."""
        raise NotImplementedError

    def step_url(self, step):
        """The address of another step of this flow (the "Back to" link)."""
        raise NotImplementedError

    def next_page(self):
        """The redirect to the first step still to do (or the review page)."""
        raise NotImplementedError

    def support_page(self):
        """The redirect to the crisis-support page."""
        raise NotImplementedError

    def page_context(self):
        """What the flow's template needs besides the step (its record, clinic, links)."""
        return {}

    # --- The page -------------------------------------------------------------------------

    def get(self, request, **kwargs):
        if (response := self.open_step(**kwargs)) is not None:
            return response
        refused = request.session.pop(REFUSED, None)
        if refused and refused["path"] == request.path:
            return self.render_step(self.build_form(_as_form_data(refused["data"])))
        return self.render_step(self.build_form())

    def post(self, request, **kwargs):
        if (response := self.open_step(**kwargs)) is not None:
            return response
        leaving = request.POST.get("leave") == "1"
        previous = self.previous_step() if request.POST.get("back") == "1" else None
        form = self.build_form(request.POST)
        if previous is not None and not form.has_changed():
            return redirect(self.step_url(previous))
        valid = form.is_valid()
        if self.step.is_questionnaire:
            response = self.save_questionnaire(form, valid)
            if response.has_urgent_flag and (valid or leaving or previous is not None):
                # Crisis resources at once, before the patient moves on (or home, when a
                # half-answered questionnaire is left with an urgent answer).
                return self.support_page()
        elif not self.save_form(form, valid):
            return self.render_step(form)
        if leaving:
            messages.success(request, self.saved_for_later)
            return redirect("clinic:my-journey")
        if previous is not None:
            return redirect(self.step_url(previous))
        if not valid:
            return self.show_refusal()
        return self.next_page()

    def show_refusal(self):
        """Post/Redirect/Get: the step again with what was typed and its errors. The
        submission is kept in the session for that one page (a draft cannot hold a time that
        is not valid yet), so nothing typed is lost and Back never resends the form."""
        self.request.session[REFUSED] = {
            "path": self.request.path,
            "data": {
                key: self.request.POST.getlist(key)
                for key in self.request.POST
                if key not in ("csrfmiddlewaretoken", "leave", "back")
            },
        }
        return redirect(self.request.path)

    def step_index(self, states):
        """Where this step stands among the steps that apply (from 0)."""
        return [step.key for step, _ in states].index(self.step.key)

    def previous_step(self, states=None):
        """The step before this one (the "Back to" button's), or None on the first."""
        states = self.step_states() if states is None else states
        index = self.step_index(states)
        return states[index - 1][0] if index else None

    def render_step(self, form):
        states = self.step_states()
        index = self.step_index(states)
        previous = self.previous_step(states)
        response = self.stored_response() if self.step.is_questionnaire else None
        answered = response is not None and response.is_completed
        return render(
            self.request,
            self.step.template or self.template_name,
            {
                "step": self.step,
                "form": form,
                "index": index + 1,
                "total": len(states),
                "done": sum(1 for _, done in states if done),
                "previous": previous,
                "previous_url": self.step_url(previous) if previous else "",
                "crisis": response is not None and response.has_urgent_flag,
                "locked": answered and self.answered_questionnaires_locked,
                "missing": unanswered(form) if self.step.is_questionnaire and form.is_bound else [],
                **self.page_context(),
            },
        )


def _as_form_data(kept):
    """A submission kept in the session as form data again (lists for repeated keys)."""
    data = QueryDict(mutable=True)
    for key, values in kept.items():
        data.setlist(key, values)
    return data
