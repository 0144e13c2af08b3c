"""Outcomes per course from the database, and the clinic dashboard across completed courses."""

from dataclasses import fields
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integration.dashboard import InstrumentSummary
from integration.selectors import clinic_dashboard, course_outcomes
from kapclinic.clinic.models import CourseState, Indication, Protocol
from kapclinic.demo.builder import record_score

from .conftest import complete_with_phq9

pytestmark = pytest.mark.django_db


def test_course_outcomes_in_a_fixed_number_of_queries(team, django_assert_num_queries):
    course = team.course
    start = timezone.now() - timedelta(weeks=8)
    for week, (phq, gad) in enumerate([(18, 12), (14, 10), (8, 9)]):
        purpose = "intake" if week == 0 else "check_in"
        at = start + timedelta(weeks=week)
        record_score(course, "phq9", phq, purpose=purpose, at=at)
        record_score(course, "gad7", gad, purpose=purpose, at=at)
    protocol = Protocol.objects.effective_for(course.clinic)
    with django_assert_num_queries(2):
        outcomes = course_outcomes(course, protocol)
    by_code = {o.instrument: o for o in outcomes}
    assert by_code["phq9"].percent_change.value == Decimal("-55.6")
    assert by_code["phq9"].response.value is True
    assert by_code["gad7"].change.value == -3
    assert by_code["pcl5"].reason == "No completed PCL-5 yet."


def test_protocol_thresholds_change_the_judgement(team):
    record_score(team.course, "gad7", 12, purpose="intake", at=timezone.now() - timedelta(weeks=6))
    record_score(team.course, "gad7", 7)
    protocol = Protocol(
        clinic=team.clinic, name="Strict", outcome_rules={"gad7": {"reliable_change": 6}}
    )
    (gad,) = course_outcomes(team.course, protocol)
    assert gad.reliable_improvement.value is False  # drop 5 < 6 (Bischoff RCI)
    assert "protocol “Strict”" in gad.reliable_improvement.rule


def test_dashboard_rates_across_completed_courses(world, django_assert_max_num_queries):
    side = world.one
    # Course A: PHQ-9 20 → 4 (response, remission). Course B: 16 → 12 (neither).
    complete_with_phq9(side, [(20, 4), (16, 12)])
    with django_assert_max_num_queries(3):  # protocol, open courses by stage, outcomes
        dashboard = clinic_dashboard(side.clinic)
    assert dashboard.completed_courses == 2
    phq = next(s for s in dashboard.summaries if s.instrument == "phq9")
    assert (phq.courses, phq.responders, phq.remitters) == (2, 1, 1)
    assert phq.response_rate == Decimal("50.0")
    assert phq.remission_rate == Decimal("50.0")
    assert phq.mean_change == Decimal("-10.0")  # (−16 + −4) / 2
    assert phq.reliable_improvement_rate == Decimal("50.0")  # 16 ≥ 6, 4 < 6
    gad = next(s for s in dashboard.summaries if s.instrument == "gad7")
    assert gad.courses == 0 and gad.response_rate is None and gad.mean_change is None
    stages = {state: count for state, _, count in dashboard.stages}
    assert stages[CourseState.INTEGRATION] == 0 and CourseState.COMPLETED not in stages


def test_dashboard_filters_by_indication_and_period(world):
    side = world.one
    stages = {s: n for s, _, n in clinic_dashboard(side.clinic).stages}
    assert stages[CourseState.INVITED] == 2
    assert clinic_dashboard(side.clinic, indication=Indication.PTSD).stages[0][2] == 0
    today = timezone.localdate()
    empty = clinic_dashboard(side.clinic, start=today - timedelta(days=30), end=today)
    assert empty.completed_courses == 0
    assert all(s.response_rate is None for s in empty.summaries)


@pytest.mark.parametrize(
    "rules",
    [
        None,  # the reference defaults
        {
            "phq9": {"reliable_change": 3, "remission_below": 15, "response_drop_percent": 20},
            "gad7": {"reliable_change": 2, "remission_below": None, "response_drop_percent": 10},
            "pcl5": {"reliable_change": None, "remission_below": 40},
        },
        {  # a response rule in points, as the PCL-5's (reference §1.4)
            "phq9": {"reliable_change": 6, "remission_below": 5, "response_drop_points": 5},
            "gad7": {"reliable_change": 4, "response_drop_points": 3},
        },
    ],
)
def test_dashboard_counts_equal_the_outcome_page_judged_course_by_course(rules):
    """The database's counts match integration.outcome_rules applied to each completed course."""
    from kapclinic.clinic.models import TreatmentCourse
    from kapclinic.demo.scale import ScaleSeeder

    seeder = ScaleSeeder(80, clinics=1, seed=11)
    seeder.run()
    clinic = seeder.clinics[0][0]
    protocol = Protocol.objects.effective_for(clinic)
    if rules is not None:
        protocol.outcome_rules = rules
    dashboard = clinic_dashboard(clinic, protocol=protocol)
    completed = TreatmentCourse.objects.filter(clinic=clinic, state=CourseState.COMPLETED)
    assert dashboard.completed_courses == completed.count() > 10
    expected = {}
    for course in completed:
        for outcome in course_outcomes(course, protocol):
            totals = expected.setdefault(outcome.instrument, dict.fromkeys(COUNTED, 0))
            if not outcome.change.computable:
                totals["not_computable"] += 1
                continue
            totals["courses"] += 1
            totals["change_total"] += outcome.change.value
            threshold = protocol.clinical_thresholds.get(outcome.instrument)
            totals["below_threshold"] += (
                threshold is not None and outcome.baseline.total < threshold
            )
            for judged, met, judgement in (
                ("response_judged", "responders", outcome.response),
                ("remission_judged", "remitters", outcome.remission),
                ("reliable_judged", "reliably_improved", outcome.reliable_improvement),
            ):
                if judgement.computable:
                    totals[judged] += 1
                    totals[met] += judgement.value
            if outcome.reliable_deterioration.computable:
                totals["reliably_deteriorated"] += outcome.reliable_deterioration.value
    found = {
        s.instrument: {name: getattr(s, name) for name in COUNTED} for s in dashboard.summaries
    }
    assert found == expected
    assert any(totals["responders"] for totals in found.values())


# Every count a summary keeps (its fields that start at 0): a count added later must be
# recomputed above too, or the comparison fails.
COUNTED = tuple(f.name for f in fields(InstrumentSummary) if f.default == 0)
