"""The structured risk review: who may resolve a suicide-risk flag, the C-SSRS triage, the page.

Issue 15: any clinician, a nurse included, could close a PHQ-9 item 9 flag with one line of
free text. A suicide-risk flag now closes only through a risk review, by a role the clinic
allows (reference §1.3, §1.5).
"""

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic import risk
from kapclinic.clinic.models import (
    FollowUpTask,
    JourneyError,
    RiskDecision,
    RiskLevel,
    RiskReview,
    Role,
    SafetyFlag,
)
from tests.factories import SafetyFlagFactory

pytestmark = pytest.mark.django_db

# C-SSRS screen answers (reference §1.5): 1 = yes, 0 = no; Q3-Q5 only after a yes to Q2.
PASSIVE_ONLY = {"q1": 1, "q2": 0, "q6": 0}
INTENT = {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0}
OLD_ATTEMPT = {"q1": 0, "q2": 0, "q6": 1, "q6b": 0}
NOTHING = {"q1": 0, "q2": 0, "q6": 0}


@pytest.fixture
def side(world):
    side = world.one
    side.staff[Role.THERAPIST].licence_number = "LCSW-1"
    side.staff[Role.THERAPIST].save()
    side.flag = SafetyFlagFactory(
        course=side.courses[0],
        source="Check-in PHQ-9",
        reason="Item 9 above 0.",
        kind=SafetyFlag.Kind.SUICIDE_RISK,
    )
    return side


def review(flag, provider, answers=PASSIVE_ONLY, decision=RiskDecision.CONTINUE, **extra):
    return risk.review_risk_flag(
        flag,
        provider.user,
        screen_answers=answers,
        protective_factors=extra.pop("protective_factors", "Children; engaged in care."),
        formulation=extra.pop("formulation", "Passive thoughts, no plan or intent."),
        decision=decision,
        safety_plan_made=True,
        **extra,
    )


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        (NOTHING, RiskLevel.NONE),
        (PASSIVE_ONLY, RiskLevel.LOW),
        (OLD_ATTEMPT, RiskLevel.MODERATE),
        (INTENT, RiskLevel.HIGH),
        ({"q1": 0, "q2": 0, "q6": 1, "q6b": 1}, RiskLevel.HIGH),
    ],
)
def test_risk_level_follows_the_screeners_triage(answers, level):
    assert risk.risk_level(answers) == level


def test_screen_refuses_an_answer_the_branching_hides():
    with pytest.raises(risk.RiskError, match="earlier answers hide"):
        risk.risk_level({"q1": 0, "q2": 0, "q4": 1, "q6": 0})


def test_screen_refuses_an_unanswered_question():
    with pytest.raises(risk.RiskError, match="no answer"):
        risk.risk_level({"q1": 1, "q2": 1, "q6": 0})


def test_nurse_cannot_resolve_a_risk_flag_where_the_clinic_has_not_allowed_it(side):
    nurse = side.staff[Role.NURSE]
    with pytest.raises(risk.RiskError, match="may not resolve"):
        review(side.flag, nurse)
    side.flag.refresh_from_db()
    assert side.flag.is_open and not RiskReview.objects.exists()


def test_nurse_may_resolve_where_the_clinic_allows_it(side):
    side.clinic.nurses_may_review_risk = True
    side.clinic.save()
    nurse = side.staff[Role.NURSE]
    nurse.clinic.refresh_from_db()
    done = review(side.flag, nurse)
    side.flag.refresh_from_db()
    assert not side.flag.is_open and done.risk_level == RiskLevel.LOW


def test_free_text_resolve_is_refused_for_a_risk_flag_even_for_a_prescriber(side):
    with pytest.raises(JourneyError, match="structured risk review"):
        side.flag.resolve(side.staff[Role.PRESCRIBER].user, "Called; fine.")
    side.flag.refresh_from_db()
    assert side.flag.is_open


def test_free_text_resolve_still_closes_a_flag_that_is_not_about_suicide_risk(side):
    flag = SafetyFlagFactory(course=side.courses[0], source="Check-in pregnancy")
    flag.resolve(side.staff[Role.NURSE].user, "Pregnancy test negative; prescriber told.")
    assert not flag.is_open


def test_therapist_without_a_licence_on_record_may_not_resolve(side):
    therapist = side.staff[Role.THERAPIST]
    therapist.licence_number = ""
    therapist.save()
    with pytest.raises(risk.RiskError, match="may not resolve"):
        review(side.flag, therapist)


