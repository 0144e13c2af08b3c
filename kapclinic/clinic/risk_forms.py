"""Forms of the suicide-risk workflow. They parse input; the rules are in `risk.py`."""

import datetime

from django import forms
from django.utils import timezone

from .models import Provider, RiskDecision
from .models.people import CLINICIAN_ROLES
from .models.risk import SAFETY_PLAN_STEPS

ROWS = {"rows": 3}


class RiskReviewForm(forms.Form):
    """Everything of the review except the C-SSRS screen, which is an InstrumentForm."""

    error_css_class = "form-field--error"

    protective_factors = forms.CharField(
        widget=forms.Textarea(attrs=ROWS),
        help_text="Reasons for living, supports, engagement with care, future plans.",
    )
    formulation = forms.CharField(
        label="Risk formulation",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Your clinical judgement of the risk, in your own words.",
    )
    decision = forms.ChoiceField(choices=RiskDecision.choices, widget=forms.RadioSelect)
    safety_plan_made = forms.BooleanField(
        required=False, label="A safety plan was written or reviewed with the patient"
    )
    create_task = forms.BooleanField(required=False, label="Create a follow-up task")
    task_owner = forms.ModelChoiceField(
        queryset=Provider.objects.none(), required=False, label="Task owner"
    )
    task_description = forms.CharField(required=False, max_length=300, label="What must be done")
    task_due_at = forms.DateTimeField(
        required=False,
        label="Due by",
        help_text="Leave empty for the end of today.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["task_owner"].queryset = (
            Provider.objects.active()
            .filter(clinic=clinic, role__in=CLINICIAN_ROLES)
            .select_related("user")
        )

    def clean_task_due_at(self):
        value = self.cleaned_data.get("task_due_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, self.clinic.tz)
        if value is not None and value < timezone.now() - datetime.timedelta(minutes=1):
            raise forms.ValidationError("Choose a time that has not passed.")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("create_task"):
            if not cleaned.get("task_owner"):
                self.add_error("task_owner", "Choose who owns the task.")
            if not (cleaned.get("task_description") or "").strip():
                self.add_error("task_description", "Say what must be done.")
        return cleaned


class PsychiatricReviewForm(forms.Form):
    error_css_class = "form-field--error"

    findings = forms.CharField(
        label="Psychiatric review findings", widget=forms.Textarea(attrs={"rows": 4})
    )
    dosing_may_resume = forms.BooleanField(
        required=False, label="Dosing may resume (benefit outweighs risk)"
    )


class SafetyPlanForm(forms.Form):
    """The six steps of the Stanley-Brown plan, in the patient's own words."""

    error_css_class = "form-field--error"

    written_with_patient = forms.BooleanField(
        label="I wrote this plan together with the patient",
        error_messages={"required": "A safety plan is written with the patient: confirm you did."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        steps = {
            name: forms.CharField(label=label, widget=forms.Textarea(attrs=ROWS))
            for name, label in SAFETY_PLAN_STEPS
        }
        confirm = self.fields.pop("written_with_patient")
        self.fields.update(steps)
        self.fields["written_with_patient"] = confirm


class CloseTaskForm(forms.Form):
    error_css_class = "form-field--error"

    outcome = forms.CharField(
        label="Outcome", widget=forms.Textarea(attrs={"rows": 2}), help_text="What was done."
    )
