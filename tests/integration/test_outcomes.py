"""Outcomes against hand-worked examples, the edge cases, and properties that always hold."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration.outcome_rules import Measurement, Rules, instrument_outcome
from kapclinic.clinic.models.follow_up import default_outcome_rules

T0 = datetime.fromisoformat("2025-01-06T10:00:00+00:00")
RULES = {code: Rules(**rule, source="test") for code, rule in default_outcome_rules().items()}


def series(*totals, intake=True):
    """Scores a week apart; the first is the intake score unless `intake` is False."""
    return [
        Measurement(T0 + timedelta(weeks=i), total, "intake" if intake and i == 0 else "check_in")
        for i, total in enumerate(totals)
    ]


def outcome(instrument, *totals, **kwargs):
    return instrument_outcome(instrument, series(*totals), RULES[instrument], **kwargs)


def test_phq9_worked_example_response_and_reliable_improvement_without_remission():
    # Baseline 18 → 14 → 8. Change 8 − 18 = −10; −10 / 18 = −55.555…% → −55.6%.
    # Response: a drop of 10 ≥ 50% of 18 (9) → yes. Remission: 8 is not below 5 → no.
    # Reliable improvement: drop of 10 ≥ 6 → yes. Deterioration: rise −10 < 6 → no.
    result = outcome("phq9", 18, 14, 8)
    assert (result.baseline.total, result.latest.total, result.count) == (18, 8, 3)
    assert result.change.value == -10
    assert result.percent_change.value == Decimal("-55.6")
    assert result.response.value is True
    assert result.remission.value is False
    assert result.reliable_improvement.value is True
    assert result.reliable_deterioration.value is False
    assert result.baseline_rule == "Baseline: the intake PHQ-9."


def test_every_judgement_names_its_rule():
    result = outcome("phq9", 18, 8)
    assert result.response.rule == "Response: a drop of 50% or more from baseline (test)"
    assert result.remission.rule == "Remission: latest PHQ-9 below 5 (test)"
    assert result.reliable_improvement.rule == (
        "Reliable improvement: a drop of 6 points or more from baseline (test)"
    )
    assert str(result.response) == (
        "Response: yes — Response: a drop of 50% or more from baseline (test)"
    )


def test_exactly_half_is_a_response():
    # 20 → 10: a drop of exactly 50%.
    result = outcome("phq9", 20, 10)
    assert result.percent_change.value == Decimal("-50.0")
    assert result.response.value is True


def test_just_under_half_is_not_a_response():
    # 19 → 10: drop 9; 9/19 = 47.4%.
    result = outcome("phq9", 19, 10)
    assert result.percent_change.value == Decimal("-47.4")
    assert result.response.value is False


def test_phq9_remission_below_five():
    # 10 → 4: 4 < 5 → remission; −6/10 → −60.0%; drop 6 ≥ 6 → reliable.
    result = outcome("phq9", 10, 4)
    assert result.remission.value is True
    assert result.percent_change.value == Decimal("-60.0")
    assert result.reliable_improvement.value is True


def test_gad7_small_drop_is_not_reliable():
    # 12 → 9: −3 points, −25.0%; 3 < 4 (IAPT GAD-7) → no reliable improvement.
    result = outcome("gad7", 12, 9)
    assert result.change.value == -3
    assert result.percent_change.value == Decimal("-25.0")
    assert result.response.value is False
    assert result.reliable_improvement.value is False
    assert result.reliable_deterioration.value is False


def test_gad7_deterioration():
    # 5 → 11: +6 points, +120.0%; rise 6 ≥ 4 → reliable deterioration.
    result = outcome("gad7", 5, 11)
    assert result.change.value == 6
    assert result.percent_change.value == Decimal("120.0")
    assert result.reliable_deterioration.value is True
    assert result.reliable_improvement.value is False


def test_percent_rounds_half_up_to_one_place():
    # 3 → 2: −1/3 = −33.33…% → −33.3; 6 → 5: −16.666…% → −16.7.
    assert outcome("gad7", 3, 2).percent_change.value == Decimal("-33.3")
    assert outcome("gad7", 6, 5).percent_change.value == Decimal("-16.7")


def test_baseline_of_zero_gives_no_percentage_and_no_response():
    result = outcome("phq9", 0, 3)
    assert result.change.value == 3
    assert not result.percent_change.computable
    assert result.percent_change.value is None
    assert "baseline is 0" in result.percent_change.reason
    assert not result.response.computable
    assert not result.remission.computable  # already below the cut-off
    assert result.reliable_deterioration.value is False  # 3 < 6, still judged


def test_baseline_already_in_remission_is_not_called_remission():
    result = outcome("phq9", 3, 2)
    assert not result.remission.computable
    assert "already below 5" in result.remission.reason


def test_a_single_measurement_is_not_computable():
    result = outcome("phq9", 14)
    assert not result.computable
    assert result.reason.startswith("Only one PHQ-9 so far")
    assert result.latest is None
    assert all(not j.computable and j.value is None for j in result.judgements)


def test_no_measurements_is_not_computable():
    result = instrument_outcome("gad7", [], RULES["gad7"])
    assert result.reason == "No completed GAD-7 yet."
    assert result.baseline is None


def test_missing_baseline_when_the_first_score_came_after_the_first_dose():
    scores = series(16, 9, intake=False)
    result = instrument_outcome(
        "phq9", scores, RULES["phq9"], treatment_started_at=T0 - timedelta(days=1)
    )
    assert not result.computable
    assert result.reason.startswith("No baseline")
    assert all(not j.computable for j in result.judgements)


def test_without_an_intake_score_the_first_score_is_the_baseline():
    scores = series(16, 9, intake=False)
    result = instrument_outcome("phq9", scores, RULES["phq9"], treatment_started_at=T0)
    assert result.baseline.total == 16
    assert result.baseline_rule == "Baseline: the first PHQ-9 (there is no intake score)."


def test_the_intake_score_is_the_baseline_even_if_listed_out_of_order():
    scores = [
        Measurement(T0 + timedelta(weeks=2), 7, "check_in"),
        Measurement(T0, 15, "intake"),
        Measurement(T0 + timedelta(weeks=1), 11, "check_in"),
    ]
    result = instrument_outcome("phq9", scores, RULES["phq9"])
    assert (result.baseline.total, result.latest.total) == (15, 7)


def test_pcl5_has_no_remission_rule():
    scores = [Measurement(T0, 50, "intake"), Measurement(T0 + timedelta(weeks=8), 30)]
    result = instrument_outcome("pcl5", scores, RULES["pcl5"])
    assert not result.remission.computable
    assert "No remission cut-off" in result.remission.reason
    assert result.reliable_improvement.value is True  # drop 20 ≥ 10
    # Response: the PCL-5's rule is a drop of 10 points or more (reference §1.4): 20 ≥ 10.
    assert result.response.value is True
    assert result.response.rule == "Response: a drop of 10 points or more from baseline (test)"
    small = instrument_outcome(
        "pcl5",
        [Measurement(T0, 50, "intake"), Measurement(T0 + timedelta(weeks=8), 41)],
        RULES["pcl5"],
    )
    assert small.response.value is False  # 9 < 10


def test_rules_missing_from_the_protocol_are_reported_not_guessed():
    result = instrument_outcome("phq9", series(18, 8), Rules())
    assert result.change.value == -10
    assert "no reliable-change threshold" in result.reliable_improvement.reason
    assert "no response rule" in result.response.reason


# Pure arithmetic: a loaded machine may make generation slow, which says nothing of the rules.
CALM = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CALM
@given(baseline=st.integers(0, 27), later=st.lists(st.integers(0, 27), min_size=1, max_size=6))
def test_properties_hold_for_any_phq9_scores(baseline, later):
    result = outcome("phq9", baseline, *later)
    latest = later[-1]
    assert result.change.value == latest - baseline
    assert result.percent_change.computable == (baseline > 0)
    if baseline > 0:
        exact = Decimal(latest - baseline) * 100 / baseline
        assert abs(result.percent_change.value - exact) <= Decimal("0.05")
        assert result.response.value == ((baseline - latest) * 2 >= baseline)
    assert not (result.reliable_improvement.value and result.reliable_deterioration.value)
    if result.remission.computable:
        assert result.remission.value == (latest < 5)
    for judgement in result.judgements:
        assert judgement.computable == (judgement.value is not None)
        assert judgement.rule or judgement.reason


@pytest.mark.parametrize("instrument", ["phq9", "gad7", "pcl5"])
@CALM
@given(totals=st.lists(st.integers(0, 21), max_size=1))
def test_fewer_than_two_scores_never_compute(instrument, totals):
    result = instrument_outcome(instrument, series(*totals), RULES[instrument])
    assert not result.computable and result.reason


def test_measurements_name_their_purpose_in_words():
    from integration.outcome_rules import Measurement

    assert Measurement(at=None, total=3, purpose="check_in").purpose_label == "Check-in"
    assert Measurement(at=None, total=3, purpose="follow_up").purpose_label == "Follow-up"
    assert Measurement(at=None, total=3).purpose_label == ""
