"""The pre-dose gate after a suicide-risk flag (reference §1.3, §1.5; issue 15).

A PHQ-9 item 9 answer at check-in raises a flag only a risk review resolves; a high-risk
review keeps dosing blocked until a prescriber records a psychiatric review.
"""

import pytest

from kapclinic.clinic import risk
from kapclinic.clinic.models import RiskDecision, Role, SafetyFlag
from sessions.gate import evaluate_gate
from sessions.gate_overrides import override_gate
from sessions.models import DosingError

from .conftest import PHQ9_ANSWERS

pytestmark = pytest.mark.django_db

HIGH = {"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 1, "q6": 0}
LOW = {"q1": 1, "q2": 0, "q6": 0}


def safety_check(session):
    return next(i for i in evaluate_gate(session) if i.key == "safety_flags")


@pytest.fixture
def flagged(build):
    """A session whose check-in PHQ-9 had item 9 above 0."""
    build(phq9={**PHQ9_ANSWERS, "q9": 1})
    therapist = build.world.one.staff[Role.THERAPIST]
    therapist.licence_number = "LCSW-7"
    therapist.save()
    build.flag = SafetyFlag.objects.get(course=build.course)
    return build


def review(build, answers, decision):
    return risk.review_risk_flag(
        build.flag,
        build.therapist,
        screen_answers=answers,
        protective_factors="Partner at home; future plans.",
        formulation="Seen in person before the session.",
        decision=decision,
        safety_plan_made=True,
    )


def test_a_check_in_item_9_answer_raises_a_suicide_risk_flag_that_blocks(flagged):
    assert flagged.flag.is_suicide_risk
    assert not safety_check(flagged.session).passed


def test_a_high_risk_review_keeps_dosing_blocked_until_a_prescribers_psychiatric_review(
    flagged,
):
    done = review(flagged, HIGH, RiskDecision.PAUSE_DOSING)
    flagged.flag.refresh_from_db()
    assert not flagged.flag.is_open
    check = safety_check(flagged.session)
    assert not check.passed and not check.overridable
    assert "psychiatric review" in check.reason
    with pytest.raises(DosingError, match="cannot be overridden"):
        override_gate(flagged.session, flagged.prescriber, "Patient seems fine.")
    with pytest.raises(risk.RiskError):
        risk.record_psychiatric_review(
            done, flagged.nurse, findings="Looks well.", dosing_may_resume=True
        )
    assert not safety_check(flagged.session).passed
    risk.record_psychiatric_review(
        done,
        flagged.prescriber,
        findings="No current intent; plan in place.",
        dosing_may_resume=True,
    )
    assert safety_check(flagged.session).passed


def test_a_low_risk_review_lets_dosing_go_ahead(flagged):
    review(flagged, LOW, RiskDecision.CONTINUE)
    assert safety_check(flagged.session).passed


def test_a_pause_decision_blocks_dosing_whatever_the_level(flagged):
    review(flagged, LOW, RiskDecision.PAUSE_DOSING)
    assert not safety_check(flagged.session).passed
