"""Form pieces every phase shares: errors beside their field, and booking an appointment slot."""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone

from .access import may_request_emergency_access


class FieldErrorsForm(forms.Form):
    """A form whose model and service refusals show beside the field the person typed."""

    error_css_class = "form-field--error"
    # Model or service field → form field, where the names differ.
    FIELD_FOR = {}

    def add_model_errors(self, error):
        """Show a ValidationError from a model, a service or the database beside its field."""
        for name, messages in error.message_dict.items():
            target = self.FIELD_FOR.get(name, name)
            self.add_error(target if target in self.fields else None, messages)


class AppointmentSlotForm(FieldErrorsForm):
    """Date, time and length in the clinic's own time zone, whatever the server's.

    Subclasses set the length bounds and default, and say who may lead the appointment.
    """

    MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 15, 8 * 60, 60
    LENGTH_HELP = ""
    CLINICIAN_LABEL, CLINICIAN_HELP, CLINICIAN_REQUIRED = "Clinician", "", True
    FIELD_FOR = {"starts_at": "start_time", "ends_at": "duration_minutes"}

    date = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(label="Length (minutes)")
    clinician = forms.ModelChoiceField(label="Clinician", queryset=None)
    room = forms.CharField(label="Room", max_length=60, required=False)

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["duration_minutes"] = forms.IntegerField(
            label="Length (minutes)",
            min_value=self.MIN_MINUTES,
            max_value=self.MAX_MINUTES,
            initial=self.DEFAULT_MINUTES,
            help_text=self.LENGTH_HELP,
        )
        self.fields["clinician"] = forms.ModelChoiceField(
            label=self.CLINICIAN_LABEL,
            queryset=self.clinicians(clinic),
            required=self.CLINICIAN_REQUIRED,
            help_text=self.CLINICIAN_HELP,
        )
        self.fields["start_time"].help_text = f"Clinic time ({clinic.time_zone})."

    def clinicians(self, clinic):
        """Who may lead the appointment; each booking form says."""
        raise NotImplementedError

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


class EmergencyAccessForm(FieldErrorsForm):
    """Break-glass: the patient's number and why their chart is needed now."""

    patient_number = forms.IntegerField(
        label="Patient number",
        min_value=1,
        help_text="The number on the patient's record at their own clinic.",
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Why you need this record now. Your reason is kept in the audit trail.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.patient = None
        minimum = settings.KAP_EMERGENCY_REASON_MIN_LENGTH
        self.fields["reason"].widget.attrs["minlength"] = minimum

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        minimum = settings.KAP_EMERGENCY_REASON_MIN_LENGTH
        if len(reason) < minimum:
            raise forms.ValidationError(
                f"Give the clinical reason in at least {minimum} characters."
            )
        return reason

    def clean_patient_number(self):
        from .models import Patient

        number = self.cleaned_data["patient_number"]
        patient = Patient.objects.select_related("clinic").filter(pk=number).first()
        if patient is None:
            raise forms.ValidationError("No patient has this number. Check it with the patient.")
        if Patient.objects.visible_to(self.user).filter(pk=number).exists():
            raise forms.ValidationError(
                "This patient is in your clinic: open their chart from the caseload."
            )
        self.patient = patient
        return number

    def clean(self):
        if not may_request_emergency_access(self.user):
            raise forms.ValidationError("Only clinicians may open emergency access.")
        return super().clean()
