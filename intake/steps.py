"""The intake wizard's steps, in order: one place to add, remove or reorder a step.

The page flow (saved as you go) is `kapclinic.clinic.steps`; the questions `intake.step_forms`.
"""

import datetime
from dataclasses import dataclass

from django import forms as django_forms
from django.utils.dateformat import format as format_date

from kapclinic.clinic import steps

from . import step_forms as forms
from .question_layout import asked_in_order


@dataclass(frozen=True)
class Step(steps.Step):
    """An intake step: a plain form (`intake.step_forms`) or a questionnaire."""

    consent: bool = False
    only_if: tuple[str, str] | None = None  # (step, field) that must be True

    def rows(self, answers, *, clinical=False):
        """(question, answer in words) for each question of a plain step the patient was asked,
        in the page's order: as the patient saw it, or under its clinical label (`clinical`,
        the form's `clinical_labels`) for the prescriber's review and its PDF."""
        if self.form_class is None:
            return []
        data = answers.get(self.key, {})
        fields = self.form_class.base_fields
        labels = getattr(self.form_class, "clinical_labels", {}) if clinical else {}
        return [
            (labels.get(name) or str(fields[name].label), display_value(fields[name], data[name]))
            for name in asked_in_order(self.form_class, data)
            if name in data
        ]

    @property
    def clinical_title(self):
        """The step's heading on the prescriber's review and its PDF (beside its labels)."""
        return getattr(self.form_class, "clinical_title", self.title)

    def applies(self, answers):
        if self.only_if is None:
            return True
        step, field = self.only_if
        return bool(answers.get(step, {}).get(field))


def explain_trigger(key, value):
    """(question as the patient saw it, their answer in words) for one answer a rule read.

    A rule hit stores what it read as "step.field" or "instrument.item" keys; a reviewer needs
    the question and the answer, not the key.
    """
    from kapclinic.instruments import INSTRUMENTS

    source, _, name = key.partition(".")
    step = STEP_BY_KEY.get(source)
    if step is not None and step.form_class is not None and name in step.form_class.base_fields:
        field = step.form_class.base_fields[name]
        if value is None:
            return str(field.label), "Not answered"
        return str(field.label), display_value(field, value)
    if source == "medications":
        return "Medicines the patient listed", display_value(None, value)
    instrument = INSTRUMENTS.get(source)
    if instrument is not None:
        if name == "total":
            answer = "Not completed" if value is None else f"{value}"
            return f"{instrument.short_name} total score", answer
        flag = next((f for f in instrument.flags if f.key == name), None)
        if flag is not None:
            return f"{instrument.short_name}: {flag.label}", "Yes" if value else "No"
        item = next((i for i in instrument.items if i.key == name), None)
        if item is not None:
            if value is None:
                return f"{instrument.short_name}: {item.text}", "Not answered"
            option = next((o for o in item.options if o.value == value), None)
            return f"{instrument.short_name}: {item.text}", option.label if option else str(value)
    return key, display_value(None, value)


def display_value(field, value):
    if value in (None, "", []):
        return "—"
    choices = dict(getattr(field, "choices", None) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(field, django_forms.DateField) and isinstance(value, str):
        # Stored as an ISO date; shown in words, as the chart shows a date ("15 June 1985").
        return format_date(datetime.date.fromisoformat(value), "j F Y")
    return str(choices.get(value, value))


SAFETY_SCREEN = "safety_screen"  # answers key: whether the support step applies

STEPS = (
    Step("about", "About you", forms.AboutYouForm),
    Step("medical", "Physical health", forms.MedicalHistoryForm),
    Step("psychiatric", "Mental health history", forms.PsychiatricHistoryForm),
    Step("medications", "Medicines", forms.MedicationsForm),
    Step("substance", "Alcohol, drugs and ketamine", forms.SubstanceUseForm),
    Step("auditc", "Alcohol questionnaire", instrument="auditc"),
    Step("gad7", "Anxiety questionnaire", instrument="gad7"),
    Step("phq9", "Mood questionnaire", instrument="phq9"),
    # Counted in the flow only after an answer that calls for it (PHQ-9 item 9 above 0): the
    # patient reads the crisis resources as a step of their own, and "Continue" marks it done.
    Step(
        "support",
        "Support",
        forms.SupportForm,
        only_if=(SAFETY_SCREEN, "support_needed"),
        template="intake/support.html",
    ),
    Step(
        "pcl5", "Stress questionnaire", instrument="pcl5", only_if=("psychiatric", "trauma_history")
    ),
    Step("goals", "Your goals", forms.GoalsForm),
    Step("consent", "Consent", forms.ConsentForm, consent=True),
)
STEP_BY_KEY = {step.key: step for step in STEPS}


def steps_for(answers):
    """The steps that apply to this patient (PCL-5 only after reported trauma)."""
    return [step for step in STEPS if step.applies(answers)]
