"""Phase 2 forms: booking a dosing session, and the reason for a cancellation or no-show."""

import datetime

from django import forms
from django.utils import timezone

from ..scheduling import dosing_clinicians

# A form default only: a dosing session with preparation, the dose, the minimum observation
# time (Protocol.minimum_observation_minutes, 120 by default) and discharge checks.
DEFAULT_SESSION_MINUTES = 150


class BookDosingSessionForm(forms.Form):
    """Date and time are in the clinic's own time zone, whatever the server's."""

    error_css_class = "form-field--error"

    date = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)",
        min_value=30,
        max_value=8 * 60,
        initial=DEFAULT_SESSION_MINUTES,
        help_text="Preparation, dose, observation and discharge.",
    )
    clinician = forms.ModelChoiceField(
        label="Supervising clinician",
        queryset=None,
        help_text="A prescriber or nurse of this clinic.",
    )
    room = forms.CharField(label="Room", max_length=60, required=False)

    # Model errors land beside the field the person typed.
    FIELD_FOR = {"starts_at": "start_time", "ends_at": "duration_minutes"}

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["clinician"].queryset = dosing_clinicians(clinic)
        self.fields["start_time"].help_text = f"Clinic time ({clinic.time_zone})."

    def clean(self):
        data = super().clean()
        day, start, minutes = (data.get(k) for k in ("date", "start_time", "duration_minutes"))
        if day is None or start is None or minutes is None:
            return data
        tz = self.clinic.tz
        local = datetime.datetime.combine(day, start)
        starts_at = local.replace(tzinfo=tz)
        # A wall-clock time skipped when the clocks go forward does not survive a round trip.
        if starts_at.astimezone(datetime.UTC).astimezone(tz).replace(tzinfo=None) != local:
            self.add_error("start_time", "The clocks change at that time: choose another.")
            return data
        if starts_at <= timezone.now():
            self.add_error("date", "Choose a date and time in the future.")
            return data
        data["starts_at"] = starts_at
        data["ends_at"] = starts_at + datetime.timedelta(minutes=minutes)
        return data

    def add_model_errors(self, error):
        """Show a ValidationError from the model or the database beside its field."""
        for field, messages in error.message_dict.items():
            target = self.FIELD_FOR.get(field, field)
            self.add_error(target if target in self.fields else None, messages)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept on the record.",
    )
