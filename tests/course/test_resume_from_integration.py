"""A way back from integration to dosing: a prescriber's re-evaluation resumes it.

A patient who relapses in integration (PHQ-9 back up at a follow-up) is dosed again in the
same course, so the chart keeps its continuity (reference §5: maintenance every 1–2 months;
boosters). Only a prescriber's re-evaluation resumes: the outcome so far, the long-term safety
screen and a newly signed plan, as from dosing; "stop" makes no sense there and is refused.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake.plans import plan_in_force
from integration.reevaluation import record_reevaluation
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic import risk
from kapclinic.clinic.models import (
    CourseState,
    JourneyError,
    Reevaluation,
    ReevaluationDecision,
    RiskDecision,
    SafetyFlag,
)
from kapclinic.demo.builder import NO_LONG_TERM_HARM as CLEAR
from kapclinic.demo.builder import dosing_session
from kapclinic.demo.builder.intake import publish_consent
from sessions.gate import evaluate_gate
from sessions.models import DosingError, DosingSession
from sessions.reevaluation import block_of

from .test_reevaluation import LIGHT, post_decision, two_session_block

pytestmark = pytest.mark.django_db

D = ReevaluationDecision
S = CourseState
RELAPSE = "PHQ-9 back up to 18 at the three-month follow-up: relapse."


def in_integration(team, how="stop"):
    """Two sessions given, then integration: by a re-evaluation to stop, or by the move."""
    first = two_session_block(team)
    if how == "stop":
        record_reevaluation(team.course, team.prescriber, D.STOP, "In remission: stop.")
    else:
        team.course.begin_integration(team.therapist, "Six weeks well; integration only.")
    team.course.refresh_from_db()
    assert team.course.state == S.INTEGRATION
    return first


def resume(team, decision=D.MAINTENANCE, terms=None, **extra):
    return record_reevaluation(
        team.course, team.prescriber, decision, RELAPSE, terms, screen=CLEAR, **extra
    )


def from_a_shell(team, user, decision):
    """The transition called directly, as a shell would, past the service."""
    return team.course.reevaluate(
        user,
        decision,
        RELAPSE,
        outcome_so_far="",
        sessions_before=2,
        plan_version=None,
        screen=CLEAR,
    )


# --- The service: the rule every writer meets -----------------------------------------------


@pytest.mark.parametrize("how", ["stop", "move"])
@pytest.mark.parametrize(
    "decision, state", [(D.MAINTENANCE, S.MAINTENANCE), (D.REPEAT_INDUCTION, S.IN_TREATMENT)]
)
def test_a_prescribers_reevaluation_resumes_dosing_from_integration(team, how, decision, state):
    in_integration(team, how)
    version = plan_in_force(team.course).version
    record = resume(team, decision, {"planned_dosing_sessions": 2})
    course = team.course
    course.refresh_from_db()
    assert course.state == state
    event = course.events.last()
    assert (event.from_state, event.to_state, event.actor) == (
        S.INTEGRATION,
        state,
        team.prescriber,
    )
    assert event.note == RELAPSE
    assert (record.sessions_before, record.plan_version) == (2, version + 1)
    assert "PHQ-9: 20 → 8" in record.outcome_so_far
    plan = plan_in_force(course)
    assert plan.version == version + 1 and plan.planned_dosing_sessions == 2
    assert plan.reason.startswith("Re-evaluation: ")
    what = f"course {course.pk}: Integration → {state.label}"
    assert AccessEvent.objects.filter(actor=team.prescriber, what=what).exists()


def test_stop_from_integration_is_refused_in_words(team):
    in_integration(team)
    with pytest.raises(JourneyError, match="already in integration"):
        record_reevaluation(team.course, team.prescriber, D.STOP, "Stop again.")
    with pytest.raises(JourneyError, match="already in integration"):  # a shell, the model
        from_a_shell(team, team.prescriber, D.STOP)
    assert Reevaluation.objects.count() == 1


def test_only_a_prescriber_resumes_even_from_a_shell(team):
    in_integration(team)
    for user in (team.nurse, team.therapist, team.patient):
        with pytest.raises(JourneyError, match="Only"):
            record_reevaluation(team.course, user, D.MAINTENANCE, RELAPSE, screen=CLEAR)
        with pytest.raises(JourneyError, match="Only"):
            from_a_shell(team, user, D.MAINTENANCE)
    team.course.refresh_from_db()
    assert team.course.state == S.INTEGRATION and Reevaluation.objects.count() == 1


def test_a_closed_course_never_resumes(team):
    in_integration(team)
    team.course.complete(team.therapist, "Done.")
    version = plan_in_force(team.course).version
    with pytest.raises(JourneyError, match="closed"):
        resume(team)
    with pytest.raises(JourneyError, match="cannot move"):  # a shell, the model
        from_a_shell(team, team.prescriber, D.MAINTENANCE)
    team.course.refresh_from_db()
    assert team.course.state == S.COMPLETED
    assert plan_in_force(team.course).version == version  # the plan revision rolled back


def test_resuming_needs_the_long_term_screen_and_the_page_last_seen(team):
    in_integration(team)
    with pytest.raises(ValidationError) as refused:
        record_reevaluation(team.course, team.prescriber, D.MAINTENANCE, RELAPSE, screen={})
    assert "urinary_symptoms" in refused.value.message_dict
    with pytest.raises(JourneyError, match="since you opened this page"):
        resume(team, last_seen=0)  # drawn before the "stop" was signed
    team.course.refresh_from_db()
    assert team.course.state == S.INTEGRATION


def test_the_same_plan_as_before_the_move_to_integration_may_resume(team):
    """Maintenance signed, no dose since, then moved to integration: resuming with the same
    decision and plan is a new decision, not the same form sent twice."""
    two_session_block(team)
    terms = {"planned_dosing_sessions": 3}
    resume(team, terms=terms)
    team.course.begin_integration(team.therapist, "Moving away for a while.")
    resume(team, terms=terms)
    team.course.refresh_from_db()
    assert team.course.state == S.MAINTENANCE and Reevaluation.objects.count() == 2


def test_an_open_safety_flag_or_a_high_risk_review_holds_the_resume(team):
    """The dosing gate's own rule (reference §1.5): no more dosing is signed while a flag is
    open or a high-risk review waits for a prescriber's psychiatric review."""
    in_integration(team)
    flag, _ = SafetyFlag.raise_for(
        team.course,
        source="Follow-up PHQ-9",
        reason="Item 9 above 0.",
        by=team.patient,
        kind=SafetyFlag.Kind.SUICIDE_RISK,
    )
    with pytest.raises(JourneyError, match="open safety flag"):
        resume(team)
    risk.review_risk_flag(
        flag,
        team.prescriber,
        screen_answers={"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0},
        protective_factors="Partner at home.",
        formulation="Active ideation with some intent.",
        decision=RiskDecision.PAUSE_DOSING,
        safety_plan_made=True,
    )
    with pytest.raises(JourneyError, match="psychiatric review"):
        resume(team)
    team.course.refresh_from_db()
    assert team.course.state == S.INTEGRATION and Reevaluation.objects.count() == 1


def test_a_consent_due_again_holds_the_first_dose_after_resuming(team):
    """The consent in force is the dosing gate's check: a new version published while the
    course was in integration holds the dose until the patient signs it."""
    first = in_integration(team)
    publish_consent(team.course.clinic, "2.0")
    resume(team)
    with pytest.raises(DosingError):
        dosing_session(team, first + timedelta(days=14), **LIGHT)
    session = DosingSession.objects.filter(course=team.course).order_by("-started_at").first()
    [consent] = [item for item in evaluate_gate(session) if item.key == "consent"]
    assert not consent.passed and not session.administrations.exists()


def test_the_page_warns_the_prescriber_that_a_newer_consent_will_hold_the_first_dose(team, as_user):
    """Before signing, the prescriber reads what will hold the first resumed dose: the
    consent version published while the course was in integration, in the gate's words."""
    in_integration(team)
    url = reverse("integration:reevaluation", args=[team.course.pk])
    assert "must sign before the first dose" not in as_user(team.prescriber).get(url).text
    publish_consent(team.course.clinic, "2.0")
    html = as_user(team.prescriber).get(url).text
    assert "must sign before the first dose" in html
    assert "has not signed the current version 2.0 (they signed version 1.0)" in html
    # Only the prescriber deciding is told (the others see no form to sign).
    assert "must sign before the first dose" not in as_user(team.nurse).get(url).text


# --- The resumed block ----------------------------------------------------------------------


def test_the_resumed_block_counts_from_the_resuming_reevaluation(team):
    first = in_integration(team)
    resume(team, terms={"planned_dosing_sessions": 1})
    block = block_of(team.course)
    assert (block.done, block.planned, block.sessions_done) == (0, 1, False)
    dosing_session(team, first + timedelta(days=14), **LIGHT)
    assert block_of(team.course).sessions_done
    with pytest.raises(DosingError, match="must re-evaluate the course"):
        dosing_session(team, first + timedelta(days=16), **LIGHT)
    record = resume(team, D.REPEAT_INDUCTION)
    assert record.sessions_before == 3


# --- Where it shows -------------------------------------------------------------------------


def test_only_a_prescriber_sees_the_way_back_on_the_chart(team, as_user):
    in_integration(team)
    chart = reverse("clinic:patient-chart", args=[team.course.patient_id])
    url = reverse("integration:reevaluation", args=[team.course.pk])
    html = as_user(team.prescriber).get(chart).content.decode()
    assert f'href="{url}">Re-evaluate: resume dosing</a>' in html
    for user in (team.nurse, team.therapist):
        assert "Re-evaluate: resume dosing" not in as_user(user).get(chart).content.decode()


def test_the_page_offers_only_maintenance_or_repeat_induction_and_resumes(team, as_user):
    in_integration(team)
    client = as_user(team.prescriber)
    url = reverse("integration:reevaluation", args=[team.course.pk])
    html = client.get(url).content.decode()
    assert 'value="maintenance"' in html and 'value="repeat_induction"' in html
    assert 'value="stop"' not in html
    last_seen = Reevaluation.objects.get().pk
    refused = post_decision(client, team, decision="stop", last_seen=last_seen, **CLEAR)
    assert refused.status_code == 422
    team.course.refresh_from_db()
    assert team.course.state == S.INTEGRATION
    response = post_decision(client, team, last_seen=last_seen, **CLEAR)
    assert response.status_code == 302
    team.course.refresh_from_db()
    assert team.course.state == S.MAINTENANCE


def test_the_page_lists_which_reevaluation_resumed_dosing(team, as_user):
    """The page and the course summary read the re-evaluations' stages by one helper."""
    in_integration(team)
    resume(team)
    url = reverse("integration:reevaluation", args=[team.course.pk])
    html = as_user(team.therapist).get(url).text
    assert "Continue to maintenance (from Integration: dosing resumed)" in html
    assert "Stop dosing (from In treatment)" in html


def test_a_non_prescriber_cannot_resume_through_the_page(team, as_user):
    in_integration(team)
    client = as_user(team.nurse)
    html = client.get(reverse("integration:reevaluation", args=[team.course.pk])).text
    assert 'name="decision"' not in html
    response = post_decision(client, team, **CLEAR)
    assert response.status_code == 422
    team.course.refresh_from_db()
    assert team.course.state == S.INTEGRATION


def test_the_move_to_integration_says_a_prescriber_can_resume(team, as_user):
    two_session_block(team)
    url = reverse("integration:begin-integration", args=[team.course.pk])
    html = as_user(team.therapist).get(url).content.decode()
    assert "nothing moves it back" not in html
    assert "resume only through a prescriber's" in html


def test_the_patients_home_reads_right_after_resuming(team, client):
    in_integration(team)
    client.force_login(team.patient)
    home = reverse("clinic:my-journey")
    assert '<h2 class="card__title" id="next-h">Integration</h2>' in client.get(home).text
    resume(team)
    html = client.get(home).text
    assert "Your sessions resume" in html and "Integration</h2>" not in html
    assert '<li class="is-current" aria-current="step">Dosing sessions</li>' in html


# --- Reports --------------------------------------------------------------------------------


def test_the_course_summary_says_the_reevaluation_resumed_from_integration(team):
    from kapclinic.reports import course_summary
    from kapclinic.reports.kinds import KINDS
    from tests.reports.pdf import pdf_text
    from tests.reports.test_session_note import has

    in_integration(team)
    resume(team)
    course = course_summary.records().get(pk=team.course.pk)
    text = pdf_text(KINDS["course"].render(course, generated_by="Dr Test").pdf)
    has(text, "Stop dosing (from In treatment)", "Continue to maintenance (from Integration:")
