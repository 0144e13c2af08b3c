"""The intake's other forms: staff invite and decide; patients accept, re-sign, withdraw.

The wizard's step questions are in `intake.step_forms`.
"""

from django import forms

from kapclinic.clinic.forms import (
    DrawnOnceMixin,
    FieldErrorsForm,
    OneTimeKeyMixin,
    ProviderMultipleChoiceField,
)
from kapclinic.clinic.models import Indication, Provider, Route
from kapclinic.clinic.models.protocol import Product
from kapclinic.clinic.text_limits import CLINICAL_TEXT

from .consent import RESIGN_STATEMENT
from .decision_rules import decision_errors
from .plans import PLAN_TERMS
from .step_forms import NOT_TICKED, ConsentForm, written


def planned_dose(label, help_text=""):
    """A dose of the plan, optional on the form (needed only when clearing)."""
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=0.01,
        max_digits=7,
        decimal_places=2,
    )


class AcceptInvitationForm(forms.Form):
    """Choose a password when accepting the invitation; the login email is the clinic's."""

    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. A short sentence is easy to remember.",
    )
    password2 = forms.CharField(
        label="Type it again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean(self):
        from django.contrib.auth import get_user_model, password_validation

        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        elif first:
            name_first, _, name_last = self.patient.legal_name.partition(" ")
            candidate = get_user_model()(
                email=self.patient.email, first_name=name_first, last_name=name_last
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


# --- Staff forms ------------------------------------------------------------------------------


class InvitePatientForm(OneTimeKeyMixin, forms.Form):
    legal_name = forms.CharField(label="Legal name", max_length=200)
    preferred_name = forms.CharField(label="Preferred name", required=False, max_length=100)
    email = forms.EmailField(label="Email")
    indication = forms.ChoiceField(choices=Indication.choices)
    care_team = ProviderMultipleChoiceField(
        queryset=Provider.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The prescriber and therapist who will look after this patient.",
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["care_team"].queryset = (
            Provider.objects.active().filter(clinic=clinic).select_related("user")
        )

    def clean_email(self):
        from kapclinic.clinic.models import Patient

        email = self.cleaned_data["email"].strip().lower()
        if Patient.objects.filter(clinic=self.clinic, email__iexact=email).exists():
            raise forms.ValidationError("A patient with this email already exists at this clinic.")
        return email


class ReviewDecisionForm(DrawnOnceMixin, FieldErrorsForm):
    """The prescriber's signed decision and, when clearing, the treatment plan.

    Drawn once per process for each set of protocol defaults (it was about half of the intake
    review's time); the patient's goals are put back on each request, never cached.
    """

    per_request_fields = ("plan_goals",)
    template_name_div = "intake/_decision_form.html"
    # Each field shows only for the decision it belongs to (intake-questions.js; the
    # service keeps only the fields of the outcome chosen).
    PLAN_FIELDS = tuple("plan_goals" if term == "goals" else term for term in PLAN_TERMS)
    outcome = forms.ChoiceField(
        label="Decision",
        choices=[
            ("cleared", "Clear for treatment"),
            ("more_information", "Ask the patient for more information"),
            ("declined", "Decline"),
        ],
        widget=forms.RadioSelect,
    )
    rationale = written("Clinical rationale", CLINICAL_TEXT, rows=4, required=True)
    message_to_patient = forms.CharField(
        label="Message to the patient",
        help_text="What you need from them: they see this on their page.",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    override_reason = written(
        "Reason for clearing despite an absolute contraindication", 4000, rows=2
    )
    # Treatment plan, used when clearing; defaults come from the clinic's protocol.
    route = forms.ChoiceField(choices=Route.choices, required=False)
    product = forms.ChoiceField(choices=Product.choices, required=False)
    dose_min_mg = planned_dose(
        "Planned dose from", help_text="In the protocol's unit: mg, or mg/kg for IV and IM."
    )
    dose_max_mg = planned_dose("Planned dose up to")
    planned_dosing_sessions = forms.IntegerField(
        label="Number of dosing sessions", required=False, min_value=1, max_value=50
    )
    integration_cadence = forms.CharField(required=False, max_length=200)
    plan_goals = written("Goals of treatment", 4000, rows=2)

    def __init__(self, *args, has_absolute=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_absolute = has_absolute

    def shown_for(self, name):
        """The outcome a field belongs to ("" for every outcome, None for none at all)."""
        if name in self.PLAN_FIELDS:
            return "cleared"
        if name == "override_reason":
            return "cleared" if self.has_absolute else None
        if name == "message_to_patient":
            return "more_information"
        return ""

    def _drawn_shape(self):
        # Whether the override reason is offered changes the HTML: part of the cache key.
        return super()._drawn_shape() + (("has_absolute", self.has_absolute),)

    def get_context(self):
        context = super().get_context()
        context["rows"] = [
            (field, errors, self.shown_for(field.name)) for field, errors in context["fields"]
        ]
        return context

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        errors = decision_errors(
            outcome,
            has_absolute=self.has_absolute,
            override_reason=data.get("override_reason", ""),
            message_to_patient=data.get("message_to_patient", ""),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        if outcome == "cleared":
            for field in self.PLAN_FIELDS:
                if field != "plan_goals" and data.get(field) in (None, ""):
                    self.add_error(field, "Needed for the treatment plan.")
            low, high = data.get("dose_min_mg"), data.get("dose_max_mg")
            if low and high and high < low:
                self.add_error("dose_max_mg", "The maximum must not be below the minimum.")
        return data


class SignConsentForm(ConsentForm):
    """Re-signing outside the wizard: the same typed-name signature, for the version shown."""

    agreed = forms.BooleanField(
        label=RESIGN_STATEMENT,
        error_messages=NOT_TICKED,
    )


class WithdrawConsentForm(forms.Form):
    reason = written("Would you like to tell us why? (optional)", 2000, rows=3)
