"""The calendar holds a dosing session's chair and clinician for at least the protocol's
observation time: booking from a slot, moving, a recurring series and the admin (the rule
itself is the dosing booking service's, tests/sessions/test_session_length.py)."""

import pytest
from django.urls import reverse

from kapclinic.calendar import series
from kapclinic.clinic.models import Appointment, AppointmentSeries, Role
from kapclinic.demo.builder import clear_course, room
from tests.factories import appointment_admin_form, signed_protocol

from .conftest import at, put
from .test_series import series_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleared(north):
    clear_course(north.courses[0], north.staff[Role.PRESCRIBER].user)
    return north.courses[0]


def slot_form(start, nurse, course, minutes):
    return {
        "course": course.pk,
        "kind": "dosing",
        "date": start.date().isoformat(),
        "start_time": f"{start:%H:%M}",
        "duration_minutes": str(minutes),
        "clinician": nurse.pk,
        "resource": room(course.clinic, "Dosing room 1").pk,
    }


def test_booking_from_a_slot_starts_from_the_protocols_observation_time(north, staff_client):
    signed_protocol(north.clinic, minimum_observation_minutes=180)
    page = staff_client(north.staff[Role.NURSE]).get(reverse("calendar:book"))
    assert page.context["form"]["duration_minutes"].value() == 180


def test_a_dosing_session_too_short_is_refused_beside_the_length(north, cleared, staff_client):
    nurse = north.staff[Role.NURSE]
    client = staff_client(nurse)
    start = at(north.clinic, 2, 10)
    response = client.post(reverse("calendar:book"), slot_form(start, nurse, cleared, 60))
    assert response.status_code == 200
    words = str(response.context["form"].errors["duration_minutes"])
    assert "at least 2 h" in words and "12:00 or later" in words
    assert not Appointment.objects.exists()
    response = client.post(reverse("calendar:book"), slot_form(start, nurse, cleared, 120))
    assert response.status_code == 302
    assert Appointment.objects.get().ends_at == at(north.clinic, 2, 12)


def test_an_integration_session_from_a_slot_may_be_an_hour(north, cleared, staff_client):
    """The observation time is a dosing session's: an assessment keeps its 60 minutes."""
    nurse = north.staff[Role.NURSE]
    data = {**slot_form(at(north.clinic, 2, 10), nurse, cleared, 60), "kind": "assessment"}
    data["resource"] = ""
    assert staff_client(nurse).post(reverse("calendar:book"), data).status_code == 302
    assert Appointment.objects.get().kind == Appointment.Kind.ASSESSMENT


def test_moving_to_a_shorter_length_is_refused_beside_it(north, cleared, staff_client):
    nurse = north.staff[Role.NURSE]
    appointment = put(cleared, nurse, at(north.clinic, 2, 10), 150, room(north.clinic))
    client = staff_client(nurse)
    url = reverse("calendar:move", args=[appointment.pk])
    day = at(north.clinic, 3, 0).date().isoformat()
    data = {"date": day, "start_time": "14:00", "duration_minutes": "90", "reason": "Asked"}
    response = client.post(url, {**data, "clinician": nurse.pk})
    assert response.status_code == 200
    assert "16:00 or later" in str(response.context["form"].errors["duration_minutes"])
    appointment.refresh_from_db()
    assert appointment.starts_at == at(north.clinic, 2, 10)


def test_the_move_form_of_a_short_dosing_session_offers_the_observation_time(
    north, cleared, staff_client
):
    """Booked for 60 minutes before the rule: moving it starts from the protocol's length."""
    nurse = north.staff[Role.NURSE]
    appointment = put(cleared, nurse, at(north.clinic, 2, 10), 60, room(north.clinic))
    page = staff_client(nurse).get(reverse("calendar:move", args=[appointment.pk]))
    assert page.context["form"].initial["duration_minutes"] == 120


def weekly(side, minutes):
    return series.plan_series(
        side.courses[0],
        kind=Appointment.Kind.DOSING,
        first_starts_at=at(side.clinic, 3, 10),
        duration_minutes=minutes,
        every_days=7,
        count=3,
        clinician=side.staff[Role.NURSE],
        resource=room(side.clinic, "Dosing room 1"),
    )


def test_a_series_of_too_short_dosing_sessions_books_nothing(north, cleared):
    plan = weekly(north, 90)
    assert not plan.ready
    assert "at least 2 h" in plan.refusal
    with pytest.raises(series.SeriesError, match="at least 2 h"):
        series.book_series(plan, by=north.staff[Role.NURSE].user)
    assert not Appointment.objects.exists() and not AppointmentSeries.objects.exists()
    assert weekly(north, 120).ready


def test_the_series_page_refuses_a_short_length_beside_the_field(north, cleared, staff_client):
    data = {**series_form(north, duration_minutes="60"), "step": "plan"}
    client = staff_client(north.staff[Role.NURSE])
    response = client.post(reverse("calendar:book-series", args=[cleared.pk]), data)
    assert "at least 2 h" in str(response.context["form"].errors["duration_minutes"])
    assert not Appointment.objects.exists()


def test_the_series_form_starts_from_the_protocols_observation_time(north, cleared, staff_client):
    signed_protocol(north.clinic, minimum_observation_minutes=180)
    client = staff_client(north.staff[Role.NURSE])
    page = client.get(reverse("calendar:book-series", args=[cleared.pk]))
    assert page.context["form"]["duration_minutes"].value() == 180


def test_the_admin_cannot_shorten_or_add_a_dosing_session(north, cleared, staff_client):
    """The admin bypasses the booking service (protocol, REMS, who supervises), so it does
    not write a dosing session's time, kind, clinician or room: the calendar does."""
    nurse = north.staff[Role.NURSE]
    appointment = put(cleared, nurse, at(north.clinic, 2, 10), 150, room(north.clinic))
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    url = reverse("admin:clinic_appointment_change", args=[appointment.pk])
    short = f"{at(north.clinic, 2, 11):%H:%M:%S}"
    response = client.post(url, appointment_admin_form(appointment, ends_at_1=short))
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.ends_at == at(north.clinic, 2, 12, 30)

    add = client.get(reverse("admin:clinic_appointment_add"))
    kinds = [value for value, _ in add.context["adminform"].form.fields["kind"].choices]
    assert Appointment.Kind.DOSING not in kinds and Appointment.Kind.INTEGRATION in kinds


def test_the_admin_cannot_turn_a_visit_into_a_dosing_session(north, cleared, staff_client):
    therapist = north.staff[Role.THERAPIST]
    visit = put(cleared, therapist, at(north.clinic, 2, 10), kind=Appointment.Kind.FOLLOW_UP)
    client = staff_client(north.staff[Role.CLINIC_ADMIN])
    url = reverse("admin:clinic_appointment_change", args=[visit.pk])
    client.post(url, appointment_admin_form(visit, kind=Appointment.Kind.DOSING))
    visit.refresh_from_db()
    assert visit.kind == Appointment.Kind.FOLLOW_UP
