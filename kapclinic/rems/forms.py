"""The two REMS forms staff fill in: a patient's enrolment, and the day a form was submitted."""

from django import forms

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EnrolmentForm(forms.Form):
    enrolment_id = forms.CharField(
        label="REMS enrolment ID", max_length=60, help_text="As the Spravato REMS issued it."
    )
    enrolled_on = forms.DateField(label="Enrolled on", widget=DATE)
    patient_signed_on = forms.DateField(label="Patient signed the enrolment form on", widget=DATE)


class SubmittedForm(forms.Form):
    submitted_on = forms.DateField(
        label="Submitted to the REMS on",
        widget=DATE,
        help_text="The day the form was sent (REMS portal, fax or phone).",
    )
