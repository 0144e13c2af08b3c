"""A baseline below the instrument's clinical threshold: no response and no remission to claim.

The finding (issue 20): a mid-course patient whose intake PHQ-9 was 8, below the depression
threshold of 10 (reference §1.3), was shown "Remission: Yes" on the outcome page. The page,
the course-summary PDF and the clinic dashboard judge by one rule (integration.outcome_rules with
Rules.baseline_at_least from Protocol.clinical_thresholds), so all three say "not applicable".
"""

import pytest

from integration.outcome_rules import NOT_APPLICABLE, Rules, instrument_outcome
from integration.selectors import clinic_dashboard, course_outcomes
from kapclinic.clinic.models import Protocol, Role
from kapclinic.reports.kinds import KINDS
from tests.reports.pdf import pdf_text, squeezed

from .conftest import complete_with_phq9
from .test_clinician_pages import as_role, course_url, phq9_course  # noqa: F401
from .test_outcomes import series

pytestmark = pytest.mark.django_db


def test_baseline_phq9_of_8_is_not_called_remission_on_the_outcomes_page(team, as_role):  # noqa: F811
    phq9_course(team.course, 8, 3)
    html = as_role(Role.PRESCRIBER).get(course_url("outcomes", team.course)).content.decode()
    phq9 = html.split('id="outcome-phq9-h"')[1].split("</section>")[0]
    assert phq9.count(NOT_APPLICABLE) == 2  # response and remission
    assert "The baseline PHQ-9 of 8 was below 10, the clinical threshold" in phq9
    assert "<strong>Yes</strong>" not in phq9.split("Reliable improvement")[0]


def test_the_threshold_comes_from_the_signed_protocol(team):
    protocol = Protocol.objects.effective_for(team.course.clinic)
    assert Rules.from_protocol(protocol, "phq9").baseline_at_least == 10  # reference §1.3
    assert Rules.from_protocol(protocol, "gad7").baseline_at_least == 10  # reference §1.2
    assert Rules.from_protocol(protocol, "pcl5").baseline_at_least == 33  # reference §1.4
    protocol.phq9_further_evaluation = 8
    result = instrument_outcome("phq9", series(8, 3), Rules.from_protocol(protocol, "phq9"))
    assert result.remission.value is True and result.response.value is True


def test_at_the_threshold_response_and_remission_are_judged():
    rules = Rules(remission_below=5, response_drop_percent=50, baseline_at_least=10)
    at = instrument_outcome("phq9", series(10, 4), rules)
    below = instrument_outcome("phq9", series(9, 4), rules)
    assert (at.response.value, at.remission.value) == (True, True)
    assert below.response.not_applicable and below.remission.not_applicable
    assert below.response.value is None and not below.remission.computable
    # Change and reliable change are still judged from a sub-threshold baseline.
    assert below.change.value == -5
    assert str(below.remission).startswith("Remission: not applicable: baseline below threshold")


def test_the_course_summary_pdf_says_not_applicable(team):
    phq9_course(team.course, 8, 3)
    text = squeezed(pdf_text(KINDS["course"].render(team.course, generated_by="Dr T").pdf))
    assert squeezed(f"response {NOT_APPLICABLE}".lower()) in text.lower()
    assert squeezed(f"Remission {NOT_APPLICABLE}") in text
    assert squeezed("remission yes") not in text.lower()


def test_the_dashboard_leaves_sub_threshold_baselines_out_of_both_rates(world):
    side = world.one
    # Course A: PHQ-9 20 → 4 (response, remission). Course B: 8 → 3 (not applicable).
    complete_with_phq9(side, [(20, 4), (8, 3)])
    phq = next(s for s in clinic_dashboard(side.clinic).summaries if s.instrument == "phq9")
    assert (phq.courses, phq.below_threshold) == (2, 1)
    assert (phq.responders, phq.response_judged, phq.remitters, phq.remission_judged) == (
        1,
        1,
        1,
        1,
    )
    assert phq.reliably_improved == 1  # 16 ≥ 6; 5 < 6: reliable change is judged for both
    # The page, course by course, agrees.
    judged = [
        next(o for o in course_outcomes(course) if o.instrument == "phq9")
        for course in side.courses
    ]
    assert [o.remission.not_applicable for o in judged] == [False, True]
