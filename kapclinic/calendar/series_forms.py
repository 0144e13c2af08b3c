"""The recurring series' forms: a series and its review rows, a cancellation in a series.

Forms only parse what was typed; the rules live in `series.py` and the phases' booking
services, whose refusals come back beside the field or the row they concern.
"""

import datetime

from django import forms

from integration.forms.clinician import integration_clinicians
from kapclinic.clinic.forms import AppointmentSlotForm, FieldErrorsForm
from kapclinic.clinic.models import Appointment, Provider
from kapclinic.clinic.models.people import CLINICIAN_ROLES
from kapclinic.clinic.models.resources import DOSING_RESOURCE_NEEDED
from kapclinic.clinic.models.series import MAX_EVERY_DAYS, MAX_OCCURRENCES, SERIES_KINDS, WEEKLY
from sessions.booking import dosing_clinicians
from sessions.session_length import DEFAULT_SESSION_MINUTES

from .series import Occurrence, skipped_by_the_clocks


class SeriesForm(AppointmentSlotForm):
    """Kind, the first session's date and time, length, cadence, count, clinician, room.

    Every active room or chair of the clinic is offered; which kind of session it may hold
    is the resource's own rule (`Resource.refusal_for`), said beside the field.
    """

    MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 15, 8 * 60, DEFAULT_SESSION_MINUTES
    LENGTH_HELP = (
        "About 150 for a dosing session (at least the protocol's observation time after the "
        "dose), 60 for an integration session."
    )
    CLINICIAN_HELP = "Dosing: a prescriber or nurse. Integration: a therapist or prescriber."

    kind = forms.ChoiceField(
        label="Sessions",
        choices=[(kind.value, f"{kind.label}s") for kind in SERIES_KINDS],
        widget=forms.RadioSelect,
    )
    every_days = forms.IntegerField(
        label="Every (days)",
        min_value=1,
        max_value=MAX_EVERY_DAYS,
        initial=WEEKLY,
        help_text="7 is weekly, 14 every two weeks.",
    )
    count = forms.IntegerField(
        label="How many sessions",
        min_value=2,
        max_value=MAX_OCCURRENCES,
        initial=6,
        help_text=f"From 2 to {MAX_OCCURRENCES}.",
    )

    field_order = [
        "kind",
        "date",
        "start_time",
        "duration_minutes",
        "every_days",
        "count",
        "clinician",
        "resource",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].label = "Date of the first session"
        self.order_fields(self.field_order)

    def clinicians(self, clinic):
        return Provider.objects.active().filter(clinic=clinic, role__in=CLINICIAN_ROLES)

    def clean(self):
        data = super().clean()
        kind, clinician, resource = (data.get(k) for k in ("kind", "clinician", "resource"))
        if kind == Appointment.Kind.DOSING and resource is None and "resource" in data:
            self.add_error("resource", DOSING_RESOURCE_NEEDED)
        elif kind and resource is not None:
            refusal = resource.refusal_for(kind, self.clinic.pk)
            if refusal:
                self.add_error("resource", refusal)
        if kind and clinician:
            # Who may lead each kind is the phase's own list, as on its booking page.
            leads = dosing_clinicians if kind == Appointment.Kind.DOSING else integration_clinicians
            if not leads(self.clinic).filter(pk=clinician.pk).exists():
                self.add_error(
                    "clinician",
                    f"{clinician} cannot lead a {Appointment.Kind(kind).label.lower()}: "
                    f"{self.CLINICIAN_HELP}",
                )
        return data


class OccurrenceForm(FieldErrorsForm):
    """One row of the review: the session's date and start time, or dropped."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    drop = forms.BooleanField(required=False)

    def __init__(self, *args, number, tz, duration_minutes, **kwargs):
        super().__init__(*args, prefix=f"o{number}", **kwargs)
        self.number, self.tz, self.duration = number, tz, duration_minutes
        self.fields["date"].label = f"Date of session {number}"
        self.fields["start_time"].label = f"Start of session {number}"
        self.fields["drop"].label = f"Drop session {number}"

    @classmethod
    def of(cls, occurrence, *, tz, duration_minutes, data=None):
        local = occurrence.starts_at.astimezone(tz)
        initial = {"date": local.date(), "start_time": local.time(), "drop": occurrence.dropped}
        return cls(
            data,
            number=occurrence.number,
            tz=tz,
            duration_minutes=duration_minutes,
            initial=initial,
        )

    def occurrence(self):
        """The row as an Occurrence (call once valid)."""
        data = self.cleaned_data
        starts_at = datetime.datetime.combine(data["date"], data["start_time"], tzinfo=self.tz)
        ends_at = starts_at + datetime.timedelta(minutes=self.duration)
        return Occurrence(self.number, starts_at, ends_at, dropped=data["drop"])

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("start_time"):
            moment = datetime.datetime.combine(data["date"], data["start_time"], tzinfo=self.tz)
            if skipped_by_the_clocks(moment, self.tz):
                self.add_error("start_time", "The clocks change at that time: choose another.")
        return data


class SeriesCancelForm(FieldErrorsForm):
    """Cancel this occurrence, or it and the rest of the series; the reason is kept."""

    THIS, REST = "this", "rest"

    # Sent by the button pressed, so the page draws only the reason.
    scope = forms.ChoiceField(choices=[(THIS, "This one"), (REST, "This and the rest")])
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept on the record of each session cancelled.",
    )
