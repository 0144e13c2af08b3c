"""Forms of the live session screen: one small form per entry, each saved on its own.

Forms only parse what was typed; every clinical rule is in the models and services, and
their refusals come back beside the field they concern (`add_model_errors`).
"""

import uuid

from django import forms
from django.contrib.auth import get_user_model

from kapclinic.clinic.form_fields import written
from kapclinic.clinic.forms import DrawnOnceMixin, FieldErrorsForm, OneTimeKeyMixin
from kapclinic.clinic.models import Product, Route
from kapclinic.clinic.statements import compiled
from kapclinic.clinic.text_limits import CLINICAL_TEXT, SHORT_REASON
from kapclinic.stock.forms import add_stock_lot_field

from ..models import (
    ALDRETE_COMPONENTS,
    AdverseEvent,
    AldreteActivity,
    AldreteCirculation,
    AldreteConsciousness,
    AldreteRespiration,
    AldreteSpO2,
    Dissociation,
    Identifier,
    Sedation,
)
from ..models.dose import MAX_DEVICES_PER_ADMINISTRATION, MAX_INFUSION_MINUTES
from ..models.monitoring import RANGES
from ..models.session import CLINICIANS, DOSING_ROLES, WEIGHT_MAX_KG, WEIGHT_MIN_KG

NOW_HELP = "Leave blank for now. Clinic time."


def when_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=NOW_HELP,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def number(label, field=None, *, required=True, **kwargs):
    """An integer box bounded by the physiological range, so a slip is caught at once."""
    if field:
        low, high = RANGES[field]
        kwargs.update(min_value=low, max_value=high)
        kwargs.setdefault("help_text", f"{low}–{high}")
    return forms.IntegerField(
        label=label,
        required=required,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


def weight(label, **kwargs):
    """Body weight in kg, within the bounds the session record itself accepts."""
    return forms.DecimalField(
        label=label,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
        min_value=WEIGHT_MIN_KG,
        max_value=WEIGHT_MAX_KG,
        max_digits=4,
        decimal_places=1,
        **kwargs,
    )


def optional_count(label, most, help_text):
    """A whole number from 1 to `most`, within the bounds the dose record itself accepts."""
    return forms.IntegerField(
        label=label, min_value=1, max_value=most, required=False, help_text=help_text
    )


class SessionForm(DrawnOnceMixin, FieldErrorsForm):
    """Errors beside their field; ids prefixed so many small forms share one page; drawn once
    per process while empty (the screen draws a dozen on every load)."""

    def data_for_service(self):
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


def clinic_staff(clinic, roles):
    return (
        get_user_model()
        .objects.filter(
            provider__clinic=clinic, provider__active=True, provider__role__in=list(roles)
        )
        .select_related("provider")
        .order_by("last_name", "first_name", "email")
    )


def _dose_form_staff(clinic_id):
    """Everyone either list of the dose form offers, its SQL built once (the screen's every
    load draws the form)."""
    return clinic_staff(clinic_id, CLINICIANS | DOSING_ROLES)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user} ({user.provider.get_role_display()})"


class WeightForm(SessionForm):
    prefix = "weight"
    weight_kg = weight("Weight (kg)", help_text="30–300 kg, for mg/kg dosing.")


class CompanionForm(SessionForm):
    prefix = "companion"
    confirmed = forms.BooleanField(
        label="I saw or spoke to the adult who will take the patient home",
    )


class IdentityForm(SessionForm):
    """Who the patient is (two identifiers) and their verbal consent today (reference §4.1)."""

    prefix = "identity"
    CHOICES = [("", "Choose…"), *Identifier.choices]
    first_identifier = forms.ChoiceField(label="First identifier checked", choices=CHOICES)
    second_identifier = forms.ChoiceField(label="Second identifier checked", choices=CHOICES)
    consents_today = forms.TypedChoiceField(
        label="Verbal consent today",
        choices=[
            ("yes", "The patient agrees to go ahead with today's dose"),
            ("no", "The patient does not agree: no dose today"),
        ],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
    )
    recorded_at = when_field("Confirmed at")


