"""Opening a session, the check-in, the protocol snapshot and who may see what."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Appointment, Role, SafetyFlag
from sessions import services
from sessions.gate_overrides import override_gate
from sessions.models import (
    Administration,
    CheckIn,
    DosingError,
    DosingSession,
    GateOverride,
    SessionAlert,
    VitalSigns,
)
from tests.factories import AppointmentFactory, signed_protocol

from .conftest import PHQ9_ANSWERS, Build, check_in

pytestmark = pytest.mark.django_db


def test_open_session_is_idempotent_and_audited(build):
    session = build()
    again = services.open_session(build.appointment, build.prescriber)
    assert again.pk == session.pk
    assert DosingSession.objects.filter(appointment=build.appointment).count() == 1
    assert AccessEvent.objects.filter(what=f"dosing session {session.pk} opened").count() == 1


def test_only_a_dosing_appointment_has_a_session(build):
    appointment = AppointmentFactory(course=build.course, kind=Appointment.Kind.INTEGRATION)
    with pytest.raises(DosingError, match="Only a dosing appointment"):
        services.open_session(appointment, build.nurse)


def test_a_patient_or_the_other_clinic_cannot_open_a_session(build, world):
    appointment = AppointmentFactory(course=build.course)
    for user in (build.patient, world.two.staff[Role.NURSE].user, build.admin):
        with pytest.raises(DosingError):
            services.open_session(appointment, user)
    assert not DosingSession.objects.exists()


def test_the_protocol_is_frozen_when_the_session_opens(build):
    protocol = signed_protocol(build.course.clinic, hold_systolic_above=150)
    session = build()
    protocol.hold_systolic_above = 130
    protocol.monitoring_minutes = [0, 30]
    protocol.save()
    session = DosingSession.objects.get(pk=session.pk)
    assert session.protocol == protocol
    assert session.thresholds.hold_systolic_above == 150
    assert session.thresholds.monitoring_minutes == (0, 15, 40, 60)


def test_the_protocol_version_and_its_ceilings_are_frozen_with_it(build):
    session = build()
    assert session.protocol.is_in_force
    assert session.thresholds.protocol_version == session.protocol.version
    assert session.thresholds.ceiling_mg == session.protocol.ceiling_mg


# --- Check-in -----------------------------------------------------------------------------


def test_phq9_item_9_at_check_in_raises_a_safety_flag(build):
    build(checked_in=False)
    check_in(build.appointment, build.patient, start=build.start, phq9={**PHQ9_ANSWERS, "q9": 1})
    flag = SafetyFlag.objects.get(course=build.course)
    assert flag.source == "Check-in PHQ-9" and flag.is_open
    assert "Suicide-risk workflow" in flag.reason


def test_an_unremarkable_check_in_raises_no_flag(build):
    build()
    assert not SafetyFlag.objects.filter(course=build.course).exists()
    assert CheckIn.objects.get(appointment=build.appointment).is_complete


def test_a_possible_pregnancy_raises_a_safety_flag(build):
    build(possibly_pregnant="yes")
    assert SafetyFlag.objects.get(course=build.course).source == "Check-in pregnancy"


def test_check_in_cannot_complete_with_answers_missing(build):
    build(checked_in=False)
    services.save_check_in(build.appointment, build.patient, {"companion_name": "Sam"})
    with pytest.raises(DosingError, match="when you last ate.*GAD-7"):
        services.complete_check_in(build.appointment, build.patient)


def test_database_refuses_a_completed_check_in_without_answers(build):
    build(checked_in=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(
            appointment=build.appointment, completed_at=timezone.now(), completed_by=build.patient
        )


def test_a_completed_check_in_cannot_be_changed(build):
    build()
    with pytest.raises(DosingError, match="check-in is complete"):
        services.save_check_in(build.appointment, build.patient, {"companion_name": "Alex"})


def test_a_future_meal_time_is_refused(build):
    build(checked_in=False)
    with pytest.raises(ValidationError) as error:
        services.save_check_in(
            build.appointment,
            build.patient,
            {"last_food_at": timezone.now() + timedelta(hours=1)},
        )
    assert "last_food_at" in error.value.message_dict


def test_only_the_patient_or_staff_of_the_clinic_may_check_in(build, world):
    build(checked_in=False)
    for user in (world.one.patients[1].user, world.two.staff[Role.NURSE].user):
        with pytest.raises(DosingError, match="Only the patient or the clinic's staff"):
            services.save_check_in(build.appointment, user, {"companion_name": "X"})
    services.save_check_in(build.appointment, build.admin, {"companion_name": "Reception"})


# --- Who sees what ------------------------------------------------------------------------


@pytest.fixture
def two_sessions(world):
    one, two = Build(world, "one"), Build(world, "two")
    one(companion=False)
    two()
    override_gate(one.session, one.prescriber, "Taxi booked.")
    one.dose()
    one.vitals(one.session, one.dose_at + timedelta(minutes=40), systolic=190)
    return one, two


@pytest.mark.parametrize("role", list(Role))
def test_staff_see_only_their_own_clinics_sessions(two_sessions, role):
    one, two = two_sessions
    user = one.world.one.staff[role].user
    assert list(DosingSession.objects.visible_to(user)) == [one.session]
    assert set(VitalSigns.objects.visible_to(user)) == set(one.session.vitals.all())
    assert list(CheckIn.objects.visible_to(user)) == [one.session.appointment.check_in]
    assert list(Administration.objects.visible_to(user)) == list(one.session.administrations.all())
    assert GateOverride.objects.visible_to(user).count() == 1
    assert SessionAlert.objects.visible_to(user).count() == 1


def test_a_patient_sees_their_own_session_but_not_working_notes(two_sessions, world):
    one, two = two_sessions
    assert list(DosingSession.objects.visible_to(one.patient)) == [one.session]
    assert VitalSigns.objects.visible_to(one.patient).count() == 2
    assert not GateOverride.objects.visible_to(one.patient).exists()
    assert not SessionAlert.objects.visible_to(one.patient).exists()
    other_patient = world.one.patients[1].user
    assert not DosingSession.objects.visible_to(other_patient).exists()
    assert not VitalSigns.objects.visible_to(other_patient).exists()
    assert not CheckIn.objects.visible_to(other_patient).exists()


def test_superuser_sees_every_clinic_and_strangers_see_nothing(two_sessions, superuser):
    assert DosingSession.objects.visible_to(superuser).count() == 2
    assert not DosingSession.objects.visible_to(AnonymousUser()).exists()


# --- Admin --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["dosingsession", "vitalsigns", "administration", "checkin", "gateoverride", "sessionalert"],
)
def test_clinic_admin_sees_only_own_clinics_dosing_records_read_only(
    two_sessions, staff_client, name
):
    one, two = two_sessions
    client = staff_client(one.world.one.staff[Role.CLINIC_ADMIN])
    response = client.get(reverse(f"admin:dosing_{name}_changelist"))
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows
    model = response.context["cl"].model
    assert set(rows) == set(model.objects.visible_to(one.admin))
    assert client.get(reverse(f"admin:dosing_{name}_add")).status_code == 403
