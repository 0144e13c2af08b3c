"""The course over months: induction → re-evaluation → maintenance (issue 20).

Maintenance is reachable only through a prescriber's re-evaluation; a dose past the plan's
sessions is refused until one is signed; the re-evaluation keeps the outcome so far and a
signed plan revision; it falls due after the block's sessions and every N months.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.plans import plan_in_force, revise_plan
from integration.reevaluation import record_reevaluation
from kapclinic.clinic.models import (
    CourseState,
    JourneyError,
    Reevaluation,
    ReevaluationDecision,
)
from kapclinic.demo.builder import NO_LONG_TERM_HARM as CLEAR
from kapclinic.demo.builder import dosing_session, start_course
from kapclinic.demo.builder.course import dose, record_vitals
from kapclinic.demo.treatment import final_records_movable
from sessions.gate import evaluate_gate
from sessions.models import DosingError, DosingSession
from sessions.reevaluation import add_months, block_of, due_reevaluations
from sessions.services import confirm_companion

pytestmark = pytest.mark.django_db

D = ReevaluationDecision
LIGHT = {"boosters": 0, "observations": False, "events": False, "addendum": False}


def two_session_block(team):
    """A course cleared with a plan of 2 sessions, both given (PHQ-9 20 → 8)."""
    start_course(team, baseline_phq9=20)
    revise_plan(team.course, team.prescriber, {"planned_dosing_sessions": 2}, "A short block.")
    first = timezone.now() - timedelta(days=20)
    first = first.replace(hour=9, minute=30, second=0, microsecond=0)
    for number, total in enumerate((14, 8)):
        dosing_session(team, first + timedelta(days=7 * number), phq9_total=total, **LIGHT)
    team.course.refresh_from_db()
    return first


def continue_to_maintenance(team, terms=None, rationale="Responding."):
    """The prescriber signs "continue to maintenance", the long-term screen clear."""
    return record_reevaluation(
        team.course, team.prescriber, D.MAINTENANCE, rationale, terms, screen=CLEAR
    )


def post_decision(client, team, **extra):
    """The re-evaluation page's form sent: continue to maintenance, a plan of three."""
    url = reverse("integration:reevaluation", args=[team.course.pk])
    data = {
        "decision": "maintenance",
        "rationale": "Responding; move to monthly sessions.",
        "planned_dosing_sessions": "3",
        "dose_min_mg": "100",
        "dose_max_mg": "300",
        "integration_cadence": "Within a week of each dose",
        **extra,
    }
    return client.post(url, data)


def test_only_a_prescribers_reevaluation_reaches_maintenance(team):
    two_session_block(team)
    course = team.course
    assert course.state == CourseState.IN_TREATMENT
    for user in (team.nurse, team.therapist, team.patient):
        with pytest.raises(JourneyError):
            record_reevaluation(course, user, D.MAINTENANCE, "Responding.", screen=CLEAR)
        with pytest.raises(JourneyError):
            course.reevaluate(
                user, D.MAINTENANCE, "x", outcome_so_far="", sessions_before=2, plan_version=None
            )
    assert not Reevaluation.objects.exists()
    # No other transition leads to maintenance: starting treatment is refused from here.
    with pytest.raises(JourneyError):
        course.start_treatment(team.prescriber)
    record = record_reevaluation(
        course,
        team.prescriber,
        D.MAINTENANCE,
        "Responding well.",
        {"planned_dosing_sessions": 1},
        screen=CLEAR,
    )
    course.refresh_from_db()
    assert course.state == CourseState.MAINTENANCE
    assert course.events.last().to_state == CourseState.MAINTENANCE
    assert (record.decided_by, record.sessions_before, record.plan_version) == (
        team.prescriber,
        2,
        3,  # v1 at clearance, v2 the short block, v3 signed with the re-evaluation
    )
    plan = plan_in_force(course)
    assert plan.version == 3 and plan.planned_dosing_sessions == 1
    assert plan.signed_by == team.prescriber
    assert plan.reason.startswith("Re-evaluation: continue to maintenance. Responding well.")
    # The outcome so far, computed by the outcome page's rules, kept as shown.
    lines = record.outcome_so_far.splitlines()
    assert "PHQ-9: 20 → 8; Response: yes; Remission: no; Reliable improvement: yes" in lines
    assert "PCL-5: No completed PCL-5 yet." in lines


