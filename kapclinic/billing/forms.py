from django import forms
from django.utils import timezone

from kapclinic.clinic.forms import FieldErrorsForm

# A date picker's value is always ISO (yyyy-mm-dd), whatever the locale's display format.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FeeLineForm(FieldErrorsForm):
    """A code from the clinic's schedule for one of the patient's visits; no typed fees."""

    appointment = forms.TypedChoiceField(label="Visit", coerce=int)
    code = forms.ChoiceField(label="Code")
    units = forms.IntegerField(
        label="Units", min_value=1, max_value=999, initial=1, help_text="For a drug: units given."
    )

    def __init__(self, *args, visits, schedule, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment"].choices = [
            (v.pk, f"{timezone.localtime(v.starts_at):%d %b %Y %H:%M}, {v.get_kind_display()}")
            for v in visits
        ]
        self.fields["code"].choices = [
            (
                fee.code,
                f"{fee.code} {fee.description} ({fee.fee}{' per ' + fee.unit if fee.unit else ''})",
            )
            for fee in schedule.values()
        ]


class PaidForm(forms.Form):
    paid_on = forms.DateField(label="Paid on", widget=DATE)


class InErrorForm(forms.Form):
    reason = forms.CharField(label="Why was it entered in error?", max_length=500)


class RangeForm(forms.Form):
    """The superbill's dates; read from the query string (GET), nothing is written."""

    start = forms.DateField(label="From date", widget=DATE)
    end = forms.DateField(label="To date", widget=DATE)
