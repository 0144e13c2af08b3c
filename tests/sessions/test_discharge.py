"""Discharge: refused until each criterion holds, or a prescriber overrides in writing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kapclinic.audit.models import AccessEvent
from sessions import services
from sessions.discharge import discharge
from sessions.models import Discharge, DosingError, DosingSession, SessionAlert
from tests.factories import signed_protocol

pytestmark = pytest.mark.django_db


@pytest.fixture
def dosed(ready):
    """Dosed, with a settled reading 40 min after the dose."""
    ready.dose()
    ready.recheck()
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
    build.recheck()
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


# --- Discharge bound to what was measured and what happened (reference §4.5) ------------------


def test_discharge_refused_while_the_latest_reading_is_past_the_alert_limits(dosed):
    """An acknowledged alert is not a settled patient: the Aldrete circulation item is the
    clinician's own score, so the latest reading itself must be back within the alert limits."""
    reading = dosed.vitals(dosed.session, dosed.dose_at + timedelta(minutes=40), systolic=190)
    services.acknowledge_alert(reading.alerts.get(), dosed.nurse, "Rested in a dim room.")
    with pytest.raises(DosingError) as error:
        discharge(dosed.session, dosed.nurse, dosed.discharge_data())
    assert "Latest reading within the in-session alert limits" in str(error.value)
    assert "Systolic BP 190 mmHg is above the limit of 180 mmHg" in str(error.value)
    assert dosed.session.is_open and not Discharge.objects.exists()
    dosed.vitals(dosed.session, dosed.dose_at + timedelta(minutes=60), systolic=150)
    record = discharge(dosed.session, dosed.nurse, dosed.discharge_data())
    assert record.failed_criteria == []


def test_a_prescriber_may_discharge_past_the_alert_limits_with_a_reason_kept(dosed):
    reading = dosed.vitals(dosed.session, dosed.dose_at + timedelta(minutes=40), systolic=190)
    services.acknowledge_alert(reading.alerts.get(), dosed.nurse, "Rested in a dim room.")
    data = dosed.discharge_data(override_reason="Known hypertension; GP appointment tomorrow.")
    with pytest.raises(DosingError, match="Only a prescriber"):
        discharge(dosed.session, dosed.nurse, data)
    record = discharge(dosed.session, dosed.prescriber, data)
    assert [item["key"] for item in record.failed_criteria] == ["latest_reading"]


def test_a_reading_entered_in_error_no_longer_holds_discharge(dosed):
    reading = dosed.vitals(dosed.session, dosed.dose_at + timedelta(minutes=40), systolic=190)
    services.acknowledge_alert(reading.alerts.get(), dosed.nurse, "Cuff on the wrong arm.")
    services.mark_entered_in_error(reading, dosed.nurse, "Cuff too small; retaken.")
    assert discharge(dosed.session, dosed.nurse, dosed.discharge_data()).failed_criteria == []


def test_discharge_refused_while_an_adverse_event_is_not_resolved(dosed):
    dosed.adverse_event(kind="dizziness", severity="moderate", outcome="not_resolved")
    with pytest.raises(DosingError) as error:
        discharge(dosed.session, dosed.nurse, dosed.discharge_data())
    assert "No adverse event left unresolved" in str(error.value)
    assert "Dizziness (not resolved)" in str(error.value)
    record = discharge(
        dosed.session,
        dosed.prescriber,
        dosed.discharge_data(override_reason="Settled after 30 min lying down; partner driving."),
    )
    assert [item["key"] for item in record.failed_criteria] == ["adverse_events"]


def test_a_discharge_time_typed_before_the_high_reading_does_not_hide_it(dosed):
    """The patient was still in the chair when the reading was taken: a discharge time typed
    earlier than it (still after the observation time) is judged by it all the same."""
    taken = dosed.dose_at + timedelta(minutes=130)
    reading = dosed.vitals(dosed.session, taken, systolic=190)
    services.acknowledge_alert(reading.alerts.get(), dosed.nurse, "Rested in a dim room.")
    earlier = dosed.discharge_data(discharged_at=taken - timedelta(minutes=5))
    with pytest.raises(DosingError, match="Systolic BP 190 mmHg is above the limit"):
        discharge(dosed.session, dosed.nurse, earlier)


def test_discharge_waits_for_the_risk_review_of_suicidal_thoughts_voiced_in_the_session(dosed):
    """Suicidal thoughts in the chair raise a suicide-risk flag; the patient is not sent home
    on a nurse's Aldrete score before the review: only a prescriber, with a reason."""
    dosed.adverse_event(kind="suicidality", severity="moderate", outcome="resolved")
    with pytest.raises(DosingError) as error:
        discharge(dosed.session, dosed.nurse, dosed.discharge_data())
    assert "No suicide-risk flag of this session awaiting its review" in str(error.value)
    record = discharge(
        dosed.session,
        dosed.prescriber,
        dosed.discharge_data(override_reason="Reviewed with me; safety plan; partner staying."),
    )
    assert [item["key"] for item in record.failed_criteria] == ["suicide_risk"]


def test_an_event_recorded_again_as_resolved_lets_the_nurse_discharge(dosed):
    """Events are written once: the event recorded again once it settled is the one that
    counts for its kind, as the refusal says."""
    dosed.adverse_event(kind="dizziness", severity="moderate", outcome="not_resolved")
    dosed.adverse_event(kind="dizziness", minutes=50, outcome="resolved")
    assert discharge(dosed.session, dosed.nurse, dosed.discharge_data()).failed_criteria == []


def test_discharge_waits_for_a_reading_taken_since_the_last_dose(build):
    """Vitals before and after the dose at minimum (reference §4.2): the pre-dose baseline says
    nothing of the rise that peaks 30-40 min after a dose, so it cannot send the patient home."""
    build()
    build.dose()
    with pytest.raises(DosingError) as error:
        discharge(build.session, build.nurse, build.discharge_data())
    assert "No reading since the dose at" in str(error.value)
    assert build.session.is_open and not Discharge.objects.exists()
    build.vitals(build.session, build.dose_at + timedelta(minutes=40))
    assert discharge(build.session, build.nurse, build.discharge_data()).failed_criteria == []


def test_after_a_booster_the_reading_must_follow_the_booster(build):
    build()
    build.dose()
    build.vitals(build.session, build.dose_at + timedelta(minutes=20))
    build.dose(amount_mg=50, given_at=build.dose_at + timedelta(minutes=30))
    with pytest.raises(DosingError, match="No reading since the dose at"):
        discharge(build.session, build.nurse, build.discharge_data())
    build.vitals(build.session, build.dose_at + timedelta(minutes=70))
    assert discharge(build.session, build.nurse, build.discharge_data()).failed_criteria == []
