"""The latest psychiatric review decides whether a high-risk course may be dosed (walk of
7 Dec 2026, P1): a prescriber's "dosing stays paused" written after an earlier "may resume"
(a second tab, a second prescriber, news after the first review) keeps the course blocked."""

import datetime

import pytest

from kapclinic.clinic import risk
from kapclinic.clinic.models import RiskDecision, Role, SafetyFlag
from tests.factories import SafetyFlagFactory

pytestmark = pytest.mark.django_db

INTENT = {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0}


@pytest.fixture
def blocked(world):
    side = world.one
    flag = SafetyFlagFactory(
        course=side.courses[0],
        source="Check-in PHQ-9",
        reason="Item 9 above 0.",
        kind=SafetyFlag.Kind.SUICIDE_RISK,
    )
    side.review = risk.review_risk_flag(
        flag,
        side.staff[Role.PRESCRIBER].user,
        screen_answers=INTENT,
        protective_factors="Engaged in care.",
        formulation="Intent without plan this week.",
        decision=RiskDecision.PAUSE_DOSING,
        safety_plan_made=True,
    )
    return side


def psychiatric(side, may_resume, findings):
    return risk.record_psychiatric_review(
        side.review,
        side.staff[Role.PRESCRIBER].user,
        findings=findings,
        dosing_may_resume=may_resume,
    )


def test_a_later_stays_paused_review_blocks_again(blocked):
    first = psychiatric(blocked, True, "Seen at 10:00; intent gone, may resume.")
    assert risk.dosing_block(blocked.courses[0]) is None
    # The second tab, opened while the course was blocked, is sent after the first.
    psychiatric(blocked, False, "Her partner rang at 11:00: she bought pills. Stay paused.")
    assert risk.dosing_block(blocked.courses[0]) == blocked.review
    # As things stood between the two reviews, dosing was allowed (the record of a dose).
    between = first.reviewed_at + datetime.timedelta(microseconds=1)
    assert risk.dosing_block(blocked.courses[0], between) is None


def test_a_review_after_stays_paused_may_lift_the_block(blocked):
    psychiatric(blocked, False, "Stay paused.")
    assert risk.dosing_block(blocked.courses[0]) == blocked.review
    psychiatric(blocked, True, "Seen again a week later; may resume.")
    assert risk.dosing_block(blocked.courses[0]) is None


def test_the_chart_says_while_dosing_waits_for_a_psychiatric_review(blocked, staff_client):
    """The chart's suicide-risk card says what the gate will say: blocked until a prescriber's
    psychiatric review lets dosing resume (and no longer once one has)."""
    from django.urls import reverse

    chart = reverse("clinic:patient-chart", args=[blocked.courses[0].patient_id])
    client = staff_client(blocked.staff[Role.THERAPIST])
    waiting = "Dosing blocked until a psychiatric review"
    assert waiting in client.get(chart).text
    psychiatric(blocked, True, "Seen at 10:00; intent gone, may resume.")
    assert waiting not in client.get(chart).text
    psychiatric(blocked, False, "Her partner rang at 11:00: she bought pills. Stay paused.")
    assert waiting in client.get(chart).text