def test_reevaluation_is_refused_outside_a_block_and_cannot_change(team):
    start_course(team)
    with pytest.raises(JourneyError):  # cleared, not yet in treatment
        record_reevaluation(team.course, team.prescriber, D.MAINTENANCE, "Too early.", screen=CLEAR)
    assert plan_in_force(team.course).version == 1  # the plan revision was rolled back
    with pytest.raises(JourneyError, match="rationale"):
        record_reevaluation(team.course, team.prescriber, D.STOP, "  ")


def test_a_dose_past_the_plans_sessions_waits_for_a_reevaluation(team):
    first = two_session_block(team)
    third = first + timedelta(days=14)
    with pytest.raises(DosingError, match="must re-evaluate the course"):
        dosing_session(team, third, **LIGHT)
    session = DosingSession.objects.filter(course=team.course).order_by("-started_at").first()
    assert not session.administrations.exists()
    assert block_of(team.course).sessions_done
    continue_to_maintenance(team, {"planned_dosing_sessions": 1})
    # The checklist held the session at "re-evaluation due", so no override was written.
    confirm_companion(session, team.nurse)
    given = dose(team, session, third + timedelta(minutes=15), "200", "LOT-M1")
    # A booster in the same session is not a new session: not refused (after a reading since
    # the first dose, which every booster waits for).
    record_vitals(team, session, third + timedelta(minutes=45), 130)
    dose(team, session, third + timedelta(minutes=50), "50", "LOT-M2")
    assert given.pk and session.administrations.count() == 2
    block = block_of(team.course)
    assert (block.done, block.planned, block.sessions_done) == (1, 1, True)
    with pytest.raises(DosingError, match="must re-evaluate"):
        dosing_session(team, third + timedelta(days=1), **LIGHT)


def test_a_plain_revision_cannot_add_sessions_to_the_block(team):
    """More dosing sessions in a block is a re-evaluation's decision (the outcome so far kept):
    a plain revision raising them would lift the refusal with nothing recorded (walk, F2)."""
    first = two_session_block(team)
    with pytest.raises(ValidationError) as refused:
        revise_plan(team.course, team.prescriber, {"planned_dosing_sessions": 8}, "Keep going.")
    assert "re-evaluation" in refused.value.message_dict["planned_dosing_sessions"][0]
    assert plan_in_force(team.course).planned_dosing_sessions == 2
    with pytest.raises(DosingError, match="must re-evaluate the course"):
        dosing_session(team, first + timedelta(days=14), **LIGHT)
    # Fewer sessions, or any other term, is still a plain revision.
    revise_plan(team.course, team.prescriber, {"planned_dosing_sessions": 1}, "Shorter.")
    assert plan_in_force(team.course).planned_dosing_sessions == 1


def test_the_same_reevaluation_signed_twice_is_refused(team):
    """Back, then sign again (or a second tab): the same decision and plan with no session
    since signed a second record and plan version (walk, F4). A changed plan, or another
    decision, is a new re-evaluation."""
    two_session_block(team)
    terms = {"planned_dosing_sessions": 3, "dose_max_mg": "300"}
    continue_to_maintenance(team, terms)
    with pytest.raises(JourneyError, match="same decision and plan"):
        record_reevaluation(
            team.course, team.prescriber, D.MAINTENANCE, "Responding!", terms, screen=CLEAR
        )
    assert Reevaluation.objects.count() == 1 and plan_in_force(team.course).version == 3
    weekly = terms | {"integration_cadence": "Weekly, by video"}
    continue_to_maintenance(team, weekly, "By video.")
    more = weekly | {"planned_dosing_sessions": 4}
    continue_to_maintenance(team, more, "Four, then.")
    record_reevaluation(team.course, team.prescriber, D.STOP, "On reflection, stop.")
    assert Reevaluation.objects.count() == 4


def test_the_checklist_shows_the_reevaluation_due_before_the_dose(team):
    """The nurse learnt of the re-evaluation only when the dose was refused; the pre-dose
    checklist names it first (walk), and it passes again once one is signed."""
    first = two_session_block(team)
    with pytest.raises(DosingError):
        dosing_session(team, first + timedelta(days=14), **LIGHT)
    session = DosingSession.objects.filter(course=team.course).order_by("-started_at").first()
    [item] = [item for item in evaluate_gate(session) if item.key == "reevaluation"]
    assert not item.passed and not item.overridable
    assert "must re-evaluate the course" in item.reason
    continue_to_maintenance(team)
    assert "reevaluation" not in [item.key for item in evaluate_gate(session)]


