"""Signing: prescriber only, after discharge; then the record refuses change at model level."""

from datetime import timedelta

import pytest

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.records import SignedRecordError
from sessions import services
from sessions.discharge import discharge
from sessions.models import (
    Administration,
    AdverseEvent,
    CheckIn,
    Discharge,
    DosingError,
    DosingSession,
    Observation,
    SessionAlert,
    VitalSigns,
)
from tests.record_checks import assert_write_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(build):
    session = build.fill_every_record()
    services.sign_session(session, build.prescriber)
    return build


def test_only_a_discharged_session_can_be_signed(ready):
    with pytest.raises(DosingError, match="Only a discharged session"):
        services.sign_session(ready.session, ready.prescriber)


def test_only_a_prescriber_may_sign(ready):
    ready.dose()
    ready.recheck()
    discharge(ready.session, ready.nurse, ready.discharge_data())
    with pytest.raises(DosingError, match="Only a prescriber"):
        services.sign_session(ready.session, ready.nurse)
    session = services.sign_session(ready.session, ready.prescriber)
    assert session.is_signed and session.signed_by == ready.prescriber
    assert AccessEvent.objects.filter(what=f"dosing session {session.pk} signed").exists()


CHILDREN = [Administration, VitalSigns, Observation, AdverseEvent, Discharge, SessionAlert]


def test_a_signed_session_refuses_save_and_delete(signed):
    session = DosingSession.objects.get(pk=signed.session.pk)
    session.weight_kg = 90
    assert_write_once(session, SignedRecordError, weight_kg=90)
    assert DosingSession.objects.get(pk=session.pk).weight_kg == 70


@pytest.mark.parametrize("model", [*CHILDREN, CheckIn])
def test_every_record_of_a_signed_session_refuses_save_and_delete(signed, model):
    row = model.objects.first()
    assert row is not None
    with pytest.raises(SignedRecordError):
        row.save()
    with pytest.raises(SignedRecordError):
        row.delete()
    with pytest.raises(SignedRecordError):
        model.objects.filter(pk=row.pk).delete()
    assert model.objects.filter(pk=row.pk).exists()


def test_overrides_of_a_signed_session_refuse_change(signed):
    override = signed.session.overrides.get()
    with pytest.raises(DosingError, match="written once"):
        override.save()
    with pytest.raises(SignedRecordError):
        override.delete()


def test_no_new_record_can_be_added_to_a_signed_session(signed):
    with pytest.raises(DosingError, match="signed"):
        signed.vitals(signed.session, signed.dose_at + timedelta(minutes=60))
    with pytest.raises(SignedRecordError):
        VitalSigns.objects.create(
            session=signed.session,
            recorded_by=signed.nurse,
            systolic=120,
            diastolic=80,
            heart_rate=70,
            spo2=98,
        )


def test_addenda_are_added_after_signing_and_never_changed(signed):
    addendum = services.add_addendum(signed.session, signed.prescriber, "Dose was 200 mg RDT.")
    assert list(signed.session.addenda.all()) == [addendum]
    addendum.text = "Something else"
    assert_write_once(addendum, DosingError, text="x")
    with pytest.raises(DosingError, match="Write the addendum"):
        services.add_addendum(signed.session, signed.prescriber, " ")


def test_signing_refused_while_an_alert_is_open(build):
    session = build()
    build.dose(session)
    reading = build.vitals(session, build.dose_at + timedelta(minutes=40), systolic=185)
    services.acknowledge_alert(reading.alerts.get(), build.nurse, "Rechecked.")
    build.vitals(session, build.dose_at + timedelta(minutes=50), systolic=150)  # the recheck
    discharge(session, build.nurse, build.discharge_data())
    # An alert raised by other means after discharge still blocks the signature.
    SessionAlert.objects.create(session=session, message="Late alert.")
    with pytest.raises(DosingError, match="still need acknowledging"):
        services.sign_session(session, build.prescriber)
