"""The clinician's phase-3 forms: booking, the integration note, addenda, closing a course.

Forms only parse what was typed; the rules live in integration.services and the models, and
their refusals come back beside the field they concern (`add_model_errors`).
"""

import datetime

from django import forms
from django.utils import timezone

from kapclinic.clinic.forms import (
    AppointmentSlotForm,
    DrawnOnceMixin,
    FieldErrorsForm,
    OneTimeKeyMixin,
)
from kapclinic.clinic.models import (
    LONG_TERM_SCREEN,
    Appointment,
    Indication,
    Provider,
    Reevaluation,
    ReevaluationDecision,
)

from ..models import IntegrationNote
from ..models.common import NOTE_AUTHORS
from ..models.notes import NOTE_FIELDS

# A form default only: an integration session is an ordinary therapy hour.
DEFAULT_INTEGRATION_MINUTES = 60


class ClinicianForm(FieldErrorsForm):
    """Refusals from the integration services show beside the field they concern."""


def integration_clinicians(clinic):
    """Who leads an integration session: the clinic's active therapists and prescribers."""
    return (
        Provider.objects.active()
        .filter(clinic=clinic, role__in=list(NOTE_AUTHORS))
        .select_related("user")
    )


class BookIntegrationSessionForm(AppointmentSlotForm):
    MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 15, 4 * 60, DEFAULT_INTEGRATION_MINUTES
    CLINICIAN_LABEL, CLINICIAN_REQUIRED = "Therapist or prescriber", False
    APPOINTMENT_KIND = Appointment.Kind.INTEGRATION
    RESOURCE_LABEL, RESOURCE_EMPTY_LABEL = "Room or telehealth", "Not decided yet"

    def clinicians(self, clinic):
        return integration_clinicians(clinic)


def _note_field(name):
    field = IntegrationNote._meta.get_field(name)
    if field.choices:
        return forms.ChoiceField(
            label=str(field.verbose_name).capitalize(),
            choices=field.choices,
            required=False,
            widget=forms.RadioSelect,
            help_text=field.help_text,
        )
    return forms.CharField(
        label=str(field.verbose_name).capitalize(),
        required=False,
        max_length=field.max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=field.help_text,
        validators=field.validators,
    )


class IntegrationNoteForm(OneTimeKeyMixin, ClinicianForm):
    """The structured note (domain reference §5, “document per integration note”).

    Every field is optional for a draft; what signing needs is checked by the service.
    """

    prefix = "note"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in NOTE_FIELDS:
            self.fields[name] = _note_field(name)
        self.fields["suicide_risk_detail"].label = "Suicide-risk detail"
        self.fields["suicide_risk_detail"].help_text = "What was asked and said; any plan agreed."
        self.fields["next_dose_plan_detail"].label = "Detail of the next dose"
        self.fields["next_dose_plan_detail"].help_text = "Dose, route, booster use."

    # The note version this editor started from (0: no draft saved yet); see EditConflict.
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    @classmethod
    def for_note(cls, note):
        if note is None:
            return cls(initial={"version": 0})
        return cls(
            initial={**{name: getattr(note, name) for name in NOTE_FIELDS}, "version": note.version}
        )

    @classmethod
    def to_continue(cls, typed, note):
        """After a conflict: what this editor typed, now based on the saved version, so
        saving again is a deliberate choice made with both texts in view."""
        data = typed.copy()
        data[f"{cls.prefix}-version"] = str(note.version)
        return cls(data)

    def data_for_service(self):
        return {name: self.cleaned_data.get(name) or "" for name in NOTE_FIELDS}


class AddendumForm(OneTimeKeyMixin, ClinicianForm):
    prefix = "addendum"
    text = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 3}))


class BeginIntegrationForm(ClinicianForm):
    """Why dosing ends now: kept in the course's history."""

    reason = forms.CharField(
        label="Why dosing ends now",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the course's history with your name.",
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)


class CourseClosureForm(ClinicianForm):
    """Completion or discontinuation: the clinical date and the reason, both kept."""

    effective_on = forms.DateField(
        label="Date the course ended",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="It may be earlier than today: not in the future, nor before its last session.",
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept on the record."
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].initial = timezone.localdate(timezone=clinic.tz)


def screen_question(name):
    """One long-term safety question, worded and answered as the record keeps it. Not
    required here: the record refuses more dosing without it, and stopping needs none."""
    field = Reevaluation._meta.get_field(name)
    return forms.TypedChoiceField(
        label=field.verbose_name.capitalize(),
        choices=field.choices,
        coerce=field.to_python,
        empty_value=None if field.null else "",
        widget=forms.RadioSelect,
        required=False,
        help_text=field.help_text,
    )


class ReevaluationForm(OneTimeKeyMixin, ClinicianForm):
    """The prescriber's decision, the long-term safety screen and the new plan's terms (the
    plan is ignored when stopping)."""

    decision = forms.ChoiceField(
        label="Decision", choices=ReevaluationDecision.choices, widget=forms.RadioSelect
    )
    urinary_symptoms = screen_question("urinary_symptoms")
    misuse_signs = screen_question("misuse_signs")
    cognitive_concerns = screen_question("cognitive_concerns")
    liver_tests = screen_question("liver_tests")
    safety_findings = forms.CharField(
        label="How the findings were weighed",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when the screen finds anything and dosing continues.",
    )
    rationale = forms.CharField(
        label="Rationale",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Signed with your name with the outcome so far; kept on the record.",
    )
    planned_dosing_sessions = forms.IntegerField(
        label="Dosing sessions in the next block",
        min_value=1,
        max_value=50,
        help_text="A re-evaluation is due again after them.",
    )
    dose_min_mg = forms.DecimalField(label="Lowest dose (mg)", min_value=0.01, decimal_places=2)
    dose_max_mg = forms.DecimalField(label="Highest dose (mg)", min_value=0.01, decimal_places=2)
    integration_cadence = forms.CharField(label="Cadence", max_length=200)
    # The latest re-evaluation on record when the page was drawn (0: none), so a decision
    # made on an older page is not signed over one signed meanwhile.
    last_seen = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, resuming=False, **kwargs):
        super().__init__(*args, **kwargs)
        if resuming:  # from integration dosing has stopped: the decision is how it resumes
            self.fields["decision"].choices = [
                choice
                for choice in ReevaluationDecision.choices
                if choice[0] != ReevaluationDecision.STOP
            ]

    def screen(self):
        """The screen's answers for the service."""
        return {name: self.cleaned_data[name] for name in (*LONG_TERM_SCREEN, "safety_findings")}


PERIODS = {
    "": ("Any time", None),
    "90d": ("Last 90 days", 90),
    "1y": ("Last 12 months", 365),
}


class DashboardFilterForm(DrawnOnceMixin, forms.Form):
    """Indication and the period in which courses were completed (both ends included); drawn
    once per process while empty (the dashboard's usual first view)."""

    indication = forms.ChoiceField(
        label="Indication", choices=[("", "All indications"), *Indication.choices], required=False
    )
    period = forms.ChoiceField(
        label="Completed in",
        choices=[*((key, label) for key, (label, _) in PERIODS.items()), ("custom", "Dates below")],
        required=False,
    )
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic

    def clean(self):
        data = super().clean()
        days = PERIODS.get(data.get("period") or "", (None, None))[1]
        if days is not None:
            today = timezone.localdate(timezone=self.clinic.tz)
            data["start"], data["end"] = today - datetime.timedelta(days=days), today
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date is before the start date.")
        return data