def test_stop_moves_to_integration_without_a_plan_revision(team):
    two_session_block(team)
    record = record_reevaluation(team.course, team.prescriber, D.STOP, "No benefit.")
    team.course.refresh_from_db()
    assert team.course.state == CourseState.INTEGRATION and record.plan_version is None
    assert plan_in_force(team.course).version == 2


def test_repeat_induction_stays_in_treatment_with_a_new_block(team):
    two_session_block(team)
    record_reevaluation(
        team.course,
        team.prescriber,
        D.REPEAT_INDUCTION,
        "Partial response.",
        {"dose_max_mg": 350},
        screen=CLEAR,
    )
    team.course.refresh_from_db()
    assert team.course.state == CourseState.IN_TREATMENT
    block = block_of(team.course)
    assert (block.done, block.planned) == (0, 2)
    assert str(plan_in_force(team.course).dose_max_mg) == "350.00"


def test_due_after_the_block_and_every_n_months_in_maintenance(team):
    first = two_session_block(team)
    due = dict((b.course, d) for b, d in due_reevaluations(team.course.clinic))
    # Due since the block's last dose (the second session's dose, 15 minutes after it began).
    assert due[team.course] == first + timedelta(days=7, minutes=15)
    record = continue_to_maintenance(team, {"planned_dosing_sessions": 3})
    assert not due_reevaluations(team.course.clinic)
    months = team.course.clinic.protocols.get(is_default=True).reevaluate_every_months
    later = add_months(record.decided_at, months)
    assert not due_reevaluations(team.course.clinic, later - timedelta(minutes=1))
    [(block, when)] = due_reevaluations(team.course.clinic, later)
    assert when == later and block.why == f"{months} months since the last re-evaluation"


def test_a_maintenance_dose_waits_once_the_months_interval_has_run_out(team):
    """Sessions left in the block do not stand in for the re-evaluation due every N months
    (the protocol: "due ... even if sessions remain"); without this, sessions spaced two
    months apart ran six months with no outcome on record (walk)."""
    first = two_session_block(team)
    record = continue_to_maintenance(team, {"planned_dosing_sessions": 3})
    months = team.course.clinic.protocols.get(is_default=True).reevaluate_every_months
    with final_records_movable():
        Reevaluation.objects.filter(pk=record.pk).update(
            decided_at=add_months(first, -months) - timedelta(days=1)
        )
    with pytest.raises(DosingError, match=f"every {months} months"):
        dosing_session(team, first + timedelta(days=14), **LIGHT)
    block = block_of(team.course)
    assert (block.done, block.sessions_done) == (0, False)


def test_add_months_keeps_the_day_or_takes_the_months_last():
    start = timezone.now().replace(year=2026, month=11, day=30)
    assert add_months(start, 3).date().isoformat() == "2027-02-28"
    assert add_months(start, 1).date().isoformat() == "2026-12-30"


def test_a_signed_reevaluation_cannot_change(team):
    two_session_block(team)
    record = continue_to_maintenance(team)
    record.rationale = "Edited"
    with pytest.raises(Exception, match="cannot change"):
        record.save()


def test_the_page_reads_in_the_same_number_of_queries_however_long_the_course(team, as_user):
    """The outcome so far, the time points, the block and (for the prescriber) the consents
    and the form: bounded, and the same after two more sessions and their questionnaires."""
    start_course(team, baseline_phq9=20)
    revise_plan(team.course, team.prescriber, {"planned_dosing_sessions": 4}, "Four sessions.")
    first = timezone.now() - timedelta(days=30)
    first = first.replace(hour=9, minute=30, second=0, microsecond=0)
    for days, total in ((0, 16), (7, 14)):
        dosing_session(team, first + timedelta(days=days), phq9_total=total, **LIGHT)
    url = reverse("integration:reevaluation", args=[team.course.pk])
    prescriber, nurse = as_user(team.prescriber), as_user(team.nurse)

    def counted():
        found = []
        for client in (prescriber, nurse):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    counted()  # first draws (per-process caches) out of the way
    before = counted()
    assert before[0] <= 28 and before[1] <= 24, before
    for days, total in ((14, 10), (21, 8)):
        dosing_session(team, first + timedelta(days=days), phq9_total=total, **LIGHT)
    assert counted() == before
