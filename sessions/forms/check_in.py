"""The patient's day-of check-in, one short form per step (reference §4.1).

Each step reads and writes `CheckIn` fields only, so the row itself is the draft: `stored()`
turns the row back into form data, and `draft()` keeps what an invalid submission can safely
hold. The GAD-7 and PHQ-9 steps are InstrumentForms from kapclinic.measures.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone

from kapclinic.clinic import steps
from kapclinic.clinic.form_fields import phone_input, written
from kapclinic.clinic.forms import FieldErrorsForm, phone_number
from kapclinic.clinic.text_limits import SHORT_REASON

from ..models import CheckIn, PregnancyStatus

PHONE_HELP = "e.g. +44 7700 900123"


def _text(name):
    """A model text field's stored length limit, so a draft never fails to save."""
    return CheckIn._meta.get_field(name).max_length


class CheckInStepForm(FieldErrorsForm):
    """A step of the check-in: read from and written to the CheckIn row."""

    # CheckIn field → this form's field, for errors the model raises.
    FIELD_FOR: dict[str, str] = {}

    def __init__(self, *args, clinic, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = clinic.tz
        self.now = now or timezone.now()

    # The text fields copied as typed: a draft keeps them even when they do not validate.
    text_fields: tuple[str, ...] = ()

    @classmethod
    def stored(cls, check_in, tz):
        """The row's answers for this step as form data; empty values left out."""
        return {
            name: getattr(check_in, name) for name in cls.text_fields if getattr(check_in, name)
        }

    def to_model(self):
        """CheckIn field → value, from a valid form."""
        return {name: self.cleaned_data[name] for name in self.text_fields}

    def draft(self):
        """What can be kept of an invalid submission, so nothing typed is lost."""
        kept = {}
        for name in self.text_fields:
            raw = (self.data.get(self.add_prefix(name)) or "").strip()
            limit = _text(name)
            kept[name] = raw[:limit] if limit else raw
        return kept

    @classmethod
    def rows(cls, check_in, tz):
        """(question, answer in words) for the review page."""
        data = cls.stored(check_in, tz)
        rows = []
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.BooleanField):
                continue
            value = data.get(name)
            if value in (None, ""):
                value = "Not answered yet"
            elif getattr(field, "choices", None):
                value = dict(field.choices).get(value, value)
            rows.append((field.label, value))
        return rows


class SinceLastVisitForm(CheckInStepForm):
    # domain reference §4.1: interacting medicines (benzodiazepines, opioids, stimulants,
    # MAOIs), substance use and pregnancy since the last visit.
    new_medications = written(
        "Have you started, stopped or changed any medicines since your last visit?",
        SHORT_REASON,
        rows=3,
        required=True,
        help_text=(
            "Include prescriptions, medicines from a shop and supplements, especially sleeping "
            "or anxiety tablets, strong painkillers, ADHD medicines or MAOI antidepressants. "
            "Write “none” if nothing has changed."
        ),
        error_messages={"required": "Please list any changes, or write “none”."},
    )
    new_substances = written(
        "Have you had alcohol, cannabis or any other drugs since your last visit?",
        SHORT_REASON,
        rows=3,
        required=True,
        help_text="Say what and when. Write “none” if you have not.",
        error_messages={"required": "Please tell us what and when, or write “none”."},
    )
    possibly_pregnant = forms.ChoiceField(
        label="Could you be pregnant?",
        help_text=(
            "Ketamine may harm an unborn baby. If you are not sure, choose “Yes, or possibly”: "
            "a prescriber will talk with you before any dose."
        ),
        choices=PregnancyStatus.choices,
        widget=forms.RadioSelect(attrs={"class": "choice-scale"}),
        error_messages={"required": "Please choose one answer."},
    )

    text_fields = ("new_medications", "new_substances", "possibly_pregnant")

    def draft(self):
        kept = super().draft()
        if kept["possibly_pregnant"] not in PregnancyStatus.values:
            del kept["possibly_pregnant"]
        return kept


def _time_today(label, hint, verb, example):
    """A time of day, today unless its "That was yesterday" box is ticked."""
    return forms.TimeField(
        label=label,
        help_text=f"{hint} A time today, e.g. {example}.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": f"Please enter the time you last {verb}, e.g. {example}.",
            "invalid": f"Please enter a time such as {example}.",
        },
    )


