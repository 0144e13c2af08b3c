"""Appointment requests' forms: publishing slots, asking for one, and staff's answers.

Forms only parse what was typed; `requests.py` and `slots.py` decide what is allowed, and
their refusals come back beside the field (FieldErrorsForm.add_model_errors).
"""

import datetime

from django import forms
from django.utils import timezone

from integration.forms.clinician import integration_clinicians as integration_leads
from kapclinic.clinic.forms import AppointmentSlotForm, FieldErrorsForm, ProviderChoiceField

from .models import NOTE_MAX_LENGTH

SLOT_GONE = "That time is no longer free. Please choose another time."


def message_field(label, help_text, *, rows=2, **options):
    """A message kept on the request, between the patient and the clinic: a text box no longer
    than the request's field (NOTE_MAX_LENGTH)."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        **options,
    )


class SlotChoiceField(forms.ModelChoiceField):
    """An open slot by its time (and clinician), in the clinic's time zone."""

    def label_from_instance(self, slot):
        start = timezone.localtime(slot.starts_at, slot.clinic.tz)
        end = timezone.localtime(slot.ends_at, slot.clinic.tz)
        label = f"{start:%H:%M}–{end:%H:%M}"
        return f"{label} with {slot.clinician}" if slot.clinician_id else label


class AskForTimeForm(FieldErrorsForm):
    slot = SlotChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        label="Choose a time",
        error_messages={"required": "Choose a time.", "invalid_choice": SLOT_GONE},
    )
    note = message_field(
        "Anything the clinic should know? (optional)",
        "For example, that you can only come after work. Not for urgent matters.",
        rows=3,
        required=False,
    )

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots


class AnswerProposalForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])


class StaffAnswerForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("accept", "Accept"), ("propose", "Propose"), ("decline", "Decline")]
    )


class ProposeTimeForm(AppointmentSlotForm):
    """Another time for the patient: booked only if they accept it."""

    prefix = "propose"
    MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 15, 4 * 60, 60
    CLINICIAN_LABEL, CLINICIAN_REQUIRED = "Therapist or prescriber", False
    response = message_field(
        "Message to the patient (optional)",
        "Shown to the patient when they sign in; the email only says a time is offered.",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The room is the front desk's to set on the appointment; the patient is offered a time.
        for name in ("room", "resource"):
            self.fields.pop(name, None)

    def clinicians(self, clinic):
        return integration_leads(clinic)


class DeclineForm(FieldErrorsForm):
    prefix = "decline"
    reason = message_field(
        "Reason, for the patient",
        "Shown to the patient when they sign in, with a link to ask for another time.",
        error_messages={"required": "Say why, so the patient knows what to do next."},
    )


def parse_times(text):
    """“09:00, 10:30 14:00” → [time, …]; raises ValidationError naming what it cannot read."""
    times = []
    for word in text.replace(",", " ").split():
        try:
            times.append(datetime.time.fromisoformat(word))
        except ValueError:
            raise forms.ValidationError(
                f"“{word[:20]}” is not a time: write times like 09:00, 10:30."
            ) from None
    if not times:
        raise forms.ValidationError("Give at least one start time, like 09:00, 10:30.")
    return times


class PublishSlotsForm(FieldErrorsForm):
    date = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    times = forms.CharField(
        label="Start times",
        max_length=300,
        help_text="Clinic time, separated by commas: 09:00, 10:30, 14:00.",
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", min_value=15, max_value=240, initial=60
    )
    clinician = ProviderChoiceField(
        label="Therapist or prescriber",
        queryset=None,
        required=False,
        empty_label="Any (the clinic chooses)",
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = integration_leads(clinic)

    def clean_times(self):
        return parse_times(self.cleaned_data["times"])
