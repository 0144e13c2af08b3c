"""Nothing a patient typed is lost: "Back to my journey" on a follow-up questionnaire saves
the answers chosen so far as a draft, only the patient's own, and goes back.

A draft is not an answer: no score, no completed questionnaire. An urgent answer in a draft is
not hidden: it raises its flag and shows the crisis resources, as on sending.
"""

import re

import pytest
from django.urls import reverse

from integration.models import MeasureRequest
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role, SafetyFlag
from kapclinic.measures.models import QuestionnaireResponse

from .test_patient_pages import (
    PHQ9_NONE,
    follow_up,
    measure_url,
    page,
    safety_alerts,
)

pytestmark = pytest.mark.django_db

HOME = reverse("clinic:my-journey")
BACK = {"leave": "1"}
CRISIS = "You do not have to face this alone"


@pytest.fixture
def phone(team, client):
    client.force_login(team.patient)
    return client


def checked(text, key, value):
    return re.search(rf'name="{key}" value="{value}"[^>]*checked', text)


# --- Follow-up questionnaires ----------------------------------------------------------------


def test_back_from_a_questionnaire_is_a_button_that_keeps_the_ticks(team, phone):
    request = follow_up(team.course)
    form = page(phone.get(measure_url(request)))
    assert re.search(r'<button type="submit" name="leave" value="1"[^>]*>Back to my journey<', form)
    response = phone.post(measure_url(request), {"q1": "2", "q2": "3", **BACK})
    assert response.status_code == 302 and response["Location"] == HOME
    request.refresh_from_db()
    assert request.draft_answers == {"q1": 2, "q2": 3}
    assert request.status == MeasureRequest.Status.REQUESTED
    assert not QuestionnaireResponse.objects.exists() and not SafetyFlag.objects.exists()
    again = page(phone.get(measure_url(request)))
    assert checked(again, "q1", 2) and checked(again, "q2", 3)
    assert "Your answers are not sent yet." not in again  # a draft, not a refusal


def test_a_whole_questionnaire_kept_for_later_is_not_sent_until_the_patient_sends_it(team, phone):
    request = follow_up(team.course)
    phone.post(measure_url(request), {**PHQ9_NONE, "q1": "2", **BACK})
    request.refresh_from_db()
    # Not counted: no response, no score, still asked for.
    assert request.status == MeasureRequest.Status.REQUESTED and request.response is None
    assert not QuestionnaireResponse.objects.exists()
    assert request.draft_answers == {**{f"q{i}": 0 for i in range(1, 10)}, "q1": 2}
    response = phone.post(measure_url(request), {**PHQ9_NONE, "q1": "2"})
    assert response["Location"] == measure_url(request, "measure-done")
    request.refresh_from_db()
    assert request.status == MeasureRequest.Status.COMPLETED
    assert request.response.total == 2 and request.draft_answers == {}


def test_back_from_an_untouched_questionnaire_saves_nothing(team, phone):
    request = follow_up(team.course)
    response = phone.post(measure_url(request), BACK)
    assert response["Location"] == HOME
    request.refresh_from_db()
    assert request.draft_answers == {}
    assert not AccessEvent.objects.filter(what__icontains="draft").exists()


def test_an_urgent_answer_kept_for_later_raises_the_flag_and_shows_support(team, phone):
    request = follow_up(team.course)
    text = page(phone.post(measure_url(request), {"q1": "1", "q9": "2", **BACK}))
    assert CRISIS in text and "Your answers are saved" in text
    assert SafetyFlag.objects.get(course=team.course).source == "Follow-up PHQ-9"
    assert len(safety_alerts()) == 1
    request.refresh_from_db()
    assert request.draft_answers == {"q1": 1, "q9": 2}
    assert request.status == MeasureRequest.Status.REQUESTED
    # Reopened later, the support is still shown beside the kept answers...
    again = page(phone.get(measure_url(request)))
    assert CRISIS in again and checked(again, "q9", 2)
    # ...and going back without changing anything leaves (no loop back to this page).
    assert phone.post(measure_url(request), {"q1": "1", "q9": "2", **BACK})["Location"] == HOME
    assert SafetyFlag.objects.count() == 1


def test_a_questionnaire_draft_is_the_patients_own(team, phone, client, staff_client, world):
    request = follow_up(team.course)
    phone.post(measure_url(request), {"q1": "2", "q2": "3", **BACK})
    client.force_login(team.other_patient)
    assert client.get(measure_url(request)).status_code == 404
    assert client.post(measure_url(request), {"q1": "0", **BACK}).status_code == 404
    request.refresh_from_db()
    assert request.draft_answers == {"q1": 2, "q2": 3}
    # The clinic's admin reads requests, never a patient's unsent answers.
    admin = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    change = admin.get(reverse("admin:integration_measurerequest_change", args=[request.pk]))
    assert change.status_code == 200
    shown = change.content.decode()
    assert "Draft answers" not in shown and "q1" not in shown