def test_clinic_admin_and_another_clinic_are_refused(world, side):
    with pytest.raises(risk.RiskError):
        review(side.flag, side.staff[Role.CLINIC_ADMIN])
    with pytest.raises(risk.RiskError, match="this clinic"):
        review(side.flag, world.two.staff[Role.PRESCRIBER])


def test_licensed_therapist_resolves_with_a_structured_review(side):
    done = review(side.flag, side.staff[Role.THERAPIST], answers=OLD_ATTEMPT)
    side.flag.refresh_from_db()
    assert not side.flag.is_open and side.flag.resolved_by == side.staff[Role.THERAPIST].user
    assert "Moderate risk" in side.flag.action_taken
    assert done.risk_level == RiskLevel.MODERATE and not done.needs_psychiatric_review
    assert AccessEvent.objects.filter(what__startswith=f"risk review {done.pk}").exists()


def test_high_risk_cannot_continue_dosing(side):
    with pytest.raises(risk.RiskError, match="psychiatric review") as error:
        review(side.flag, side.staff[Role.PRESCRIBER], answers=INTENT)
    assert error.value.field == "decision"


def test_high_risk_needs_a_prescribers_psychiatric_review(side):
    done = review(
        side.flag, side.staff[Role.THERAPIST], answers=INTENT, decision=RiskDecision.PAUSE_DOSING
    )
    assert done.needs_psychiatric_review
    assert risk.dosing_block(side.courses[0]) == done
    # The prescriber is asked the same day, on their day and digest (escalated if overdue).
    asked = FollowUpTask.objects.get(risk_review=done, for_psychiatric_review=True)
    assert asked.owner == side.staff[Role.PRESCRIBER] and asked.is_open
    assert asked.due_at == risk.default_due_at(side.clinic)
    with pytest.raises(risk.RiskError, match="Only a prescriber"):
        risk.record_psychiatric_review(
            done, side.staff[Role.THERAPIST].user, findings="Fine.", dosing_may_resume=True
        )
    risk.record_psychiatric_review(
        done, side.staff[Role.PRESCRIBER].user, findings="Seen today.", dosing_may_resume=False
    )
    assert risk.dosing_block(side.courses[0]) == done, "a review that says no keeps the block"
    asked.refresh_from_db()
    assert not asked.is_open and "stays paused" in asked.outcome
    risk.record_psychiatric_review(
        done, side.staff[Role.PRESCRIBER].user, findings="Seen again.", dosing_may_resume=True
    )
    assert risk.dosing_block(side.courses[0]) is None


def test_a_review_is_write_once(side):
    done = review(side.flag, side.staff[Role.PRESCRIBER])
    done.formulation = "Rewritten later."
    with pytest.raises(ValueError, match="write-once"):
        done.save()


def test_review_creates_a_follow_up_task_due_the_same_day(side):
    owner = side.staff[Role.THERAPIST]
    done = review(
        side.flag,
        side.staff[Role.PRESCRIBER],
        task=risk.TaskRequest(owner=owner, description="Call the patient tonight."),
    )
    task = FollowUpTask.objects.get(risk_review=done)
    assert task.owner == owner and task.is_open
    assert task.due_at == risk.default_due_at(side.clinic)


def test_closing_a_task_needs_an_outcome(side):
    task = risk.create_follow_up_task(
        side.courses[0],
        side.staff[Role.PRESCRIBER].user,
        risk.TaskRequest(owner=side.staff[Role.NURSE], description="Call back."),
    )
    with pytest.raises(risk.RiskError, match="outcome"):
        risk.close_follow_up_task(task, side.staff[Role.NURSE].user, "  ")
    risk.close_follow_up_task(task, side.staff[Role.NURSE].user, "Called; safe at home.")
    task.refresh_from_db()
    assert not task.is_open and task.outcome == "Called; safe at home."


# --- The page ------------------------------------------------------------------------------


def form_data(answers=PASSIVE_ONLY, **extra):
    data = {f"screen-{key}": str(value) for key, value in answers.items()}
    return {
        **data,
        "protective_factors": "Close to her sister.",
        "formulation": "Passive wish to be dead, no method.",
        "decision": "continue",
        "safety_plan_made": "on",
        **extra,
    }


