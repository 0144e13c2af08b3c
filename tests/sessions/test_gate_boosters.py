"""Issue 14: every dose passes the gate as things stand when it is given, and an override
accepts the values that failed, not a check (findings 1 and 2, boosters, dose limits)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kapclinic.clinic.models import BoosterLimits, DoseUnit, Protocol, Route
from sessions import services
from sessions.gate import evaluate_gate
from sessions.gate_overrides import override_gate
from sessions.models import DosingError, GateOverride
from tests.factories import SafetyFlagFactory, signed_protocol

pytestmark = pytest.mark.django_db


def minutes(build, n):
    return build.dose_at + timedelta(minutes=n)


def gate_item(session, key, at=None):
    return next(i for i in evaluate_gate(session, at=at) if i.key == key)


def acknowledge_every_alert(build, session):
    for alert in session.alerts.unacknowledged():
        services.acknowledge_alert(alert, build.nurse, "Rechecked after rest; prescriber told.")


# --- Finding 1: an override covers a reading, not a check ---------------------------------


def test_an_override_of_152_96_does_not_let_a_later_188_104_through(ready):
    """Finding 1, as reported: the old override must not carry a far worse new baseline."""
    session = ready.session
    ready.vitals(session, ready.start + timedelta(minutes=8), systolic=152, diastolic=96)
    override_gate(session, ready.prescriber, "Anxious at arrival; benefit outweighs risk.")
    ready.vitals(session, ready.start + timedelta(minutes=12), systolic=188, diastolic=104)
    with pytest.raises(DosingError, match="Systolic BP 188 mmHg"):
        ready.dose()
    assert not session.administrations.exists()


def test_an_override_at_150_95_does_not_cover_a_later_190_105(ready):
    session = ready.session
    ready.vitals(session, ready.start + timedelta(minutes=8), systolic=150, diastolic=95)
    first = override_gate(session, ready.prescriber, "White-coat rise; home readings normal.")
    ready.vitals(session, ready.start + timedelta(minutes=12), systolic=190, diastolic=105)
    acknowledge_every_alert(ready, session)  # the alert is seen to, the hold stays
    hold = gate_item(session, "baseline_holds", at=ready.dose_at)
    assert not hold.passed and "190" in hold.reason
    with pytest.raises(DosingError, match="Dosing is on hold.*Systolic BP 190"):
        ready.dose()
    # A prescriber who accepts 190/105 says so in a new override of its own.
    second = override_gate(session, ready.prescriber, "Rechecked manually; cardiology agreed.")
    assert second.pk != first.pk
    assert ready.dose().pk is not None


def test_an_override_keeps_the_reading_it_accepted(ready):
    session = ready.session
    reading = ready.vitals(session, ready.start + timedelta(minutes=8), systolic=152, diastolic=96)
    override = override_gate(session, ready.prescriber, "Benefit outweighs risk.")
    [accepted] = override.failed_items
    assert accepted["key"] == "baseline_holds"
    assert accepted["values"]["reading"] == reading.pk
    assert {k: accepted["values"][k] for k in ("systolic", "diastolic", "heart_rate", "spo2")} == {
        "systolic": 152,
        "diastolic": 96,
        "heart_rate": 72,
        "spo2": 98,
    }
    assert "152" in accepted["reason"] and "96" in accepted["reason"]


def test_the_same_reading_stays_covered_and_a_reading_back_in_range_needs_nothing(ready):
    session = ready.session
    ready.vitals(session, ready.start + timedelta(minutes=8), systolic=150, diastolic=95)
    override_gate(session, ready.prescriber, "Benefit outweighs risk.")
    ready.vitals(session, ready.start + timedelta(minutes=10), systolic=130, diastolic=85)
    assert gate_item(session, "baseline_holds", at=ready.dose_at).passed
    assert ready.dose().pk is not None


def test_an_override_written_before_values_were_kept_accepts_nothing(build):
    session = build(companion=False)
    GateOverride.objects.create(
        session=session,
        by=build.prescriber,
        reason="Taxi booked.",
        failed_items=[{"key": "companion", "label": "Companion", "reason": "None"}],
    )
    with pytest.raises(DosingError, match="Dosing is on hold.*Companion"):
        build.dose(session)


# --- Finding 2: a booster is judged as things stand at its time -----------------------------


def test_a_booster_is_refused_with_open_alerts_and_allowed_after_acknowledgement(ready):
    """Finding 2, as reported: BP 188/104 and MOAA/S 3 after the first dose, unacknowledged."""
    session = ready.session
    ready.dose()
    ready.vitals(session, minutes(ready, 25), systolic=188, diastolic=104)
    services.record_observation(
        session,
        ready.nurse,
        {"observed_at": minutes(ready, 26), "moaas": 3, "dissociation": "moderate"},
    )
    assert session.alerts.unacknowledged().count() == 2
    booster = {"amount_mg": Decimal("100"), "given_at": minutes(ready, 40)}
    with pytest.raises(DosingError, match="2 alerts wait") as refused:
        ready.dose(**booster)
    assert "Systolic BP 188" in str(refused.value)  # the latest reading, not the baseline
    assert session.administrations.count() == 1

    acknowledge_every_alert(ready, session)
    with pytest.raises(DosingError, match="Latest reading within the protocol's holds"):
        ready.dose(**booster)  # 188/104 is still the reading in force
    ready.vitals(session, minutes(ready, 42), systolic=132, diastolic=84)
    dose = ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 45))
    assert session.administrations.count() == 2 and dose.amount_mg == Decimal("100")


def test_a_booster_is_judged_by_the_latest_reading_against_the_holds(ready):
    session = ready.session
    ready.dose()
    ready.vitals(session, minutes(ready, 25), systolic=150, diastolic=92)  # below alert limits
    item = gate_item(session, "baseline_holds", at=minutes(ready, 40))
    assert item.label == "Latest reading within the protocol's holds"
    assert not item.passed and item.overridable
    with pytest.raises(DosingError, match="Systolic BP 150 mmHg is above the limit of 140"):
        ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 40))
    override_gate(session, ready.prescriber, "Expected rise after the first dose.")
    assert ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 40)).pk


def test_a_protocol_may_judge_boosters_by_the_alert_limits(build):
    signed_protocol(build.course.clinic, booster_limits=BoosterLimits.ALERT_LIMITS)
    session = build()
    build.dose()
    build.vitals(session, minutes(build, 25), systolic=150, diastolic=92)
    item = gate_item(session, "baseline_holds", at=minutes(build, 40))
    assert item.passed and "alert limits" in item.label
    build.vitals(session, minutes(build, 27), systolic=185, diastolic=92)
    acknowledge_every_alert(build, session)
    with pytest.raises(DosingError, match="Systolic BP 185 mmHg is above the limit of 180"):
        build.dose(amount_mg=Decimal("100"), given_at=minutes(build, 40))


def test_a_booster_waits_for_a_safety_flag_raised_after_the_first_dose(ready):
    ready.dose()
    ready.vitals(ready.session, minutes(ready, 30))
    flag = SafetyFlagFactory(course=ready.course, source="Serious adverse event")
    with pytest.raises(DosingError, match="Open safety flag"):
        ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 40))
    flag.resolve(ready.prescriber, "Reviewed; resolved.")
    assert ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 40)).pk


def test_a_first_dose_waits_for_an_alert_raised_by_the_baseline(ready):
    session = ready.session
    ready.vitals(session, ready.start + timedelta(minutes=8), systolic=188, diastolic=104)
    with pytest.raises(DosingError, match="An alert waits"):
        ready.dose()
    with pytest.raises(DosingError, match="cannot be overridden.*An alert waits"):
        override_gate(session, ready.prescriber, "Benefit outweighs risk.")
    acknowledge_every_alert(ready, session)
    override_gate(session, ready.prescriber, "Benefit outweighs risk.")  # now the holds only
    assert ready.dose().pk is not None


# --- The protocol's dose limits -------------------------------------------------------------


def test_a_booster_too_soon_after_the_last_dose_is_refused_beside_the_time(ready):
    ready.dose()
    ready.vitals(ready.session, minutes(ready, 5))
    with pytest.raises(ValidationError) as error:
        ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 10))
    message = error.value.message_dict["given_at"][0]
    assert "at least 20 min between doses" in message and "10 min from this one" in message
    item = gate_item(ready.session, "dose_limits", at=minutes(ready, 10))
    assert not item.passed and not item.overridable and "1 of 3 doses given" in item.reason
    assert ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 20)).pk


def test_no_dose_past_the_protocols_number_of_administrations(build):
    signed_protocol(build.course.clinic, max_doses_per_session=2)
    build()
    build.dose(amount_mg=Decimal("100"))
    build.vitals(build.session, minutes(build, 15))
    build.dose(amount_mg=Decimal("100"), given_at=minutes(build, 20))
    build.vitals(build.session, minutes(build, 40))
    with pytest.raises(ValidationError) as error:
        build.dose(amount_mg=Decimal("100"), given_at=minutes(build, 45))
    assert "2 of 2 doses are given" in error.value.message_dict["__all__"][0]
    assert not gate_item(build.session, "dose_limits").passed


def test_no_reason_passes_the_protocols_session_maximum(ready):
    ready.dose(amount_mg=Decimal("300"))
    ready.vitals(ready.session, minutes(ready, 30))
    with pytest.raises(ValidationError) as error:
        ready.dose(
            amount_mg=Decimal("150"),
            given_at=minutes(ready, 40),
            out_of_range_reason="Prescriber's decision: tolerance.",
        )
    message = error.value.message_dict["amount_mg"][0]
    assert "session total would be 450 mg" in message and "maximum of 400 mg" in message
    assert ready.session.administrations.count() == 1
    assert ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 40)).pk


def test_the_session_maximum_is_in_mg_per_kg_for_a_weight_based_protocol(build):
    signed_protocol(build.course.clinic, Route.IM, max_session_total=Decimal("0.75"))
    build.plan = {"route": Route.IM, "dose_min_mg": Decimal("0.25"), "dose_max_mg": Decimal("0.5")}
    build()
    im = {"route": "im"}
    build.dose(amount_mg=Decimal("35"), **im)  # 0.5 mg/kg at 70 kg
    with pytest.raises(ValidationError) as error:
        build.dose(amount_mg=Decimal("20"), given_at=minutes(build, 40), **im)
    assert "0.786 mg/kg (55 mg for 70 kg)" in error.value.message_dict["amount_mg"][0]


def test_protocol_limits_are_checked_when_an_admin_edits_them(world):
    protocol = Protocol(clinic=world.one.clinic, name="Sublingual", max_session_total=300)
    with pytest.raises(ValidationError) as error:
        protocol.full_clean()
    assert "below the dose range" in error.value.message_dict["max_session_total"][0]
    weight_based = Protocol(
        clinic=world.one.clinic,
        name="IV",
        dose_unit=DoseUnit.MG_PER_KG,
        dose_min_mg=Decimal("0.1"),
        dose_max_mg=Decimal("0.7"),
    )
    with pytest.raises(ValidationError) as error:
        weight_based.full_clean()  # the 400 default is mg, not mg/kg
    assert "in mg/kg" in error.value.message_dict["max_session_total"][0]


def test_a_session_opened_before_the_limits_existed_keeps_working(ready):
    snapshot = dict(ready.session.protocol_snapshot)
    for key in ("booster_limits", "min_minutes_between_doses", "max_doses_per_session"):
        snapshot.pop(key)
    snapshot.pop("max_session_total")
    type(ready.session).objects.filter(pk=ready.session.pk).update(protocol_snapshot=snapshot)
    ready.session.refresh_from_db()
    ready.session.__dict__.pop("thresholds", None)
    assert ready.session.thresholds.max_session_total is None
    assert ready.dose(amount_mg=Decimal("300")).pk


def test_a_booster_waits_for_a_reading_taken_since_the_last_dose(ready):
    """Ketamine's BP rise peaks about 30–40 min after a dose (reference §4.2): with no reading
    since the first dose, a booster at +30 min was judged by the pre-dose baseline."""
    session = ready.session
    ready.dose()
    item = gate_item(session, "baseline_vitals", at=minutes(ready, 30))
    assert not item.passed and not item.overridable
    assert "No reading since the dose at" in item.reason
    with pytest.raises(DosingError, match="No reading since the dose at"):
        ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 30))
    ready.vitals(session, minutes(ready, 25), systolic=132, diastolic=84)
    assert ready.dose(amount_mg=Decimal("100"), given_at=minutes(ready, 30)).pk
