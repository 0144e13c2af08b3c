"""Nothing a patient typed is lost: "Back to my journey" on a follow-up questionnaire or in the
journal saves what was typed as a draft, only the patient's own, and goes back.

A draft is not an answer: no score, no completed questionnaire, no entry, nothing shared with
the care team. An urgent answer or risk wording in a draft is not hidden: it is met as on
sending (a questionnaire's urgent answer raises its flag; a private journal text shows the
crisis resources without telling staff).
"""

import re

import pytest
from django.urls import reverse

from integration import services
from integration.models import JournalDraft, JournalEntry, JournalPrompt, MeasureRequest
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role, SafetyFlag
from kapclinic.measures.models import QuestionnaireResponse

from .test_patient_pages import (
    JOURNAL,
    PHQ9_NONE,
    RISKY,
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


# --- The journal -----------------------------------------------------------------------------


def test_back_from_the_journal_is_a_button_that_keeps_the_text(team, phone):
    prompt = JournalPrompt.objects.create(clinic=team.clinic, text="What stayed with you?")
    form = page(phone.get(JOURNAL))
    assert re.search(r'<button type="submit"[^>]*name="leave" value="1"[^>]*>Back to my jour', form)
    typed = {"body": "Half a thought about the sea", "prompt": prompt.pk, "share": "on"}
    response = phone.post(JOURNAL, {**typed, **BACK})
    assert response.status_code == 302 and response["Location"] == HOME
    assert not JournalEntry.objects.exists()
    again = page(phone.get(JOURNAL))
    assert "Half a thought about the sea</textarea>" in again
    assert re.search(rf'name="prompt" value="{prompt.pk}"[^>]*checked', again)
    assert re.search(r'name="share"[^>]*checked', again)
    assert "draft" in again.lower()
    assert AccessEvent.objects.filter(what="journal draft saved").count() == 1


def test_a_journal_draft_is_not_an_entry_nor_shared_until_sent(team, phone, client):
    phone.post(JOURNAL, {"body": "Not ready to say this yet", "share": "on", **BACK})
    assert not JournalEntry.objects.exists()
    assert JournalDraft.objects.visible_to(team.therapist).count() == 0
    assert JournalDraft.objects.visible_to(team.patient).count() == 1
    client.force_login(team.other_patient)
    assert "Not ready to say this yet" not in page(client.get(JOURNAL))
    client.force_login(team.patient)
    # Sent: one entry, shared as ticked, and the draft is gone.
    phone.post(JOURNAL, {"body": "Not ready to say this yet", "share": "on"})
    entry = JournalEntry.objects.get()
    assert entry.is_shared and entry.body == "Not ready to say this yet"
    assert not JournalDraft.objects.exists()
    assert "Not ready to say this yet</textarea>" not in page(phone.get(JOURNAL))


def test_back_from_an_untouched_journal_saves_nothing(team, phone):
    response = phone.post(JOURNAL, BACK)
    assert response["Location"] == HOME
    assert not JournalDraft.objects.exists()


def test_risk_wording_in_a_journal_draft_shows_support_and_tells_no_one(team, phone):
    text = page(phone.post(JOURNAL, {"body": RISKY, **BACK}))
    assert CRISIS in text and team.clinic.crisis_resources.splitlines()[0] in text
    assert "your care team has not read it" in text
    assert not SafetyFlag.objects.exists() and not JournalEntry.objects.exists()
    assert JournalDraft.objects.get().body == RISKY
    # Reopened later, the support is shown beside the draft again.
    assert CRISIS in page(phone.get(JOURNAL))
    # Going back again, unchanged, leaves.
    assert phone.post(JOURNAL, {"body": RISKY, **BACK})["Location"] == HOME
    # Sent and shared later, it raises the flag as any shared entry does.
    phone.post(JOURNAL, {"body": RISKY, "share": "on"})
    assert SafetyFlag.objects.get(course=team.course).kind == SafetyFlag.Kind.SUICIDE_RISK


def test_a_journal_draft_is_kept_through_the_service_only_for_the_patient(team):
    with pytest.raises(services.IntegrationError):
        services.save_journal_draft(team.therapist, team.course, body="Written for them")
    assert not JournalDraft.objects.exists()


def test_a_questionnaire_begun_and_kept_shows_as_begun_on_the_home_page(in_integration, client):
    team = in_integration
    services.complete_course(team.course, team.therapist, reason="All sessions done.")
    end = MeasureRequest.objects.get(course=team.course, timepoint="end", instrument="phq9")
    client.force_login(team.patient)
    client.post(measure_url(end), {"q1": "1", **BACK})
    home = page(client.get(HOME))
    # The one begun says so and invites the patient back to it; the others are still to do.
    assert "Finish your questionnaire: PHQ-9" in home
    assert "Questionnaire due: PHQ-9" not in home and "Questionnaire due: GAD-7" in home
    assert home.count(">Started<") == 1