def test_the_page_resolves_the_flag_and_shows_the_review(side, staff_client):
    client = staff_client(side.staff[Role.THERAPIST])
    url = reverse("clinic:risk-review", args=[side.flag.pk])
    page = client.get(url)
    assert page.status_code == 200 and "C-SSRS screen" in page.text
    response = client.post(url, form_data())
    assert response.status_code == 302
    page = client.get(url).text
    assert "Low risk" in page and "Close to her sister." in page
    assert AccessEvent.objects.filter(
        what=f"risk review of safety flag {side.flag.pk}", action="view"
    ).exists()


def test_the_page_puts_errors_beside_the_field(side, staff_client):
    client = staff_client(side.staff[Role.PRESCRIBER])
    url = reverse("clinic:risk-review", args=[side.flag.pk])
    response = client.post(url, form_data(INTENT, formulation=""))
    assert response.status_code == 422
    assert "This field is required" in response.text
    response = client.post(url, form_data(INTENT))
    assert response.status_code == 422 and "psychiatric review" in response.text
    side.flag.refresh_from_db()
    assert side.flag.is_open


def test_the_page_tells_a_nurse_it_is_not_theirs(side, staff_client):
    client = staff_client(side.staff[Role.NURSE])
    url = reverse("clinic:risk-review", args=[side.flag.pk])
    assert "Not yours to resolve" in client.get(url).text
    client.post(url, form_data())
    side.flag.refresh_from_db()
    assert side.flag.is_open


def test_the_old_free_text_form_sends_a_risk_flag_to_the_review(side, staff_client):
    client = staff_client(side.staff[Role.PRESCRIBER])
    response = client.post(
        reverse("clinic:resolve-flag", args=[side.flag.pk]), {"action_taken": "Called."}
    )
    assert response.url == reverse("clinic:risk-review", args=[side.flag.pk])
    side.flag.refresh_from_db()
    assert side.flag.is_open


def test_the_review_page_runs_a_bounded_number_of_queries(
    side, staff_client, django_assert_max_num_queries
):
    client = staff_client(side.staff[Role.THERAPIST])
    url = reverse("clinic:risk-review", args=[side.flag.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    review(
        side.flag,
        side.staff[Role.THERAPIST],
        answers=INTENT,
        decision=RiskDecision.PAUSE_DOSING,
        task=risk.TaskRequest(owner=side.staff[Role.NURSE], description="Call."),
    )
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200


def test_a_flag_resolved_before_reviews_existed_shows_what_was_recorded(side, staff_client):
    SafetyFlag.objects.filter(pk=side.flag.pk).update(
        resolved_at=side.flag.raised_at,
        resolved_by=side.staff[Role.PRESCRIBER].user,
        action_taken="Called the patient; safe.",
    )
    client = staff_client(side.staff[Role.PRESCRIBER])
    page = client.get(reverse("clinic:risk-review", args=[side.flag.pk])).text
    assert "Resolved without a structured review" in page and "Called the patient; safe." in page
    assert "C-SSRS screen" not in page


def test_the_screen_shows_the_clinics_licensed_wording_escaped(side, staff_client):
    from django.core.exceptions import ValidationError

    side.clinic.cssrs_licensed_wording = {"q1": "Only one item"}
    with pytest.raises(ValidationError, match="every item"):
        side.clinic.clean()
    keys = ("q1", "q2", "q3", "q4", "q5", "q6", "q6b")
    side.clinic.cssrs_licensed_wording = {key: f"LICENSED-{key} <b>text</b>" for key in keys}
    side.clinic.clean()
    side.clinic.save()
    client = staff_client(side.staff[Role.PRESCRIBER])
    page = client.get(reverse("clinic:risk-review", args=[side.flag.pk])).text
    assert "LICENSED-q6b &lt;b&gt;text&lt;/b&gt;" in page
    assert "Q1 wish to be dead" not in page
    client.post(reverse("clinic:risk-review", args=[side.flag.pk]), form_data(OLD_ATTEMPT))
    assert RiskReview.objects.get(flag=side.flag).risk_level == RiskLevel.MODERATE


def test_the_admin_shows_reviews_read_only(side, client, superuser, enrol_mfa):
    done = review(side.flag, side.staff[Role.PRESCRIBER])
    enrol_mfa(superuser)
    client.force_login(superuser)
    url = reverse("admin:clinic_riskreview_change", args=[done.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Children; engaged in care." in page.text
    client.post(url, {"formulation": "Changed in the admin."})
    done.refresh_from_db()
    assert done.formulation == "Passive thoughts, no plan or intent."
    assert client.get(reverse("admin:clinic_riskreview_add")).status_code == 403
