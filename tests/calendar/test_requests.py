"""Appointment requests (issue 21): a patient's request is not an appointment until accepted."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.calendar import requests as services
from kapclinic.calendar.models import AppointmentRequest, OpenSlot
from kapclinic.clinic.models import Appointment
from tests.reminders.conftest import run_scan

from .conftest import integration_of, slot_at, tomorrow_at

pytestmark = pytest.mark.django_db

S = AppointmentRequest.Status
BANNED = ("ketamine", "spravato", "esketamine", "dose", "integration", "depression")


def ask(dosed, slot=None, note="", **kwargs):
    return services.request_time(
        dosed.patient.user, dosed.course, slot=slot or dosed.slot, note=note, **kwargs
    )


def accepting(dosed, request, by=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.accept((by or dosed.admin).user, request)


def propose_four_pm(dosed, request, by, minutes=60, **fields):
    """Staff offer tomorrow at 16:00 instead of the time asked for; returns the time offered."""
    offered = tomorrow_at(dosed.clinic, 16)
    services.propose(
        by.user,
        request,
        starts_at=offered,
        ends_at=offered + datetime.timedelta(minutes=minutes),
        **fields,
    )
    return offered


def answers_sent():
    """The answers' emails once the worker's scan has run (they are reminder rows)."""
    run_scan(timezone.now())
    return [m for m in mail.outbox if m.subject.startswith("Your appointment request at")]


def integration_sessions(course):
    return Appointment.objects.filter(course=course, kind=Appointment.Kind.INTEGRATION)


def test_a_request_is_not_an_appointment_until_accepted(dosed):
    request = ask(dosed, note="After 10 if I can.")

    assert request.status == S.REQUESTED
    assert not integration_sessions(dosed.course).exists()
    assert request.booked is None


def test_accept_books_exactly_one_appointment_and_emails_the_patient(dosed):
    request = ask(dosed)

    accepting(dosed, request)

    booked = integration_sessions(dosed.course).get()
    assert (booked.starts_at, booked.ends_at) == (dosed.slot.starts_at, dosed.slot.ends_at)
    assert booked.clinician == dosed.therapist and booked.is_live
    request.refresh_from_db()
    assert (request.status, request.booked, request.answered_by) == (
        S.ACCEPTED,
        booked,
        dosed.admin.user,
    )
    (email,) = answers_sent()
    assert email.to == [dosed.patient.email]
    assert email.subject == f"Your appointment request at {dosed.clinic.name}"
    assert "accepted" in email.body
    text = (email.subject + email.body + email.alternatives[0][0]).lower()
    assert not [word for word in BANNED if word in text]


def test_a_slot_taken_meanwhile_refuses_accept_in_words_and_books_nothing(dosed):
    request = ask(dosed)
    # Someone else's integration session with the same therapist, booked at the front desk.
    integration_of(dosed.other_course, dosed.slot.starts_at, clinician=dosed.therapist)

    with pytest.raises(ValidationError) as refused:
        accepting(dosed, request)

    words = " ".join(refused.value.messages)
    assert "already booked" in words and "Nothing was booked" in words
    assert not integration_sessions(dosed.course).exists()
    request.refresh_from_db()
    assert request.status == S.REQUESTED and request.booked is None
    assert not answers_sent()


def test_a_patient_cannot_ask_on_another_patients_course(dosed):
    other = dosed.other_course.patient.user
    with pytest.raises(services.RequestError, match="Only the patient"):
        services.request_time(other, dosed.course, slot=dosed.slot)
    with pytest.raises(services.RequestError, match="Only the patient"):
        services.request_time(dosed.prescriber.user, dosed.course, slot=dosed.slot)
    assert not AppointmentRequest.objects.exists()


def test_one_open_request_per_course(dosed):
    ask(dosed)
    with pytest.raises(services.RequestError, match="already have a request waiting"):
        ask(dosed, slot=dosed.later)
    assert AppointmentRequest.objects.count() == 1


def test_the_database_keeps_one_open_request_per_course(dosed):
    first = ask(dosed)
    second = AppointmentRequest(
        course=dosed.course,
        kind=first.kind,
        starts_at=dosed.later.starts_at,
        ends_at=dosed.later.ends_at,
        requested_by=dosed.patient.user,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_after_withdrawing_the_patient_may_ask_again(dosed):
    services.withdraw(dosed.patient.user, ask(dosed))
    again = ask(dosed, slot=dosed.later)
    assert again.status == S.REQUESTED
    assert AppointmentRequest.objects.filter(status=S.WITHDRAWN).count() == 1


def test_propose_then_the_patient_accepts_and_it_is_booked(dosed):
    request = ask(dosed)
    with TestCase.captureOnCommitCallbacks(execute=True):
        offered = propose_four_pm(
            dosed,
            request,
            dosed.prescriber,
            minutes=50,
            clinician=dosed.prescriber,
            response="The therapist is away that morning.",
        )
    assert request.status == S.PROPOSED
    assert not integration_sessions(dosed.course).exists()
    (email,) = answers_sent()
    assert "proposes" in email.body and "away" not in email.body  # the message stays inside

    services.answer_proposal(dosed.patient.user, request, accepted=True)

    booked = integration_sessions(dosed.course).get()
    assert (booked.starts_at, booked.clinician) == (offered, dosed.prescriber)
    request.refresh_from_db()
    assert (request.status, request.booked) == (S.ACCEPTED, booked)


def test_the_patient_may_decline_the_time_offered(dosed):
    request = ask(dosed)
    propose_four_pm(dosed, request, dosed.admin)
    services.answer_proposal(dosed.patient.user, request, accepted=False)
    assert request.status == S.DECLINED and not integration_sessions(dosed.course).exists()


def test_decline_needs_a_reason_and_tells_the_patient_without_it(dosed):
    request = ask(dosed)
    with pytest.raises(ValidationError):
        services.decline(dosed.admin.user, request, reason=" ")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.decline(dosed.admin.user, request, reason="Please call us about your plan.")
    assert request.status == S.DECLINED
    (email,) = answers_sent()
    assert "cannot offer" in email.body and "plan" not in email.body


def test_staff_of_another_clinic_cannot_answer(dosed):
    request = ask(dosed)
    with pytest.raises(services.RequestError, match="clinic's staff"):
        services.accept(dosed.outsider.user, request)
    assert not integration_sessions(dosed.course).exists()


def test_a_slot_asked_for_is_held_until_the_request_closes(dosed):
    request = ask(dosed)
    assert list(OpenSlot.objects.offered(dosed.clinic.pk)) == [dosed.later]
    services.withdraw(dosed.patient.user, request)
    assert list(OpenSlot.objects.offered(dosed.clinic.pk)) == [dosed.slot, dosed.later]


def test_past_busy_or_unpublished_slots_are_not_offered(dosed):
    past = slot_at(dosed.clinic, dosed.admin.user, tomorrow_at(dosed.clinic, 9, days=-2))
    hidden = slot_at(dosed.clinic, dosed.admin.user, tomorrow_at(dosed.clinic, 8), active=False)
    integration_of(dosed.other_course, dosed.later.starts_at, clinician=dosed.therapist)
    offered = list(OpenSlot.objects.offered(dosed.clinic.pk))
    assert offered == [dosed.slot]
    for slot in (past, hidden, dosed.later):
        with pytest.raises(ValidationError):
            ask(dosed, slot=slot)


def test_asking_to_move_an_integration_session_moves_it_on_accept(dosed):
    session = integration_of(dosed.course, tomorrow_at(dosed.clinic, 12, days=3), dosed.therapist)
    request = ask(dosed, appointment=session)
    assert request.kind == AppointmentRequest.Kind.RESCHEDULE
    session.refresh_from_db()
    assert session.starts_at == tomorrow_at(dosed.clinic, 12, days=3)  # not moved yet

    accepting(dosed, request)

    session.refresh_from_db()
    assert session.starts_at == dosed.slot.starts_at and session.is_live
    assert integration_sessions(dosed.course).count() == 1
    assert request.booked == session


def test_no_request_before_the_first_dosing_session(dosed):
    other = dosed.other_course
    with pytest.raises(services.RequestError, match="follow a dosing session"):
        services.request_time(other.patient.user, other, slot=dosed.slot)


def test_each_step_is_in_the_audit_trail(dosed):
    request = ask(dosed)
    accepting(dosed, request)
    rows = AccessEvent.objects.filter(patient_id=dosed.patient.pk).values_list("what", flat=True)
    assert f"appointment request {request.pk} sent" in rows
    assert f"appointment request {request.pk} accepted and booked" in rows


def test_a_request_withdrawn_meanwhile_cannot_be_accepted(dosed):
    request = ask(dosed)
    stale = AppointmentRequest.objects.get(pk=request.pk)  # the desk's page, opened earlier
    services.withdraw(dosed.patient.user, request)
    with pytest.raises(services.RequestError, match="withdrawn"):
        services.accept(dosed.admin.user, stale)
    assert not integration_sessions(dosed.course).exists()


def test_an_offer_taken_meanwhile_is_refused_in_words_when_the_patient_accepts(dosed):
    request = ask(dosed)
    offered = propose_four_pm(dosed, request, dosed.admin, clinician=dosed.therapist)
    integration_of(dosed.other_course, offered, clinician=dosed.therapist)
    with pytest.raises(ValidationError) as refused:
        services.answer_proposal(dosed.patient.user, request, accepted=True)
    assert "Nothing was booked" in " ".join(refused.value.messages)
    assert not integration_sessions(dosed.course).exists()
    request.refresh_from_db()
    assert request.status == S.PROPOSED