class FoodAndDrinkForm(CheckInStepForm):
    """Times today in the clinic's time zone; "yesterday" for an overnight fast."""

    # domain reference §4.1: fasting before the dose; the clinic's own rules decide.
    last_food_time = _time_today(
        "What time did you last eat?", "Any food, even a snack.", "ate", "07:30"
    )
    last_food_yesterday = forms.BooleanField(label="That was yesterday", required=False)
    last_drink_time = _time_today(
        "What time did you last drink anything?", "Any drink, even water.", "had a drink", "10:15"
    )
    last_drink_yesterday = forms.BooleanField(label="That was yesterday", required=False)

    FIELD_FOR = {"last_food_at": "last_food_time", "last_drink_at": "last_drink_time"}
    MOMENTS = (("last_food_at", "ate"), ("last_drink_at", "had a drink"))

    @classmethod
    def stored(cls, check_in, tz):
        data = {}
        today = timezone.localdate(timezone=tz)
        for field, _ in cls.MOMENTS:
            value = getattr(check_in, field)
            if value is None:
                continue
            local = timezone.localtime(value, tz)
            prefix = field.removesuffix("_at")
            data[f"{prefix}_time"] = local.strftime("%H:%M")
            if local.date() < today:
                data[f"{prefix}_yesterday"] = "on"
        return data

    def clean(self):
        cleaned = super().clean()
        self.moments = {}
        for field, verb in self.MOMENTS:
            prefix = field.removesuffix("_at")
            time = cleaned.get(f"{prefix}_time")
            if time is None:
                continue
            day = timezone.localdate(self.now, timezone=self.tz)
            if cleaned.get(f"{prefix}_yesterday"):
                day -= datetime.timedelta(days=1)
            moment = datetime.datetime.combine(day, time, tzinfo=self.tz)
            now = timezone.localtime(self.now, self.tz)
            if moment > now:
                self.add_error(
                    f"{prefix}_time",
                    f"{time:%H:%M} is later than now ({now:%H:%M}). Enter the time you last "
                    f"{verb} today, or tick “That was yesterday”.",
                )
                continue
            self.moments[field] = moment
        return cleaned

    def to_model(self):
        return dict(self.moments)

    def draft(self):
        # A time that is not valid, or not yet come, cannot be stored: the model refuses it.
        return dict(getattr(self, "moments", {}))

    @classmethod
    def rows(cls, check_in, tz):
        today = timezone.localdate(timezone=tz)
        rows = []
        for field, label in (("last_food_at", "Last ate"), ("last_drink_at", "Last drink")):
            value = getattr(check_in, field)
            if value is None:
                rows.append((label, "Not answered yet"))
                continue
            local = timezone.localtime(value, tz)
            when = "yesterday" if local.date() < today else "today"
            rows.append((label, f"{local:%H:%M} {when}"))
        return rows


class CompanionForm(CheckInStepForm):
    # domain reference §4.1: a responsible adult takes the patient home; no driving until the
    # next day after restful sleep.
    companion_name = forms.CharField(
        label="Who is taking you home?",
        help_text="An adult who stays at the clinic or collects you, and takes you home.",
        max_length=_text("companion_name"),
        error_messages={"required": "Please tell us who is taking you home."},
    )
    companion_phone = forms.CharField(
        label="Their phone number",
        help_text=f"So the team can reach them on the day, {PHONE_HELP}.",
        max_length=_text("companion_phone"),
        widget=phone_input(),
        error_messages={"required": f"Please enter their phone number, {PHONE_HELP}."},
    )

    text_fields = ("companion_name", "companion_phone")

    def clean_companion_phone(self):
        return phone_number(
            self.cleaned_data["companion_phone"], f"Please enter their phone number, {PHONE_HELP}."
        )


@dataclass(frozen=True)
class Step(steps.Step):
    """A check-in step: a CheckInStepForm or a questionnaire, with optional words above it."""

    intro: str = ""
    notice: tuple[str, str] | None = None  # (title, text) shown in an info panel


STEPS = (
    Step("since-last-visit", "Since your last visit", SinceLastVisitForm),
    Step(
        "food-and-drink",
        "Food and drink",
        FoodAndDrinkForm,
        intro="Please follow the fasting instructions your clinic gave you. If you have eaten "
        "or drunk more recently, tell us anyway: the team will decide what is safe.",
    ),
    Step(
        "companion",
        "Your companion",
        CompanionForm,
        notice=(
            "Someone must take you home",
            "Your companion stays at the clinic or collects you, and takes you home. Do not "
            "drive, cycle or use machinery until the next day, after a night's sleep.",
        ),
    ),
    Step("gad7", "Anxiety questionnaire (GAD-7)", instrument="gad7"),
    Step("phq9", "Mood questionnaire (PHQ-9)", instrument="phq9"),
)
STEP_BY_KEY = {step.key: step for step in STEPS}


def step_is_done(step, check_in, clinic, now=None):
    """A form step is done when its stored answers validate; a questionnaire when completed."""
    if step.is_questionnaire:
        response = getattr(check_in, step.instrument)
        return response is not None and response.is_completed
    data = step.form_class.stored(check_in, clinic.tz)
    return bool(data) and step.form_class(data, clinic=clinic, now=now).is_valid()
