"""Before more dosing, every re-evaluation asks what repeated ketamine can harm (reference §2:
"screen urinary symptoms each course", liver injury with recurrent use; §4.4 and the Spravato
boxed warning: abuse and misuse, cognitive impairment). The rule lives on the record, so the
page, a shell and any other writer meet it.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake.plans import plan_in_force
from integration.reevaluation import record_reevaluation
from kapclinic.clinic.models import CourseState, Reevaluation, ReevaluationDecision
from kapclinic.demo.builder import NO_LONG_TERM_HARM

from .test_reevaluation import post_decision, two_session_block

pytestmark = pytest.mark.django_db

D = ReevaluationDecision
SCREEN = ("urinary_symptoms", "misuse_signs", "cognitive_concerns", "liver_tests")


def refused(team, decision, screen, field):
    with pytest.raises(ValidationError) as error:
        record_reevaluation(team.course, team.prescriber, decision, "Responding.", screen=screen)
    assert field in error.value.message_dict, error.value.message_dict
    return error.value.message_dict[field]


@pytest.mark.parametrize("decision", [D.MAINTENANCE, D.REPEAT_INDUCTION])
def test_more_dosing_is_not_signed_without_the_long_term_screen(team, decision):
    two_session_block(team)
    for field in SCREEN:
        screen = {**NO_LONG_TERM_HARM, field: ""}
        assert "before more dosing" in refused(team, decision, screen, field)[0]
    team.course.refresh_from_db()
    assert team.course.state == CourseState.IN_TREATMENT
    assert not Reevaluation.objects.exists()
    assert plan_in_force(team.course).version == 2  # no plan revision was signed


@pytest.mark.parametrize(
    "field, value",
    [
        ("urinary_symptoms", True),
        ("misuse_signs", True),
        ("cognitive_concerns", True),
        ("liver_tests", "abnormal"),
        ("liver_tests", "not_done"),
    ],
)
def test_a_finding_must_be_weighed_in_words_before_more_dosing(team, field, value):
    two_session_block(team)
    screen = {**NO_LONG_TERM_HARM, field: value}
    assert "weighed" in refused(team, D.MAINTENANCE, screen, "safety_findings")[0]
    weighed = "Urology referral made; symptoms mild, agreed to continue with monthly review."
    record = record_reevaluation(
        team.course,
        team.prescriber,
        D.MAINTENANCE,
        "Responding.",
        screen={**screen, "safety_findings": weighed},
    )
    record.refresh_from_db()
    assert getattr(record, field) == value and record.safety_findings == weighed
    assert record.long_term_findings() != []


def test_a_clear_screen_is_kept_with_the_signed_record(team):
    two_session_block(team)
    record = record_reevaluation(
        team.course, team.prescriber, D.MAINTENANCE, "Responding.", screen=NO_LONG_TERM_HARM
    )
    record.refresh_from_db()
    assert {name: getattr(record, name) for name in SCREEN} == {
        name: NO_LONG_TERM_HARM[name] for name in SCREEN
    }
    assert record.long_term_findings() == []


def test_stopping_needs_no_screen(team):
    two_session_block(team)
    record = record_reevaluation(team.course, team.prescriber, D.STOP, "No benefit.")
    assert record.decision == D.STOP and record.urinary_symptoms is None


def test_a_shell_call_to_the_transition_meets_the_same_rule(team):
    two_session_block(team)
    with pytest.raises(ValidationError, match="before more dosing"):
        team.course.reevaluate(
            team.prescriber,
            D.MAINTENANCE,
            "From a shell.",
            outcome_so_far="",
            sessions_before=2,
            plan_version=None,
        )
    team.course.refresh_from_db()
    assert team.course.state == CourseState.IN_TREATMENT


def test_the_page_asks_the_screen_and_says_what_is_missing_beside_each_question(team, as_user):
    two_session_block(team)
    client = as_user(team.prescriber)
    url = reverse("integration:reevaluation", args=[team.course.pk])
    html = client.get(url).content.decode()
    assert "Long-term safety since the last review" in html
    assert "New or worse urinary symptoms" in html and "Liver function tests" in html
    response = post_decision(client, team, urinary_symptoms="True")
    assert response.status_code == 422
    form = response.context["form"]
    assert "before more dosing" in form.errors["misuse_signs"][0]
    assert "rationale" not in form.errors
    team.course.refresh_from_db()
    assert team.course.state == CourseState.IN_TREATMENT
    # What was ticked is kept on the page sent back.
    assert form["urinary_symptoms"].value() == "True"
    response = post_decision(
        client,
        team,
        **{
            **NO_LONG_TERM_HARM,
            "urinary_symptoms": True,
            "safety_findings": "Mild frequency; urine dip clear; continue and ask again.",
        },
    )
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "New or worse urinary symptoms: yes" in html
    assert "Mild frequency; urine dip clear" in html


def test_the_course_summary_pdf_keeps_each_reevaluation_with_its_screen(team):
    from kapclinic.reports import course_summary
    from kapclinic.reports.kinds import KINDS
    from tests.reports.pdf import pdf_text
    from tests.reports.test_session_note import has

    two_session_block(team)
    weighed = "Mild frequency <b>since</b> May; urine dip clear; continue with review."
    record_reevaluation(
        team.course,
        team.prescriber,
        D.REPEAT_INDUCTION,
        "Partial response.",
        screen={**NO_LONG_TERM_HARM, "urinary_symptoms": True, "safety_findings": weighed},
    )
    course = course_summary.records().get(pk=team.course.pk)
    text = pdf_text(KINDS["course"].render(course, generated_by="Dr Test").pdf)
    has(text, "Re-evaluations", "Repeat induction", "Partial response.", "plan version 3")
    has(text, "New or worse urinary symptoms: yes", "Liver function tests: not indicated")
    has(text, weighed, "PHQ-9: 20 → 8")


def test_a_second_tab_cannot_sign_over_a_reevaluation_signed_meanwhile(team, as_user):
    """Two prescribers (or two tabs) open the page; the first signs maintenance. The second,
    deciding differently on what they read before it, is told to read it first (walk)."""
    two_session_block(team)
    client = as_user(team.prescriber)
    url = reverse("integration:reevaluation", args=[team.course.pk])
    seen = client.get(url).context["form"]["last_seen"].value()
    assert seen == 0
    first = post_decision(client, team, **NO_LONG_TERM_HARM, last_seen=seen)
    assert first.status_code == 302
    second = post_decision(
        client,
        team,
        **NO_LONG_TERM_HARM,
        decision="repeat_induction",
        last_seen=seen,
        rationale="Partial response: repeat.",
    )
    assert second.status_code == 422
    assert "since you opened this page" in second.content.decode()
    assert Reevaluation.objects.filter(course=team.course).count() == 1
    # Read afresh, the page carries the new record and signing is possible again.
    latest = Reevaluation.objects.get(course=team.course)
    assert client.get(url).context["form"]["last_seen"].value() == latest.pk
