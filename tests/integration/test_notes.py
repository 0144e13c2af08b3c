"""Integration sessions and notes: who writes and signs, the lock, addenda, risk checks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integration import services
from integration.models import (
    IntegrationError,
    IntegrationNote,
    NoteAddendum,
    SuicideRiskCheck,
)
from integration.timeline import integration_entries
from kapclinic.clinic.models import Appointment, SafetyFlag
from kapclinic.clinic.records import SignedRecordError
from tests.factories import first_free_start
from tests.samples import COMPLETE_NOTE

from .conftest import integration_appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(team):
    appointment = integration_appointment(team.course)
    return services.open_integration_note(appointment, team.therapist)


@pytest.fixture
def signed(team, note):
    services.record_integration_note(note, team.therapist, COMPLETE_NOTE)
    return services.sign_integration_note(note, team.therapist)


def test_note_follows_the_latest_dosing_session(build, team):
    session = build()
    appointment = integration_appointment(team.course, session.started_at + timedelta(days=2))
    note = services.open_integration_note(appointment, team.therapist)
    assert note.dosing_session == session
    assert note.status == IntegrationNote.Status.DRAFT
    # Opening again returns the same note.
    assert services.open_integration_note(appointment, team.prescriber) == note


def test_an_integration_session_waits_for_the_discharge(build, team):
    session = build()
    starts = timezone.now() + timedelta(days=2)
    with pytest.raises(IntegrationError, match="once the patient has been discharged"):
        services.book_integration_session(
            session, team.admin, starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
    assert not Appointment.objects.filter(kind=Appointment.Kind.INTEGRATION).exists()


def test_book_integration_session_after_a_dosing_session(build, team):
    session = build.fill_every_record()
    starts = timezone.now() + timedelta(days=2)
    appointment = services.book_integration_session(
        session, team.admin, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    assert appointment.kind == Appointment.Kind.INTEGRATION
    with pytest.raises(IntegrationError, match="follows its dosing session"):
        services.book_integration_session(
            session,
            team.admin,
            starts_at=session.started_at - timedelta(hours=1),
            ends_at=session.started_at,
        )


def test_only_an_integration_appointment_has_a_note(team):
    dosing = integration_appointment(team.course)
    Appointment.objects.filter(pk=dosing.pk).update(kind=Appointment.Kind.DOSING)
    dosing.refresh_from_db()
    with pytest.raises(IntegrationError, match="Only an integration session"):
        services.open_integration_note(dosing, team.therapist)


@pytest.mark.parametrize("who", ["nurse", "admin", "patient", "outsider"])
def test_only_a_therapist_or_prescriber_of_the_clinic_writes_notes(team, note, who):
    with pytest.raises(IntegrationError, match="Only a prescriber or therapist"):
        services.record_integration_note(note, getattr(team, who), {"affect": "x"})


def test_record_keeps_every_field(team, note):
    services.record_integration_note(note, team.therapist, COMPLETE_NOTE)
    note.refresh_from_db()
    for name, value in COMPLETE_NOTE.items():
        assert getattr(note, name) == value


def test_unknown_fields_are_refused(team, note):
    with pytest.raises(IntegrationError, match="Unknown note fields: status"):
        services.record_integration_note(note, team.therapist, {"status": "signed"})


def test_signing_needs_the_account_risk_check_and_plan(team, note):
    with pytest.raises(IntegrationError) as refusal:
        services.sign_integration_note(note, team.therapist)
    message = str(refusal.value)
    assert "the patient's own account" in message
    assert "suicide risk check" in message
    assert "plan for the next dose" in message


def test_a_signed_note_cannot_change(team, signed):
    assert signed.is_signed and signed.signed_by == team.therapist
    with pytest.raises(SignedRecordError):
        services.record_integration_note(signed, team.therapist, {"affect": "edited"})
    signed.affect = "edited"
    with pytest.raises(SignedRecordError):
        signed.save()
    with pytest.raises(SignedRecordError):
        IntegrationNote.objects.filter(pk=signed.pk).update(affect="edited")
    with pytest.raises(SignedRecordError):
        IntegrationNote.objects.filter(pk=signed.pk).delete()
    with pytest.raises(SignedRecordError):
        signed.delete()
    with pytest.raises(IntegrationError, match="already signed"):
        services.sign_integration_note(signed, team.therapist)


def test_addenda_after_signing_are_never_edited(team, signed):
    addendum = services.add_note_addendum(signed, team.nurse, "Patient called: trails gone.")
    assert list(signed.addenda.all()) == [addendum]
    addendum.text = "changed"
    with pytest.raises(IntegrationError, match="cannot be changed"):
        addendum.save()
    with pytest.raises(IntegrationError):
        NoteAddendum.objects.filter(pk=addendum.pk).update(text="x")
    with pytest.raises(IntegrationError):
        addendum.delete()
    with pytest.raises(IntegrationError, match="Write the addendum"):
        services.add_note_addendum(signed, team.nurse, "  ")


def test_suicide_risk_concern_raises_a_safety_flag(team, note):
    services.record_integration_note(
        note,
        team.therapist,
        {
            "suicide_risk_check": SuicideRiskCheck.CONCERNS,
            "suicide_risk_detail": "Passive ideation.",
        },
    )
    flag = SafetyFlag.objects.get(course=team.course)
    assert flag.source == "Integration note: suicide-risk check"
    assert "Passive ideation." in flag.reason
    # It feeds the suicide-risk workflow: only a structured risk review resolves it.
    assert flag.is_suicide_risk


def test_notes_are_staff_only_and_clinic_scoped(team, note):
    assert list(IntegrationNote.objects.visible_to(team.nurse)) == [note]
    assert not IntegrationNote.objects.visible_to(team.patient).exists()
    assert not IntegrationNote.objects.visible_to(team.outsider).exists()


def test_timeline_shows_notes(team, signed, django_assert_num_queries):
    with django_assert_num_queries(3):
        entries = integration_entries(team.course.patient, [team.course])
    assert [e.title for e in entries if e.kind == "integration"] == ["Integration note signed"]


def test_a_note_is_signed_only_once_its_session_has_begun_and_took_place(team):
    later = first_free_start(team.course, timezone.now() + timedelta(days=3))
    note = services.open_integration_note(
        integration_appointment(team.course, later), team.therapist
    )
    services.record_integration_note(note, team.therapist, COMPLETE_NOTE)
    with pytest.raises(IntegrationError, match="has not begun yet"):
        services.sign_integration_note(note, team.therapist)

    for status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW):
        past = integration_appointment(team.course, status=status)
        missed = services.open_integration_note(past, team.therapist)
        services.record_integration_note(missed, team.therapist, COMPLETE_NOTE)
        with pytest.raises(IntegrationError, match="did not take place"):
            services.sign_integration_note(missed, team.therapist)
    assert not IntegrationNote.objects.filter(status="signed").exists()
