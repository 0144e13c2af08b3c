"""Moving an appointment: one service with the booking's checks, refusals beside the field,
the move audited with its reason; the page that calls it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Appointment, JourneyError, Role
from kapclinic.demo.builder import clear_course, open_session, room
from sessions import booking

from .conftest import at, put

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
# A dosing session holds its chair for at least the protocol's observation time (120 min).
DOSING_LENGTH = datetime.timedelta(minutes=150)


@pytest.fixture
def cleared(north):
    clear_course(north.courses[0], north.staff[Role.PRESCRIBER].user)
    return north.courses[0]


def move(appointment, by, start, **fields):
    length = DOSING_LENGTH if appointment.kind == Appointment.Kind.DOSING else HOUR
    return booking.reschedule(
        appointment, by=by, starts_at=start, ends_at=start + length, reason="Asked", **fields
    )


def test_a_move_keeps_the_appointment_and_audits_the_reason(north, cleared):
    nurse = north.staff[Role.NURSE]
    appointment = put(cleared, nurse, at(north.clinic, 2, 10), resource=room(north.clinic))
    recliner = room(north.clinic, "Recliner B")
    move(appointment, nurse.user, at(north.clinic, 3, 14), resource=recliner)
    appointment.refresh_from_db()
    assert appointment.starts_at == at(north.clinic, 3, 14)
    assert (appointment.resource, appointment.clinician, appointment.status) == (
        recliner,
        nurse,
        "booked",
    )
    event = AccessEvent.objects.filter(patient=cleared.patient, what__contains="rescheduled").get()
    assert event.actor == nurse.user and event.what.endswith(": Asked")


def test_a_clash_is_refused_beside_the_clinician_field(north, cleared):
    nurse = north.staff[Role.NURSE]
    appointment = put(cleared, nurse, at(north.clinic, 2, 10), resource=room(north.clinic))
    put(north.courses[1], nurse, at(north.clinic, 3, 14))
    with pytest.raises(ValidationError) as refused:
        move(appointment, nurse.user, at(north.clinic, 3, 14, 30))
    assert "is already booked" in refused.value.message_dict["clinician"][0]
    appointment.refresh_from_db()
    assert appointment.starts_at == at(north.clinic, 2, 10)


def test_a_database_refusal_comes_back_as_the_same_field_error(north, cleared, monkeypatch):
    """Two people moving into one slot at once: the exclusion constraint refuses the second."""
    nurse = north.staff[Role.NURSE]
    appointment = put(cleared, nurse, at(north.clinic, 2, 10), resource=room(north.clinic))
    put(north.courses[1], nurse, at(north.clinic, 3, 14))
    monkeypatch.setattr(Appointment, "clashes", lambda self: {})
    with pytest.raises(ValidationError) as refused:
        move(appointment, nurse.user, at(north.clinic, 3, 14))
    assert "a moment ago" in refused.value.message_dict["clinician"][0]


@pytest.mark.parametrize("status", [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
def test_a_cancelled_or_missed_appointment_cannot_move(north, cleared, status):
    nurse = north.staff[Role.NURSE]
    appointment = put(
        cleared, nurse, at(north.clinic, 2, 10), status=status, resource=room(north.clinic)
    )
    with pytest.raises(JourneyError, match="cannot be moved"):
        move(appointment, nurse.user, at(north.clinic, 3, 14))


def test_staff_of_another_clinic_cannot_move_it(world, north, cleared):
    appointment = put(cleared, north.staff[Role.NURSE], at(north.clinic, 2, 10))
    with pytest.raises(JourneyError, match="staff of the patient's clinic"):
        move(appointment, world.two.staff[Role.PRESCRIBER].user, at(north.clinic, 3, 14))


def test_a_dosing_session_moves_only_to_a_prescriber_or_nurse(north, cleared):
    nurse = north.staff[Role.NURSE]
    appointment = put(cleared, nurse, at(north.clinic, 2, 10), resource=room(north.clinic))
    with pytest.raises(ValidationError) as refused:
        move(
            appointment, nurse.user, at(north.clinic, 3, 14), clinician=north.staff[Role.THERAPIST]
        )
    assert "cannot supervise a dose" in refused.value.message_dict["clinician"][0]


def test_a_dosing_session_of_a_course_no_longer_bookable_cannot_move(north):
    nurse = north.staff[Role.NURSE]
    appointment = put(north.courses[0], nurse, at(north.clinic, 2, 10))  # never cleared
    with pytest.raises(JourneyError, match="once a course is cleared"):
        move(appointment, nurse.user, at(north.clinic, 3, 14))


def test_an_opened_dosing_session_stays_where_it_is(north, cleared):
    nurse = north.staff[Role.NURSE]
    start = at(north.clinic, 0, 0)
    appointment = put(cleared, nurse, start)
    open_session(appointment, nurse.user, start)
    with pytest.raises(JourneyError, match="has been opened"):
        move(appointment, nurse.user, at(north.clinic, 3, 14))


def test_an_integration_session_stays_after_its_dosing_session(north, cleared):
    nurse, therapist = north.staff[Role.NURSE], north.staff[Role.THERAPIST]
    dosing = put(cleared, nurse, at(north.clinic, -2, 10))
    open_session(dosing, nurse.user, at(north.clinic, -2, 10))
    integration = put(
        cleared, therapist, at(north.clinic, 1, 10), kind=Appointment.Kind.INTEGRATION
    )
    with pytest.raises(ValidationError) as refused:
        move(integration, therapist.user, at(north.clinic, -3, 10))
    assert "follows its dosing session" in refused.value.message_dict["starts_at"][0]
    move(integration, therapist.user, at(north.clinic, 2, 10))


def test_the_move_page_shows_the_service_error_beside_the_field(north, cleared, staff_client):
    nurse = north.staff[Role.NURSE]
    appointment = put(cleared, nurse, at(north.clinic, 2, 10), resource=room(north.clinic))
    put(north.courses[1], nurse, at(north.clinic, 3, 14))
    client = staff_client(nurse)
    url = reverse("calendar:move", args=[appointment.pk])
    assert client.get(url).status_code == 200
    day = at(north.clinic, 3, 0).date().isoformat()
    data = {"date": day, "start_time": "14:00", "duration_minutes": "150", "reason": "Asked"}
    response = client.post(url, {**data, "clinician": nurse.pk})
    assert response.status_code == 200
    assert "is already booked" in str(response.context["form"].errors["clinician"])
    response = client.post(url, {**data, "start_time": "16:00", "clinician": nurse.pk})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == at(north.clinic, 3, 16)


def test_another_clinics_staff_get_not_found_on_the_move_page(world, north, staff_client):
    appointment = put(north.courses[0], north.staff[Role.NURSE], at(north.clinic, 2, 10))
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    assert client.get(reverse("calendar:move", args=[appointment.pk])).status_code == 404


def test_a_block_dropped_on_a_slot_opens_the_form_with_the_slot_filled_in(
    north, cleared, staff_client
):
    nurse, prescriber = north.staff[Role.NURSE], north.staff[Role.PRESCRIBER]
    appointment = put(
        cleared, nurse, at(north.clinic, 2, 10), minutes=150, resource=room(north.clinic)
    )
    client = staff_client(nurse)
    target = at(north.clinic, 3, 15, 30)
    response = client.get(
        reverse("calendar:move", args=[appointment.pk]),
        {"start": f"{target:%Y-%m-%dT%H:%M}", "clinician": prescriber.pk},
    )
    initial = response.context["form"].initial
    assert initial["date"] == target.date()
    assert initial["start_time"] == datetime.time(15, 30)
    assert (initial["duration_minutes"], initial["clinician"]) == (150, prescriber.pk)
