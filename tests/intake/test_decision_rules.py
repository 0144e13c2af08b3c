"""The decision's own rules, held by the service every writer calls (screen, admin, shell)."""

import pytest
from django.urls import reverse

from intake import services
from intake.models import SuitabilityDecision
from kapclinic.clinic.models import CourseState, JourneyError, Role
from kapclinic.demo.builder import YES, publish_consent

from .test_review import clear_data, start_review, submitted_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(world):
    return publish_consent(world.one.clinic)


def under_review(world, client, staff_client, overrides=None):
    course = submitted_course(world, client, overrides=overrides)
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])
    start_review(prescriber, course)
    return course, prescriber


def decision_data(**fields):
    data = clear_data(**fields)
    for key in ("dose_min_mg", "dose_max_mg"):
        data[key] = int(data[key])
    data["planned_dosing_sessions"] = int(data["planned_dosing_sessions"])
    return {"override_reason": "", "message_to_patient": "", **data}


def test_service_refuses_an_override_reason_when_no_absolute_contraindication_fired(
    world, client, consent, staff_client
):
    course, _ = under_review(world, client, staff_client)
    with pytest.raises(JourneyError, match="No absolute contraindication"):
        services.record_decision(
            course,
            by=world.one.staff[Role.PRESCRIBER].user,
            data=decision_data(override_reason="Just in case."),
        )
    course.refresh_from_db()
    assert course.state == CourseState.UNDER_REVIEW
    assert not SuitabilityDecision.objects.filter(course=course).exists()


def test_service_refuses_clearing_past_an_absolute_contraindication_without_a_reason(
    world, client, consent, staff_client
):
    course, _ = under_review(world, client, staff_client, {"medical": {"aneurysm_or_avm": YES}})
    with pytest.raises(JourneyError, match="reason to clear anyway"):
        services.record_decision(
            course, by=world.one.staff[Role.PRESCRIBER].user, data=decision_data()
        )
    assert not SuitabilityDecision.objects.filter(course=course).exists()


def test_review_page_shows_the_override_error_next_to_the_field(
    world, client, consent, staff_client
):
    course, prescriber = under_review(world, client, staff_client)
    response = prescriber.post(
        reverse("intake:review", args=[course.pk]), clear_data(override_reason="Just in case.")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "No absolute contraindication" in " ".join(form.errors["override_reason"])
    course.refresh_from_db()
    assert course.state == CourseState.UNDER_REVIEW


def test_a_decline_keeps_no_message_or_override_meant_for_other_decisions(
    world, client, consent, staff_client
):
    course, prescriber = under_review(world, client, staff_client)
    prescriber.post(
        reverse("intake:review", args=[course.pk]),
        {
            "outcome": "declined",
            "rationale": "Not suitable now.",
            "message_to_patient": "Typed before changing my mind.",
        },
    )
    decision = SuitabilityDecision.objects.get(course=course)
    assert decision.outcome == "declined"
    assert decision.message_to_patient == ""
    assert decision.override_reason == ""


def test_contraindication_card_shows_the_question_and_the_answer_in_words(
    world, client, consent, staff_client
):
    course, prescriber = under_review(
        world,
        client,
        staff_client,
        {"medical": {"high_blood_pressure": YES, "blood_pressure_controlled": "False"}},
    )
    body = prescriber.get(reverse("intake:review", args=[course.pk])).content.decode()
    assert "medical.high_blood_pressure" not in body
    assert "= True" not in body
    assert "Do you have high blood pressure?" in body
    assert "If yes: is it well controlled (usually below 140/90)?" in body


def test_care_team_picker_shows_each_members_role(world, staff_client):
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])
    body = prescriber.get(reverse("intake:invite")).content.decode()
    nurse = world.one.staff[Role.NURSE]
    assert f"{nurse.user.get_full_name()} (Nurse)" in body or f"{nurse} (Nurse)" in body
