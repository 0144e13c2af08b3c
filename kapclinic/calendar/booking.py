"""Booking from the calendar: each kind through its phase's own service, refusals in words
beside the field they are about. The calendar holds no booking rule of its own."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from integration import services as integration
from integration.services import BOOKABLE_SESSION_STATES
from kapclinic.clinic.models import Appointment, JourneyError, TreatmentCourse
from sessions import booking as dosing
from sessions.models import DosingSession
from sessions.visits import VISIT_KINDS, book_visit


def bookable_courses(user, clinic, search=""):
    """The clinic's open courses this user may see, narrowed by a name typed in the search."""
    courses = (
        TreatmentCourse.objects.visible_to(user)
        .filter(clinic=clinic)
        .open()
        .select_related("patient")
        .order_by("patient__legal_name", "pk")
    )
    search = search.strip()
    if search:
        courses = courses.filter(
            Q(patient__legal_name__icontains=search) | Q(patient__preferred_name__icontains=search)
        )
    return courses


def book(form, by):
    """Book what the valid `form` says; the appointment, or None with the errors on the form."""
    data = form.cleaned_data
    course, kind = data["course"], data["kind"]
    slot = {
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "clinician": data["clinician"],
        "resource": data["resource"],
    }
    try:
        if kind == Appointment.Kind.DOSING:
            refusal = dosing.booking_refusal(course)
            if refusal:
                form.add_error("course", refusal)
                return None
            return dosing.book_dosing_session(course, by=by, **slot)
        if kind in VISIT_KINDS:
            return book_visit(course, by=by, kind=kind, **slot)
        return _book_integration(form, course, by, slot)
    except ValidationError as error:
        form.add_model_errors(error)
    except JourneyError as error:
        form.add_error(None, str(error))
    return None


def _book_integration(form, course, by, slot):
    """An integration session follows the course's latest dosing session, once discharged."""
    session = (
        DosingSession.objects.filter(course=course, status__in=BOOKABLE_SESSION_STATES)
        .order_by("-started_at")
        .first()
    )
    if session is None:
        form.add_error(
            "course",
            "An integration session follows a dosing session: this course has no dosing "
            "session discharged yet.",
        )
        return None
    try:
        return integration.book_integration_session(session, by, **slot)
    except JourneyError as error:
        field = "start_time" if slot["starts_at"] <= session.started_at else "course"
        form.add_error(field, str(error))
    return None
