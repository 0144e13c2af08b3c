"""Discharge: refused until each criterion holds, or a prescriber overrides in writing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kapclinic.audit.models import AccessEvent
from sessions.discharge import discharge
from sessions.models import Discharge, DosingError, DosingSession, SessionAlert
from tests.factories import signed_protocol

pytestmark = pytest.mark.django_db


@pytest.fixture
def dosed(ready):
    ready.dose()
    return ready


def test_aldrete_total_is_the_sum_of_the_five_components():
    assert Discharge(activity=2, respiration=2, circulation=1, consciousness=2, spo2=1).total == 8
    assert Discharge(activity=2, respiration=2, circulation=2, consciousness=2, spo2=2).total == 10
    assert Discharge(activity=2).total is None


def test_discharge_when_every_criterion_holds(dosed):
    record = discharge(dosed.session, dosed.nurse, dosed.discharge_data())
    assert record.total == 10 and record.failed_criteria == []
    dosed.session.refresh_from_db()
    assert dosed.session.status == DosingSession.Status.DISCHARGED
    assert AccessEvent.objects.filter(what__contains="patient discharged").exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"consciousness": 1, "circulation": 1}, "Total 8 of 10; discharge needs at least 9"),
        ({"companion_present": False}, "No responsible adult is here"),
        ({"aftercare_given": False}, "no driving until the next day"),
    ],
)
def test_discharge_refused_until_each_criterion_holds(dosed, overrides, message):
    with pytest.raises(DosingError, match=message):
        discharge(dosed.session, dosed.nurse, dosed.discharge_data(**overrides))
    dosed.session.refresh_from_db()
    assert dosed.session.is_open and not Discharge.objects.exists()


def test_discharge_refused_before_the_minimum_observation_time(dosed):
    too_soon = dosed.dose_at + timedelta(minutes=90)
    with pytest.raises(
        DosingError, match="1 h 30 min since the first dose; the protocol needs 2 h"
    ):
        discharge(dosed.session, dosed.nurse, dosed.discharge_data(discharged_at=too_soon))
    discharge(
        dosed.session,
        dosed.nurse,
        dosed.discharge_data(discharged_at=dosed.dose_at + timedelta(minutes=121)),
    )


def test_the_aldrete_minimum_comes_from_the_protocol(build):
    signed_protocol(build.course.clinic, discharge_aldrete_minimum=8)
    build()
    build.dose()
    record = discharge(build.session, build.nurse, build.discharge_data(consciousness=0))
    assert record.total == 8


def test_discharge_refused_while_an_alert_is_unacknowledged(dosed):
    dosed.vitals(dosed.session, dosed.dose_at + timedelta(minutes=40), systolic=190)
    with pytest.raises(DosingError, match="1 alert"):
        discharge(dosed.session, dosed.nurse, dosed.discharge_data())


def test_a_prescriber_may_override_with_a_reason_and_it_is_logged(dosed):
    data = dosed.discharge_data(companion_present=False, override_reason="Partner waiting outside.")
    with pytest.raises(DosingError, match="Only a prescriber"):
        discharge(dosed.session, dosed.nurse, data)
    record = discharge(dosed.session, dosed.prescriber, data)
    assert record.override_reason == "Partner waiting outside."
    assert [c["key"] for c in record.failed_criteria] == ["companion"]
    assert AccessEvent.objects.filter(what__contains="discharge criteria overridden").exists()


def test_an_override_without_a_reason_is_refused_by_the_database(dosed):
    with pytest.raises(IntegrityError), transaction.atomic():
        Discharge.objects.create(
            session=dosed.session,
            discharged_by=dosed.prescriber,
            failed_criteria=[{"key": "companion"}],
            companion_present=False,
            aftercare_given=True,
            **{f: 2 for f in ("activity", "respiration", "circulation", "consciousness", "spo2")},
        )


def test_an_aldrete_component_above_2_is_refused(dosed):
    with pytest.raises(ValidationError) as error:
        discharge(dosed.session, dosed.nurse, dosed.discharge_data(activity=3))
    assert "activity" in error.value.message_dict


def test_no_more_doses_or_vitals_after_discharge(dosed):
    discharge(dosed.session, dosed.nurse, dosed.discharge_data())
    with pytest.raises(DosingError, match="discharged"):
        dosed.dose(given_at=dosed.dose_at + timedelta(minutes=30))
    with pytest.raises(DosingError, match="discharged"):
        dosed.vitals(dosed.session, dosed.dose_at + timedelta(minutes=150))
    assert not SessionAlert.objects.exists()
