"""Intake questions: follow-ups asked only when called for, groups answered "none apply"."""

import pytest
from django.urls import reverse

from intake.models import IntakeRecord
from kapclinic.demo.builder import NO, YES, intake_answers
from tests.step_pages import after_refusal

pytestmark = pytest.mark.django_db


def post_medical(client, patient, **changes):
    data = {**intake_answers(patient)["medical"], **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(reverse("intake:step", args=["medical"]), data)


def stored(course, step):
    return IntakeRecord.objects.get(course=course).answers[step]


def test_a_follow_up_is_not_required_after_no(patient_client):
    client, patient, course = patient_client
    response = post_medical(client, patient, heart_or_stroke_recent_6_months=None)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored(course, "medical")["heart_or_stroke_recent_6_months"] is False


def test_a_follow_up_is_required_after_yes(patient_client):
    client, patient, course = patient_client
    response = post_medical(
        client, patient, heart_or_stroke_history=YES, heart_or_stroke_recent_6_months=None
    )
    response = after_refusal(client, response)
    assert "heart_or_stroke_recent_6_months" in response.context["form"].errors


def test_a_follow_up_answer_given_after_no_is_not_stored(patient_client):
    client, patient, course = patient_client
    post_medical(client, patient, blood_pressure_controlled=YES)
    assert stored(course, "medical")["blood_pressure_controlled"] is None


def test_drug_details_are_asked_only_after_yes(patient_client):
    client, patient, course = patient_client
    url = reverse("intake:step", args=["substance"])
    base = intake_answers(patient)["substance"]
    refused = client.post(url, {**base, "drug_use_past_year": YES, "drug_use_details": ""})
    refused = after_refusal(client, refused)
    assert "drug_use_details" in refused.context["form"].errors
    recovery = after_refusal(
        client, client.post(url, {**base, "substance_use_disorder_history": YES})
    )
    assert "substance_use_in_recovery_years" in recovery.context["form"].errors
    saved = client.post(url, {**base, "drug_use_details": "typed then answered no"})
    assert saved.status_code == 302
    assert stored(course, "substance")["drug_use_details"] == ""


def test_the_page_marks_each_follow_up_with_the_answer_that_calls_for_it(medical_page):
    follow_up = 'data-follow-up-of="heart_or_stroke_history" data-follow-up-when="True"'
    assert follow_up in medical_page
    assert "js/intake-questions.js" in medical_page


def test_physical_health_is_asked_in_groups_with_none_of_these_apply(medical_page):
    assert medical_page.count("None of these apply to me") == 4
    assert "<legend" in medical_page and "Pregnancy and breastfeeding" in medical_page


def test_none_of_these_apply_stores_an_explicit_no_for_every_question(patient_client):
    client, patient, course = patient_client
    data = {"allergies": "", "other_conditions": ""}
    for group in ("reactions", "heart", "other", "pregnancy"):
        data[f"none_{group}"] = "on"
    response = client.post(reverse("intake:step", args=["medical"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    answers = stored(course, "medical")
    for question in (
        "ketamine_hypersensitivity",
        "high_blood_pressure",
        "aneurysm_or_avm",
        "glaucoma",
        "seizures",
        "pregnant",
        "breastfeeding",
    ):
        assert answers[question] is False
    assert not any(key.startswith("none_") for key in answers)


def test_none_of_these_apply_is_refused_beside_a_yes_in_its_group(patient_client):
    client, patient, _ = patient_client
    response = after_refusal(client, post_medical(client, patient, none_other="on", glaucoma=YES))
    assert "none_other" in response.context["form"].errors


def test_an_unanswered_question_outside_a_ticked_group_is_still_required(patient_client):
    client, patient, _ = patient_client
    response = after_refusal(client, post_medical(client, patient, glaucoma=None, pregnant=NO))
    assert "Please answer yes or no." in response.context["form"].errors["glaucoma"]


def test_the_support_page_after_phq9_item9_is_a_counted_step_of_the_flow(patient_client):
    client, patient, _ = patient_client
    for key in ("about", "medical", "psychiatric", "medications", "substance", "auditc", "gad7"):
        client.post(reverse("intake:step", args=[key]), intake_answers(patient)[key])
    answers = {**intake_answers(patient)["phq9"], "q9": "1"}
    response = client.post(reverse("intake:step", args=["phq9"]), answers)
    assert response["Location"] == reverse("intake:step", args=["support"])
    support = client.get(response["Location"]).content.decode()
    assert "Thank you for telling us" in support
    assert "Step 9 of 11" in support  # a step of its own, counted in the total
    assert 'value="8"' in support  # the progress bar: eight steps done, support still to do
    assert "next is “Your goals”" in support
    # Leaving and coming back resumes on the support step until the patient carries on.
    assert client.get(reverse("intake:start"))["Location"] == reverse(
        "intake:step", args=["support"]
    )
    carried_on = client.post(reverse("intake:step", args=["support"]), {})
    assert carried_on["Location"] == reverse("intake:start")
    assert client.get(reverse("intake:start"))["Location"] == reverse("intake:step", args=["goals"])
    goals = client.get(reverse("intake:step", args=["goals"])).content.decode()
    assert "Step 10 of 11" in goals and 'value="9"' in goals
    check = client.get(reverse("intake:check")).content.decode()
    assert "Support" in check and "Read." in check


def test_the_support_step_is_not_asked_when_phq9_item9_is_zero(patient_client):
    client, patient, _ = patient_client
    phq9 = reverse("intake:step", args=["phq9"])
    client.post(phq9, {**intake_answers(patient)["phq9"], "q9": "1"})
    assert client.get(reverse("intake:step", args=["support"])).status_code == 200
    # The patient changes their answer: the step no longer applies, nothing left to read.
    client.post(phq9, {**intake_answers(patient)["phq9"], "q9": "0"})
    assert client.get(reverse("intake:step", args=["support"])).status_code == 404
    assert client.get(reverse("intake:support"))["Location"] == reverse("intake:start")


def test_leaving_a_half_answered_phq9_with_item9_above_zero_shows_support_first(patient_client):
    """The crisis resources come before home, as in the day-of check-in (issue 16 review)."""
    client, patient, _ = patient_client
    response = client.post(reverse("intake:step", args=["phq9"]), {"q9": "2", "leave": "1"})
    assert response["Location"] == reverse("intake:step", args=["support"])
    support = client.get(response["Location"]).content.decode()
    assert "Thank you for telling us" in support
