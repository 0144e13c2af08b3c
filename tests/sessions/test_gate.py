"""The pre-dose gate: each check passes and fails with its reason; overrides are logged."""

from datetime import timedelta

import pytest

from kapclinic.audit.models import AccessEvent
from kapclinic.demo.builder import sign_consent
from sessions import services
from sessions.gate import evaluate_gate
from sessions.gate_overrides import override_gate
from sessions.models import DosingError, GateOverride
from tests.factories import SafetyFlagFactory

pytestmark = pytest.mark.django_db


def item(session, key, at=None):
    return next(i for i in evaluate_gate(session, at=at) if i.key == key)


def test_every_check_passes_when_the_patient_is_ready(ready):
    items = evaluate_gate(ready.session)
    assert [i.key for i in items] == [
        "clearance",
        "consent",
        "identity",
        "safety_flags",
        "check_in",
        "fasting",
        "companion",
        "baseline_vitals",
        "baseline_holds",
        "alerts",
    ]
    assert all(i.passed for i in items), [i.reason for i in items if not i.passed]


def test_clearance_fails_once_the_course_is_discontinued(build):
    session = build()
    build.course.discontinue(build.prescriber, "Patient moved away.")
    session.course.refresh_from_db()
    check = item(session, "clearance")
    assert not check.passed and not check.overridable
    assert "Discontinued" in check.reason


def test_no_session_opens_for_a_course_without_a_signed_plan(build):
    with pytest.raises(DosingError, match="no signed treatment plan"):
        build(clear=False)


def test_consent_fails_when_the_clinic_publishes_a_new_version(ready):
    assert item(ready.session, "consent").passed
    sign_consent(ready.world.one.courses[1], version="2.0")  # publishes v2 for the clinic
    check = item(ready.session, "consent")
    assert not check.passed
    assert "version 2.0" in check.reason and "signed version 1.0" in check.reason
    sign_consent(ready.course, version="2.0")
    assert item(ready.session, "consent").passed


def test_consent_fails_when_never_signed(build):
    session = build(consent=False)
    assert "no current consent form" in item(session, "consent").reason


def test_open_safety_flag_fails_until_resolved(ready):
    flag = SafetyFlagFactory(course=ready.course, source="Intake PHQ-9")
    check = item(ready.session, "safety_flags")
    assert not check.passed and "Intake PHQ-9" in check.reason
    flag.resolve(ready.prescriber, "Reviewed by phone, safety plan in place.")
    assert item(ready.session, "safety_flags").passed


def test_check_in_fails_until_complete(build):
    session = build(checked_in=False)
    assert "not started" in item(session, "check_in").reason
    services.save_check_in(build.appointment, build.patient, {"companion_name": "Sam"})
    check = item(session, "check_in")
    assert not check.passed
    assert "when you last ate" in check.reason and "PHQ-9" in check.reason


def test_fasting_fails_with_the_numbers(build):
    session = build(last_food_at=build.start - timedelta(minutes=30))
    # The dose would be at +15 min: food 45 min before, against the 2 h reference default.
    check = item(session, "fasting", at=build.dose_at)
    assert not check.passed and check.overridable
    assert "Last food 45 min before the dose (needs 2 h)" in check.reason
    assert item(session, "fasting", at=build.dose_at + timedelta(hours=2)).passed


def test_fasting_passes_when_both_times_are_met(ready):
    check = item(ready.session, "fasting", at=ready.dose_at)
    assert check.passed
    assert "4 h 15 min" in check.reason and "2 h 15 min" in check.reason


def test_companion_fails_until_staff_confirm(build):
    session = build(companion=False)
    check = item(session, "companion")
    assert not check.passed and "Sam Example" in check.reason
    services.confirm_companion(session, build.nurse)
    assert item(session, "companion").passed


def test_baseline_fails_without_vitals_or_weight(build):
    session = build(vitals=False, weight=False)
    check = item(session, "baseline_vitals")
    assert not check.passed and not check.overridable
    assert "BP, heart rate and SpO2" in check.reason and "weight" in check.reason


def test_baseline_above_the_bp_hold_fails_with_the_numbers(ready):
    ready.vitals(ready.session, ready.start + timedelta(minutes=8), systolic=152, diastolic=96)
    check = item(ready.session, "baseline_holds")
    assert not check.passed and check.overridable
    assert "Systolic BP 152 mmHg is above the limit of 140 mmHg" in check.reason
    assert "Diastolic BP 96 mmHg is above the limit of 90 mmHg" in check.reason
    ready.vitals(ready.session, ready.start + timedelta(minutes=12), systolic=132, diastolic=84)
    assert item(ready.session, "baseline_holds").passed


def test_dose_refused_while_a_check_fails(build):
    session = build(companion=False)
    with pytest.raises(DosingError, match="Dosing is on hold.*Companion"):
        build.dose(session)
    assert not session.administrations.exists()


def test_prescriber_override_lets_the_dose_go_ahead_and_is_logged(build):
    session = build(companion=False)
    override = override_gate(session, build.prescriber, "Taxi booked with the clinic's driver.")
    assert override.failed_keys == {"companion"}
    assert override.failed_items[0]["reason"].startswith("No one has confirmed")
    assert AccessEvent.objects.filter(what__contains="pre-dose checks overridden").exists()
    dose = build.dose(session)
    assert dose.pk is not None


def test_only_a_prescriber_may_override(build):
    session = build(companion=False)
    with pytest.raises(DosingError, match="Only a prescriber"):
        override_gate(session, build.nurse, "Taxi booked.")
    assert not GateOverride.objects.exists()


def test_override_needs_a_reason_and_something_failing(ready):
    with pytest.raises(DosingError, match="nothing to override"):
        override_gate(ready.session, ready.prescriber, "Just because.")
    ready.vitals(ready.session, ready.start + timedelta(minutes=8), systolic=150)
    with pytest.raises(DosingError, match="Write the reason"):
        override_gate(ready.session, ready.prescriber, "  ")


def test_a_safety_flag_cannot_be_overridden(ready):
    SafetyFlagFactory(course=ready.course)
    with pytest.raises(DosingError, match="cannot be overridden"):
        override_gate(ready.session, ready.prescriber, "I accept the risk.")


def test_an_override_does_not_cover_a_check_that_fails_later(build):
    session = build(companion=False)
    override_gate(session, build.prescriber, "Taxi booked.")
    build.vitals(session, build.start + timedelta(minutes=10), systolic=165, diastolic=85)
    with pytest.raises(DosingError, match="Systolic BP 165"):
        build.dose(session)


def test_a_closed_sessions_checklist_is_judged_at_the_dose_not_now(ready):
    """A flag raised after discharge must not turn a signed session's record red."""
    ready.dose()
    ready.recheck()
    services.discharge(ready.session, ready.nurse, ready.discharge_data())
    services.sign_session(ready.session, ready.prescriber)
    before = {item.key: item.passed for item in evaluate_gate(ready.session)}
    SafetyFlagFactory(course=ready.course)
    after = {item.key: item.passed for item in evaluate_gate(ready.session)}
    assert before == after and after["safety_flags"]


def test_an_open_session_sees_a_flag_raised_after_the_first_dose(ready):
    """A booster waits for a flag raised mid-session, e.g. by a serious adverse event."""
    ready.dose()
    SafetyFlagFactory(course=ready.course)
    items = {item.key: item.passed for item in evaluate_gate(ready.session)}
    assert items["safety_flags"] is False
