"""Phase 2 forms: booking a dosing session, and the reason for a cancellation or no-show."""

from django import forms

from kapclinic.clinic.form_fields import written
from kapclinic.clinic.forms import AppointmentSlotForm
from kapclinic.clinic.models import Appointment
from kapclinic.clinic.models.resources import DOSING_RESOURCE_NEEDED

from ..booking import dosing_clinicians
from ..session_length import DEFAULT_SESSION_MINUTES


class BookDosingSessionForm(AppointmentSlotForm):
    MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 30, 8 * 60, DEFAULT_SESSION_MINUTES
    LENGTH_HELP = "Preparation, dose, observation and discharge."
    CLINICIAN_LABEL = "Supervising clinician"
    CLINICIAN_HELP = "A prescriber or nurse of this clinic."
    APPOINTMENT_KIND = Appointment.Kind.DOSING
    RESOURCE_LABEL, RESOURCE_REQUIRED = "Dosing room or chair", True
    RESOURCE_HELP = "Where the patient is dosed and observed."
    RESOURCE_EMPTY_LABEL, RESOURCE_REQUIRED_MESSAGE = "Choose…", DOSING_RESOURCE_NEEDED

    def clinicians(self, clinic):
        return dosing_clinicians(clinic)


class ReasonForm(forms.Form):
    reason = written("Reason", 500, rows=2, required=True, help_text="Kept on the record.")