class OverrideForm(OneTimeKeyMixin, SessionForm):
    prefix = "override"
    reason = written(
        "Why dosing may go ahead",
        SHORT_REASON,
        rows=2,
        required=True,
        help_text="Prescriber only. Kept with the session and logged.",
    )


class DoseForm(SessionForm):
    prefix = "dose"
    product = forms.ChoiceField(label="Product", choices=Product.choices)
    route = forms.ChoiceField(label="Route", choices=Route.choices)
    amount_mg = forms.DecimalField(
        label="Amount (mg)",
        min_value=0.1,
        max_digits=6,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )
    weight_kg = weight(
        "Weight now (kg)", required=False, help_text="Blank: the weight recorded for this session."
    )
    infusion_minutes = optional_count(
        "Infusion duration (min)", MAX_INFUSION_MINUTES, "IV only (usually 40 min)."
    )
    device_count = optional_count(
        "Devices", MAX_DEVICES_PER_ADMINISTRATION, "Intranasal only: 28 mg each."
    )
    lot_number = forms.CharField(label="Lot number", max_length=60)
    lot_expiry = forms.DateField(
        label="Lot expiry", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    given_at = when_field("Given at")
    given_by = StaffChoiceField(label="Given by", queryset=None)
    witnessed_by = StaffChoiceField(label="Witnessed by", queryset=None)
    out_of_range_reason = written(
        "Prescriber's reason for a dose outside the plan", SHORT_REASON, rows=2
    )
    # One key per rendered form: the same form sent twice records one dose (services).
    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    per_request_fields = ("request_key",)

    def __init__(self, *args, session, user, **kwargs):
        protocol = session.thresholds
        initial = {
            "product": protocol.product,  # the protocol matches the plan's route and product
            "route": protocol.route,
            "given_by": user.pk,
            "request_key": uuid.uuid4(),
            **kwargs.pop("initial", {}),
        }
        super().__init__(*args, initial=initial, **kwargs)
        clinic = session.course.clinic
        self.fields["given_by"].queryset = clinic_staff(clinic, DOSING_ROLES)
        self.fields["witnessed_by"].queryset = clinic_staff(clinic, CLINICIANS)
        if not self.is_bound:
            # Both lists from one read of the clinic's clinicians; a sent form still checks
            # its choice against each field's own queryset.
            staff = compiled("dose form: clinic staff", [clinic.pk], _dose_form_staff)
            for name, roles in (("given_by", DOSING_ROLES), ("witnessed_by", CLINICIANS)):
                field = self.fields[name]
                field.choices = [("", field.empty_label)] + [
                    (user.pk, field.label_from_instance(user))
                    for user in staff
                    if user.provider.role in roles
                ]
        # A clinic keeping the controlled-substance register: the dose draws from a lot.
        add_stock_lot_field(self, clinic, protocol.product)
        plan = session.plan_terms or protocol
        self.fields["out_of_range_reason"].help_text = (
            f"Only for a dose outside the plan ({plan.dose_range_label} a session, this route "
            "and product): confirms it. No reason passes the protocol's hard ceiling."
        )


class VitalsForm(OneTimeKeyMixin, SessionForm):
    prefix = "vitals"
    taken_at = when_field("Time taken")
    systolic = number("Systolic BP (mmHg)", "systolic")
    diastolic = number("Diastolic BP (mmHg)", "diastolic")
    heart_rate = number("Heart rate (/min)", "heart_rate")
    spo2 = number("SpO2 (%)", "spo2")
    respiratory_rate = number("Respiratory rate (/min)", "respiratory_rate", required=False)
    temperature = forms.DecimalField(
        label="Temperature (°C)",
        required=False,
        min_value=RANGES["temperature"][0],
        max_value=RANGES["temperature"][1],
        max_digits=3,
        decimal_places=1,
        help_text="30–43",
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )


class ObservationForm(OneTimeKeyMixin, SessionForm):
    prefix = "observation"
    observed_at = when_field("Time observed")
    moaas = forms.TypedChoiceField(label="Sedation (MOAA/S)", choices=Sedation.choices, coerce=int)
    dissociation = forms.ChoiceField(label="Dissociation", choices=Dissociation.choices)
    dissociation_notes = written("Dissociation notes", CLINICAL_TEXT, rows=2)
    therapist_present = forms.BooleanField(label="Therapist present", required=False)
    support_notes = written("Support notes", CLINICAL_TEXT, rows=2)


class AcknowledgeAlertForm(SessionForm):
    action_taken = written("What was done", SHORT_REASON, rows=2, required=True)


class AdverseEventForm(OneTimeKeyMixin, SessionForm):
    prefix = "event"
    kind = forms.ChoiceField(label="Type", choices=AdverseEvent.Kind.choices)
    description = written(
        "Description", SHORT_REASON, rows=2, help_text="Required when the type is Other."
    )
    onset_at = forms.DateTimeField(
        label="Onset",
        help_text="Clinic time.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    severity = forms.ChoiceField(label="Severity", choices=AdverseEvent.Severity.choices)
    serious = forms.BooleanField(
        label="Serious (life-threatening, hospital care or lasting harm)", required=False
    )
    intervention = written(
        "Intervention", SHORT_REASON, rows=2, help_text="e.g. antiemetic, antihypertensive."
    )
    outcome = forms.ChoiceField(label="Outcome", choices=AdverseEvent.Outcome.choices)
    relatedness = forms.ChoiceField(
        label="Related to the dose", choices=AdverseEvent.Relatedness.choices
    )


def aldrete(choices, label):
    return forms.TypedChoiceField(
        label=label,
        choices=choices.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )


class DischargeForm(OneTimeKeyMixin, SessionForm):
    prefix = "discharge"
    activity = aldrete(AldreteActivity, "Activity")
    respiration = aldrete(AldreteRespiration, "Respiration")
    circulation = aldrete(AldreteCirculation, "Circulation")
    consciousness = aldrete(AldreteConsciousness, "Consciousness")
    spo2 = aldrete(AldreteSpO2, "SpO2")
    companion_present = forms.BooleanField(label="Companion present", required=False)
    aftercare_given = forms.BooleanField(
        label="Aftercare given (no driving or machinery until the next day)", required=False
    )
    discharged_at = when_field("Discharged at")
    override_reason = written(
        "Prescriber's reason to discharge although a criterion is not met", SHORT_REASON, rows=2
    )

    @property
    def total(self):
        """The modified Aldrete total of what was chosen, once every component is."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return None
        values = [self.cleaned_data.get(name) for name in ALDRETE_COMPONENTS]
        return None if None in values else sum(values)


class SignForm(SessionForm):
    """Nothing to type: the prescriber's signature is who pressed the button, and when."""

    prefix = "sign"


class EnteredInErrorForm(SessionForm):
    """Why an entry is wrong: mandatory, kept with the entry, who and when."""

    prefix = "error"
    reason = forms.CharField(
        label="Why is this entry in error?",
        max_length=500,
        widget=forms.TextInput(),
        help_text="e.g. “Recorded for the wrong patient”, “BP typed as 210, was 120”.",
        error_messages={"required": "Say why this entry is in error."},
    )


class AddendumForm(OneTimeKeyMixin, SessionForm):
    prefix = "addendum"
    text = written("Addendum", CLINICAL_TEXT, rows=3, required=True)


__all__ = [
    "AcknowledgeAlertForm",
    "AddendumForm",
    "AdverseEventForm",
    "CompanionForm",
    "DischargeForm",
    "DoseForm",
    "EnteredInErrorForm",
    "ObservationForm",
    "SignForm",
    "OverrideForm",
    "VitalsForm",
    "WeightForm",
]
