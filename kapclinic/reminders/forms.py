from django import forms

from .models import ReminderPreference


class ReminderPreferenceForm(forms.ModelForm):
    """What a patient may change: the optional reminders and their quiet hours."""

    class Meta:
        model = ReminderPreference
        fields = [
            "appointment_reminders",
            "measure_reminders",
            "intake_reminders",
            "quiet_start",
            "quiet_end",
        ]
        labels = {
            "appointment_reminders": "Appointment reminders (2 days and 2 hours before)",
            "measure_reminders": "Questionnaire reminders",
            "intake_reminders": "Reminders to finish my forms",
            "quiet_start": "Quiet hours from",
            "quiet_end": "Quiet hours until",
        }
        help_texts = {
            "quiet_start": "No reminders from this time (the clinic's time). Both empty: none.",
            "quiet_end": "Reminders held back go out at this time, for example 07:00.",
        }
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
