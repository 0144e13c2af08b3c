"""The calendar's forms: book from an empty slot, move an appointment, the filters."""

from django import forms

from kapclinic.clinic.forms import AppointmentSlotForm
from kapclinic.clinic.models import Appointment, Provider
from kapclinic.clinic.models.people import CLINICIAN_ROLES
from sessions.session_length import DEFAULT_SESSION_MINUTES

from .grid import AXES

# The kinds the calendar books, each through its phase's own service (see booking.py).
BOOKABLE_KINDS = [
    (Appointment.Kind.DOSING, Appointment.Kind.DOSING.label),
    (Appointment.Kind.INTEGRATION, Appointment.Kind.INTEGRATION.label),
    (Appointment.Kind.ASSESSMENT, "Assessment (intake review)"),
    (Appointment.Kind.FOLLOW_UP, "Follow-up (re-evaluation)"),
]


def clinic_clinicians(clinic):
    return (
        Provider.objects.active()
        .filter(clinic=clinic, role__in=CLINICIAN_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, course):
        return (
            f"{course.patient.display_name}: {course.get_indication_display()} course "
            f"({course.get_state_display()})"
        )


class CalendarBookingForm(AppointmentSlotForm):
    """A slot of the calendar, booked for one course; the phase's service checks the rest."""

    MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 15, 8 * 60, DEFAULT_SESSION_MINUTES
    LENGTH_HELP = (
        "A dosing session lasts at least the protocol's observation time after the dose; "
        "an integration session or a visit is usually 60."
    )
    CLINICIAN_REQUIRED = False
    CLINICIAN_HELP = "A dosing session needs a prescriber or nurse to supervise it."
    FIELD_FOR = {**AppointmentSlotForm.FIELD_FOR, "course": "course"}

    RESOURCE_LABEL = "Room or chair"
    RESOURCE_HELP = "A dosing session needs a dosing room or chair."
    field_order = [
        "course",
        "kind",
        "date",
        "start_time",
        "duration_minutes",
        "clinician",
        "resource",
    ]

    course = CourseChoiceField(label="Patient and course", queryset=None)
    kind = forms.ChoiceField(label="Kind", choices=BOOKABLE_KINDS)

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses

    def clinicians(self, clinic):
        return clinic_clinicians(clinic)


class MoveForm(AppointmentSlotForm):
    """The new time, clinician or room of an appointment, and why it moves."""

    CLINICIAN_REQUIRED = False
    RESOURCE_LABEL = "Room or chair"
    RESOURCE_EMPTY_LABEL = "Keep the room or chair"
    CLINICIAN_LABEL = "Clinician"
    FIELD_FOR = {**AppointmentSlotForm.FIELD_FOR}

    reason = forms.CharField(
        label="Reason for the move",
        max_length=200,
        help_text="Kept in the record's trail, e.g. “Patient asked for the afternoon”.",
    )

    def clinicians(self, clinic):
        return clinic_clinicians(clinic)


def parse_filters(query):
    """The grid's filters from the query string: a value that is not one is ignored, never an
    error (a bookmarked link to a clinician who left still opens the calendar)."""
    clinician, room = query.get("clinician", ""), query.get("room", "")
    kind = query.get("kind", "")
    return {
        "clinician": int(clinician) if clinician.isdigit() else None,
        "room": int(room) if room.isdigit() else None,
        "kind": kind if kind in Appointment.Kind.values else None,
    }


def parse_axis(query):
    axis = query.get("axis", "")
    return axis if axis in AXES else next(iter(AXES))
