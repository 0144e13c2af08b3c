"""The clinician's phase-3 forms: booking, the integration note, addenda, closing a course.

Forms only parse what was typed; the rules live in integration.services and the models, and
their refusals come back beside the field they concern (`add_model_errors`).
"""

import datetime

from django import forms
from django.utils import timezone

from kapclinic.clinic.models import Indication, Provider

from ..models import IntegrationNote
from ..models.notes import NOTE_FIELDS
from ..permissions import NOTE_AUTHORS

# A form default only: an integration session is an ordinary therapy hour.
DEFAULT_INTEGRATION_MINUTES = 60


class ClinicianForm(forms.Form):
    error_css_class = "form-field--error"
    # Model or service field → form field, where the names differ.
    FIELD_FOR = {}

    def add_model_errors(self, error):
        """Show a ValidationError from a model or service beside the field it concerns."""
        for name, messages in error.message_dict.items():
            target = self.FIELD_FOR.get(name, name)
            self.add_error(target if target in self.fields else None, messages)


def integration_clinicians(clinic):
    """Who leads an integration session: the clinic's active therapists and prescribers."""
    return (
        Provider.objects.active()
        .filter(clinic=clinic, role__in=list(NOTE_AUTHORS))
        .select_related("user")
    )


class BookIntegrationSessionForm(ClinicianForm):
    """Date and time in the clinic's own time zone, whatever the server's."""

    date = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)",
        min_value=15,
        max_value=4 * 60,
        initial=DEFAULT_INTEGRATION_MINUTES,
    )
    clinician = forms.ModelChoiceField(
        label="Therapist or prescriber", queryset=None, required=False
    )
    room = forms.CharField(label="Room", max_length=60, required=False)

    FIELD_FOR = {"starts_at": "start_time", "ends_at": "duration_minutes"}

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["clinician"].queryset = integration_clinicians(clinic)
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
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=field.help_text,
    )


class IntegrationNoteForm(ClinicianForm):
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
        self.fields["next_dose_plan_detail"].label = "Next dose: detail"
        self.fields["next_dose_plan_detail"].help_text = "Dose, route, booster use."

    @classmethod
    def for_note(cls, note):
        return cls(initial={name: getattr(note, name) for name in NOTE_FIELDS} if note else None)

    def data_for_service(self):
        return {name: self.cleaned_data.get(name) or "" for name in NOTE_FIELDS}


class AddendumForm(ClinicianForm):
    prefix = "addendum"
    text = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 3}))


class CourseClosureForm(ClinicianForm):
    """Completion or discontinuation: the clinical date and the reason, both kept."""

    effective_on = forms.DateField(
        label="Date the course ended",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="It may be earlier than today; not in the future.",
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept on the record."
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].initial = timezone.localdate(timezone=clinic.tz)


PERIODS = {
    "": ("Any time", None),
    "90d": ("Last 90 days", 90),
    "1y": ("Last 12 months", 365),
}


class DashboardFilterForm(forms.Form):
    """Indication and the period in which courses were completed (both ends included)."""

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
