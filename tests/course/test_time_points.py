"""Outcomes at the protocol's time points against hand-computed examples (reference §5)."""

from datetime import datetime, timedelta

import pytest

from integration.outcome_rules import Measurement, Rules
from integration.time_points import judge_at, outcomes_at_time_points
from kapclinic.clinic.models import Protocol

from .test_reevaluation import continue_to_maintenance, two_session_block

T0 = datetime.fromisoformat("2026-01-05T10:00:00+00:00")
WEEK = timedelta(weeks=1)
WINDOW = timedelta(days=7)
PHQ9 = Rules(reliable_change=6, remission_below=5, response_drop_percent=50, baseline_at_least=10)
SCORES = [
    Measurement(T0, 20, "intake"),
    Measurement(T0 + 1 * WEEK, 16, "check_in"),
    Measurement(T0 + 2 * WEEK, 12, "check_in"),
    Measurement(T0 + 3 * WEEK, 9, "check_in"),
    Measurement(T0 + 7 * WEEK + timedelta(days=3), 4, "follow_up"),
]


def at(point, start, end):
    return judge_at(
        "phq9", SCORES, PHQ9, window_start=start, window_end=end, started_at=T0 + timedelta(days=1)
    )


def test_end_of_induction_judges_the_last_score_before_the_reevaluation():
    # Re-evaluation a day after week 3: its window runs from the start to the decision.
    decided = T0 + 3 * WEEK + timedelta(days=1)
    outcome = at("end of induction", T0, decided)
    # 20 → 9: change −11; −55.0%; response yes (11 ≥ 10); remission no (9 ≥ 5);
    # reliable improvement yes (11 ≥ 6).
    assert (outcome.baseline.total, outcome.latest.total) == (20, 9)
    assert outcome.change.value == -11 and str(outcome.percent_change.value) == "-55.0"
    assert (outcome.response.value, outcome.remission.value) == (True, False)
    assert outcome.reliable_improvement.value is True


def test_a_week_after_the_course_judges_its_follow_up_not_the_latest_before():
    ended = T0 + 6 * WEEK
    point = ended + 1 * WEEK  # window to its expiry: [week 7, week 9]
    outcome = at("1 week after", point, point + 2 * WINDOW)
    # 20 → 4 on week 7 + 3 days: remission yes (4 < 5), response yes (16 ≥ 10).
    assert outcome.latest.total == 4 and outcome.latest.at == T0 + 7 * WEEK + timedelta(days=3)
    assert (outcome.response.value, outcome.remission.value) == (True, True)


def test_no_score_in_the_window_is_said_not_guessed():
    point = T0 + 10 * WEEK  # 4 weeks after: nothing answered in [week 10, week 12]
    assert at("4 weeks after", point, point + 2 * WINDOW) is None


def test_a_score_inside_the_window_but_after_a_later_one_is_not_mixed_in():
    # A window around week 2 sees only the 12: scores after it do not leak into the judgement.
    outcome = at("week 2", T0 + 2 * WEEK - WINDOW, T0 + 2 * WEEK)
    assert outcome.latest.total == 12 and outcome.count == 3


@pytest.mark.django_db
def test_the_course_lists_its_reevaluations_as_time_points(team):
    two_session_block(team)
    protocol = Protocol.objects.effective_for(team.course.clinic)
    assert outcomes_at_time_points(team.course, protocol) == []
    continue_to_maintenance(team)
    [point] = outcomes_at_time_points(team.course, protocol)
    assert point.label == "End of induction (continue to maintenance)" and point.reached
    phq9 = next(item for item in point.outcomes if item["short_name"] == "PHQ-9")["outcome"]
    # Intake 20; check-ins 14 and 8 before it: 20 → 8, response yes, remission no.
    assert (phq9.baseline.total, phq9.latest.total) == (20, 8)
    assert (phq9.response.value, phq9.remission.value) == (True, False)


@pytest.mark.django_db
def test_a_move_to_integration_without_a_reevaluation_is_the_end_of_induction(team):
    """A "Move to integration" straight from induction signs no re-evaluation: the move is the
    end of induction, judged by the scores before it. Dosing resumed later by a re-evaluation
    makes that the next time point, not the end of induction."""
    from integration.reevaluation import record_reevaluation
    from kapclinic.clinic.models import ReevaluationDecision
    from kapclinic.demo.builder import NO_LONG_TERM_HARM

    two_session_block(team)
    team.course.begin_integration(team.therapist, "Six weeks well; integration only.")
    protocol = Protocol.objects.effective_for(team.course.clinic)
    [point] = outcomes_at_time_points(team.course, protocol)
    assert point.label == "End of induction (moved to integration)" and point.reached
    phq9 = next(item for item in point.outcomes if item["short_name"] == "PHQ-9")["outcome"]
    assert (phq9.baseline.total, phq9.latest.total) == (20, 8)
    record_reevaluation(
        team.course,
        team.prescriber,
        ReevaluationDecision.MAINTENANCE,
        "Relapse at follow-up.",
        screen=NO_LONG_TERM_HARM,
    )
    labels = [point.label for point in outcomes_at_time_points(team.course, protocol)]
    assert labels == [
        "End of induction (moved to integration)",
        "Re-evaluation 2 (continue to maintenance)",
    ]


@pytest.mark.django_db
def test_the_outcomes_page_shows_the_time_points(team, as_user):
    from django.urls import reverse

    two_session_block(team)
    continue_to_maintenance(team)
    url = reverse("integration:outcomes", args=[team.course.pk])
    html = as_user(team.therapist).get(url).content.decode()
    table = html.split('id="time-points-h"')[1].split("</section>")[0]
    assert "End of induction (continue to maintenance)" in table
    assert "PHQ-9</strong>: 20 → 8" in table and "Response: yes; Remission: no" in table
    assert "GAD-7</strong>: 7 → 7" in table
    assert "Response: not applicable: baseline below threshold" in table
