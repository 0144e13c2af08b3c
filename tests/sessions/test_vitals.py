"""Vitals, observations, alerts, adverse events and the monitoring schedule."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kapclinic.clinic.models import SafetyFlag
from kapclinic.measures.models import QuestionnaireResponse
from sessions import services
from sessions.models import AdverseEvent, DosingError, SessionAlert, VitalSigns
from sessions.vitals_due import Due, due_readings
from tests.factories import signed_protocol

pytestmark = pytest.mark.django_db

NORMAL = {"systolic": 120, "diastolic": 80, "heart_rate": 72, "spo2": 98}

IMPOSSIBLE = [
    ("systolic", 49),
    ("systolic", 301),
    ("diastolic", 19),
    ("heart_rate", 19),
    ("heart_rate", 251),
    ("spo2", 49),
    ("spo2", 101),
    ("respiratory_rate", 3),
    ("respiratory_rate", 61),
    ("temperature", 29),
    ("temperature", 44),
]


@pytest.mark.parametrize("field, value", IMPOSSIBLE)
def test_impossible_readings_are_refused_by_clean(ready, field, value):
    with pytest.raises(ValidationError) as error:
        services.record_vitals(ready.session, ready.nurse, {**NORMAL, field: value})
    assert field in error.value.message_dict


@pytest.mark.parametrize("field, value", IMPOSSIBLE)
def test_impossible_readings_are_refused_by_the_database(ready, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.create(
            session=ready.session, recorded_by=ready.nurse, **{**NORMAL, field: value}
        )


def test_diastolic_must_be_below_systolic(ready):
    with pytest.raises(ValidationError, match="Diastolic must be below systolic"):
        services.record_vitals(ready.session, ready.nurse, {**NORMAL, "diastolic": 120})
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.create(
            session=ready.session, recorded_by=ready.nurse, **{**NORMAL, "diastolic": 120}
        )


def test_a_reading_before_the_session_started_is_refused(ready):
    data = {**NORMAL, "taken_at": ready.start - timedelta(minutes=5)}
    with pytest.raises(ValidationError) as error:
        services.record_vitals(ready.session, ready.nurse, data)
    assert "before the session started" in error.value.message_dict["taken_at"][0]


def test_two_clinicians_entering_at_once_each_keep_their_reading(ready):
    at = ready.dose_at + timedelta(minutes=40)
    ready.dose()
    services.record_vitals(ready.session, ready.nurse, {**NORMAL, "taken_at": at})
    services.record_vitals(
        ready.session, ready.prescriber, {**NORMAL, "systolic": 150, "taken_at": at}
    )
    readings = ready.session.vitals.filter(taken_at=at)
    assert sorted(r.systolic for r in readings) == [120, 150]


def test_a_reading_past_the_alert_limits_opens_an_alert(ready):
    normal = ready.vitals(ready.session, ready.dose_at + timedelta(minutes=15))
    assert not SessionAlert.objects.filter(vital_signs=normal).exists()
    high = ready.vitals(ready.session, ready.dose_at + timedelta(minutes=40), systolic=186, spo2=90)
    alert = SessionAlert.objects.get(vital_signs=high)
    assert "Systolic BP 186 mmHg is above the limit of 180 mmHg" in alert.message
    assert "SpO2 90 % is below the limit of 92 %" in alert.message
    assert alert.is_open


def test_acknowledging_an_alert_needs_what_was_done(ready):
    reading = ready.vitals(ready.session, ready.dose_at, systolic=190, diastolic=100)
    alert = SessionAlert.objects.get(vital_signs=reading)
    with pytest.raises(DosingError, match="Record what was done"):
        services.acknowledge_alert(alert, ready.nurse, "")
    services.acknowledge_alert(alert, ready.nurse, "Rechecked after 5 min: 165/95.")
    alert.refresh_from_db()
    assert alert.acknowledged_by == ready.nurse and not alert.is_open


def test_alert_limits_are_the_protocols_at_session_open(build):
    protocol = signed_protocol(build.course.clinic, alert_systolic_above=150)
    session = build()
    protocol.alert_systolic_above = 200
    protocol.save()  # an admin edit later must not rewrite the session's limits
    reading = build.vitals(session, build.dose_at, systolic=160, diastolic=90)
    assert SessionAlert.objects.filter(vital_signs=reading).exists()


def test_sedation_at_or_below_the_limit_opens_an_alert(ready):
    light = services.record_observation(
        ready.session, ready.therapist, {"moaas": 4, "dissociation": "mild"}
    )
    assert not SessionAlert.objects.filter(observation=light).exists()
    deep = services.record_observation(
        ready.session,
        ready.therapist,
        {"moaas": 3, "dissociation": "moderate", "therapist_present": True},
    )
    alert = SessionAlert.objects.get(observation=deep)
    assert alert.message == "Sedation MOAA/S 3 is at or below the alert level of 3."


def test_observation_can_carry_cadss6_item_scores(ready):
    answers = {"q1": 1, "q2": 0, "q6": 2, "q7": 0, "q15": 1, "q22": 0}
    observation = services.record_observation(
        ready.session,
        ready.therapist,
        {"moaas": 5, "dissociation": "mild", "cadss6": answers},
    )
    response = observation.cadss6
    assert response.total == 4
    assert response.purpose == QuestionnaireResponse.Purpose.IN_SESSION


def test_moaas_out_of_range_is_refused(ready):
    with pytest.raises(ValidationError):
        services.record_observation(
            ready.session, ready.nurse, {"moaas": 6, "dissociation": "none"}
        )


def event_data(ready, **overrides):
    return {
        "kind": AdverseEvent.Kind.NAUSEA,
        "onset_at": ready.dose_at + timedelta(minutes=20),
        "severity": AdverseEvent.Severity.MILD,
        "intervention": "Ondansetron 4 mg",
        "outcome": AdverseEvent.Outcome.RESOLVED,
        "relatedness": AdverseEvent.Relatedness.PROBABLE,
        **overrides,
    }


def test_an_adverse_event_other_needs_a_description(ready):
    with pytest.raises(ValidationError) as error:
        services.record_adverse_event(ready.session, ready.nurse, event_data(ready, kind="other"))
    assert "description" in error.value.message_dict
    event = services.record_adverse_event(
        ready.session, ready.nurse, event_data(ready, kind="other", description="Hiccups")
    )
    assert event.label == "Hiccups"


def test_a_serious_adverse_event_raises_a_safety_flag(ready):
    services.record_adverse_event(ready.session, ready.nurse, event_data(ready))
    assert not SafetyFlag.objects.filter(course=ready.course).exists()
    services.record_adverse_event(
        ready.session,
        ready.nurse,
        event_data(ready, kind="respiratory_depression", severity="severe", serious=True),
    )
    flag = SafetyFlag.objects.get(course=ready.course)
    assert "Respiratory depression" in flag.reason


# --- The monitoring schedule --------------------------------------------------------------


def test_before_the_dose_only_the_baseline_is_due(build):
    session = build(vitals=False)
    status = due_readings(session, now=build.start)
    assert [r.minute for r in status.readings] == [0, 15, 40, 60]
    assert status.next_due.minute == 0 and status.next_due.status == Due.DUE
    assert all(r.due_at is None for r in status.readings[1:])


def test_due_times_follow_the_protocol_schedule_from_the_first_dose(ready):
    ready.dose()
    status = due_readings(ready.session, now=ready.dose_at + timedelta(minutes=1))
    due = {r.minute: r.due_at - ready.dose_at for r in status.readings}
    assert due == {m: timedelta(minutes=m) for m in (0, 15, 40, 60)}
    assert status.readings[0].status == Due.DONE  # the baseline, before the dose
    assert status.next_due.minute == 15 and status.next_due.status == Due.UPCOMING


def test_a_different_protocol_schedule_gives_different_due_times(build):
    signed_protocol(build.course.clinic, monitoring_minutes=[0, 10, 20, 30, 45, 60, 90])
    session = build()
    build.dose(session)
    status = due_readings(session, now=build.dose_at + timedelta(minutes=12))
    assert [r.minute for r in status.readings] == [0, 10, 20, 30, 45, 60, 90]
    assert status.next_due.minute == 10 and status.next_due.status == Due.DUE
    assert status.next_due.due_at == build.dose_at + timedelta(minutes=10)


def test_readings_are_matched_to_the_nearest_due_time_and_missed_ones_are_overdue(ready):
    ready.dose()
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=17))  # the +15 reading
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=27))  # too far from both
    status = due_readings(ready.session, now=ready.dose_at + timedelta(minutes=55))
    by_minute = {r.minute: r for r in status.readings}
    assert by_minute[15].status == Due.DONE
    assert by_minute[15].reading.taken_at == ready.dose_at + timedelta(minutes=17)
    assert by_minute[40].status == Due.OVERDUE
    assert by_minute[60].status == Due.DUE
    assert [r.minute for r in status.overdue] == [40]
    assert status.next_due.minute == 60


def test_suicidal_thoughts_in_session_raise_a_suicide_risk_flag_whether_or_not_ticked_serious(
    ready,
):
    """Reference §4.4 names suicidality a serious reaction; every other place a patient
    voices it (PHQ-9 item 9, an integration note, a shared journal entry) raises a suicide-risk
    flag. Recorded in a session without "serious" ticked, it raised nothing: no care-team
    alert, no risk review, and boosters went on."""
    ready.dose()
    services.record_adverse_event(
        ready.session,
        ready.nurse,
        event_data(ready, kind="suicidality", severity="moderate", outcome="resolving"),
    )
    flag = SafetyFlag.objects.get(course=ready.course)
    assert flag.kind == SafetyFlag.Kind.SUICIDE_RISK and flag.is_open
    assert "Suicidal thoughts or behaviour" in flag.reason
    with pytest.raises(DosingError, match="Open safety flag"):
        ready.dose(given_at=ready.dose_at + timedelta(minutes=30), amount_mg="100")
