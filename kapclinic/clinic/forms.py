"""Form pieces every phase shares: errors beside their field, and booking an appointment slot."""

import datetime
import uuid

from django import forms
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from .access import may_request_emergency_access
from .form_fields import signature_password
from .limit_words import LimitsInWords
from .models import Resource, ResourceKind

# Per process: the HTML of each distinct empty form, keyed by everything that shapes it.
_DRAWN = {}
_DRAWN_MAX = 1000


class DrawnOnceMixin:
    """An empty form's HTML is drawn once per process and reused.

    Django's per-widget templates were most of the busiest pages' time (the session screen's
    dozen forms, the intake decision). The key holds everything that shapes the HTML (labels,
    help, required, initial values, choices). `per_request_fields` (a patient's words, a
    one-time key) are drawn as a placeholder and their escaped value is put back on each
    request, so the cache never holds them. A bound form (what someone typed, its errors) is
    always drawn afresh.
    """

    per_request_fields = ()

    @staticmethod
    def placeholder(name):
        """Letters only, so escaping leaves it as it is and it can be found in the HTML."""
        return "kapDrawnOnce" + name.title().replace("_", "")

    def render(self, template_name=None, context=None, renderer=None):
        if self.is_bound or context is not None or renderer is not None:
            return super().render(template_name, context, renderer)
        template_name = template_name or self.template_name
        values = {name: self[name].value() for name in self.per_request_fields}
        key = (type(self), template_name, translation.get_language(), self.prefix, self.auto_id)
        key += (self._drawn_shape(),)
        html = _DRAWN.get(key)
        if html is None:
            html = self._draw_with_placeholders(template_name)
            if html is None:  # a placeholder did not come out once: no reuse for this form
                return super().render(template_name)
            if len(_DRAWN) >= _DRAWN_MAX:
                _DRAWN.clear()
            _DRAWN[key] = html
        for name, value in values.items():
            text = "" if value in (None, "") else str(conditional_escape(value))
            html = html.replace(self.placeholder(name), text)
        # Django's own (escaped) drawing of this form, with the escaped values put back.
        return mark_safe(html)  # noqa: S308

    def _drawn_shape(self):
        return tuple(
            (
                name,
                field.label,
                str(field.help_text),
                field.required,
                None if name in self.per_request_fields else repr(self[name].value()),
                tuple(getattr(field, "choices", ())),
            )
            for name, field in self.fields.items()
        )

    def _draw_with_placeholders(self, template_name):
        original = self.initial
        self.initial = {**original, **{n: self.placeholder(n) for n in self.per_request_fields}}
        for name in self.per_request_fields:
            self._bound_fields_cache.pop(name, None)
        try:
            html = str(super().render(template_name))
        finally:
            self.initial = original
            for name in self.per_request_fields:
                self._bound_fields_cache.pop(name, None)
        if any(html.count(self.placeholder(n)) != 1 for n in self.per_request_fields):
            return None
        return html


class OneTimeKeyMixin(forms.Form):
    """A hidden one-time key drawn with each rendered form, so the service that saves the
    entry writes it once however often the form is sent (see `kapclinic.clinic.submissions`).

    A form re-shown with its errors keeps its key (nothing was saved with it); after a save
    the page draws a fresh form, hence a fresh key.
    """

    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    per_request_fields = ("request_key",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("request_key"):
            self.initial = {**self.initial, "request_key": uuid.uuid4()}


class FieldErrorsForm(LimitsInWords):
    """A form whose model and service refusals show beside the field the person typed, and
    whose bounded numbers are refused in words."""

    error_css_class = "form-field--error"
    # Model or service field → form field, where the names differ.
    FIELD_FOR = {}

    def add_model_errors(self, error):
        """Show a ValidationError from a model, a service or the database beside its field
        (one that names no field: above the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            target = self.FIELD_FOR.get(name, name)
            self.add_error(target if target in self.fields else None, messages)


class SignProtocolForm(FieldErrorsForm):
    """The medical director's signature: the version read, and their password typed again."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    password = signature_password()


def phone_number(value, message):
    """A phone number as typed (7 to 15 digits, spaces and +()-. allowed), or `message`."""
    digits = [c for c in value if c.isdigit()]
    if not 7 <= len(digits) <= 15 or any(c not in "0123456789+ ()-." for c in value):
        raise forms.ValidationError(message)
    return value.strip()


class ProviderChoiceField(forms.ModelChoiceField):
    """A member of staff by name and role: two clinicians may share a name, never a face."""

    def label_from_instance(self, provider):
        return f"{provider} ({provider.get_role_display()})"


class ProviderMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several members of staff, each by name and role (the care team)."""

    def label_from_instance(self, provider):
        return f"{provider} ({provider.get_role_display()})"


class _ResourcesByKind(forms.models.ModelChoiceIterator):
    """The clinic's rooms and chairs under one heading per kind (dosing rooms, recliners…)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups = {}
        for resource in self.queryset:
            groups.setdefault(resource.kind, []).append(self.choice(resource))
        for kind in ResourceKind:
            if kind in groups:
                yield (kind.label, tuple(groups[kind]))


class ResourceChoiceField(forms.ModelChoiceField):
    """One of the clinic's rooms, chairs or telehealth lines, grouped by kind."""

    iterator = _ResourcesByKind


class AppointmentSlotForm(FieldErrorsForm):
    """Date, time and length in the clinic's own time zone, whatever the server's.

    Subclasses set the length bounds and default, say who may lead the appointment, and
    which kind of appointment it is (which rooms and chairs it may be booked in).
    """

    MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 15, 8 * 60, 60
    LENGTH_HELP = ""
    CLINICIAN_LABEL, CLINICIAN_HELP, CLINICIAN_REQUIRED = "Clinician", "", True
    # An `Appointment.Kind` value: the resources offered are those it may hold.
    APPOINTMENT_KIND = ""
    RESOURCE_LABEL, RESOURCE_HELP, RESOURCE_REQUIRED = "Room", "", False
    RESOURCE_EMPTY_LABEL, RESOURCE_REQUIRED_MESSAGE = "No room", "Choose a room."
    FIELD_FOR = {"starts_at": "start_time", "ends_at": "duration_minutes"}

    date = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(label="Length (minutes)")
    clinician = ProviderChoiceField(label="Clinician", queryset=None)
    resource = ResourceChoiceField(label="Room", queryset=Resource.objects.none())

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
        self.fields["clinician"] = ProviderChoiceField(
            label=self.CLINICIAN_LABEL,
            queryset=self.clinicians(clinic),
            required=self.CLINICIAN_REQUIRED,
            help_text=self.CLINICIAN_HELP,
        )
        self.fields["resource"] = ResourceChoiceField(
            label=self.RESOURCE_LABEL,
            queryset=Resource.objects.filter(clinic=clinic).bookable_for(self.APPOINTMENT_KIND),
            required=self.RESOURCE_REQUIRED,
            help_text=self.RESOURCE_HELP,
            empty_label=self.RESOURCE_EMPTY_LABEL,
            error_messages={"required": self.RESOURCE_REQUIRED_MESSAGE},
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
