"""The patient's journal and follow-up questionnaires, from their phone, through the pages."""

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integration import services
from integration.models import JournalEntry, JournalPrompt, MeasureRequest
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role, SafetyFlag
from kapclinic.clinic.text_limits import JOURNAL_ENTRY
from kapclinic.demo.builder import Build
from kapclinic.measures.models import QuestionnaireResponse
from tests.reminders.conftest import run_scan

pytestmark = pytest.mark.django_db

RISKY = "Some days I feel I would be better off dead."
JOURNAL = reverse("integration:journal")
PHQ9_NONE = {f"q{i}": "0" for i in range(1, 10)}


@pytest.fixture
def phone(team, client):
    """The patient, signed in on their phone."""
    client.force_login(team.patient)
    return client


def entry_url(entry, name="journal-entry"):
    return reverse(f"integration:{name}", args=[entry.pk])


def write(phone, body="A calm week.", **fields):
    return phone.post(JOURNAL, {"body": body, **fields})


def only_entry(team):
    return JournalEntry.objects.get(course=team.course)


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def safety_alerts():
    """The alerts sent so far: the worker's scan sends each flag's alert row."""
    run_scan(timezone.now())
    return [m for m in mail.outbox if "safety alert" in m.subject.lower()]


def follow_up(course, instrument="phq9", *, opens=-1, due=3, expires=10, **fields):
    """A follow-up questionnaire request; the window is in days from now."""
    now = timezone.now()
    return MeasureRequest.objects.create(
        course=course,
        instrument=instrument,
        purpose=fields.pop("purpose", QuestionnaireResponse.Purpose.FOLLOW_UP),
        timepoint=fields.pop("timepoint", "after:1w"),
        label=fields.pop("label", "1 week after the course"),
        opens_at=now + timedelta(days=opens),
        due_at=now + timedelta(days=due),
        expires_at=now + timedelta(days=expires),
        **fields,
    )


def measure_url(request, name="measure"):
    return reverse(f"integration:{name}", args=[request.pk])


# --- Writing and listing ---------------------------------------------------------------------


def test_patient_writes_an_entry_and_it_is_private_by_default(team, phone):
    response = write(phone, "I slept well after the session.")
    entry = only_entry(team)
    assert response.status_code == 302
    assert response["Location"] == f"{JOURNAL}#entry-{entry.pk}"
    assert entry.shared_at is None and entry.body == "I slept well after the session."
    listing = page(phone.get(JOURNAL))
    assert "I slept well after the session." in listing
    assert "Private — only you can see this" in listing
    assert "Saved. This entry is private: only you can see it." in listing
    for staff in (team.prescriber, team.therapist, team.nurse, team.admin):
        assert not JournalEntry.objects.visible_to(staff).exists()
    assert AccessEvent.objects.filter(
        actor=team.patient,
        action=AccessEvent.Action.CREATE,
        what=f"journal entry {entry.pk} written",
    ).exists()


def test_entries_are_listed_newest_first(team, phone):
    write(phone, "First entry.")
    write(phone, "Second entry.")
    listing = page(phone.get(JOURNAL))
    assert listing.index("Second entry.") < listing.index("First entry.")


def test_an_entry_may_start_from_a_prompt_and_reflect_on_a_dosing_session(world, team, phone):
    session = Build(world)()
    prompt = JournalPrompt.objects.create(clinic=team.clinic, text="What stayed with you?")
    form = page(phone.get(f"{JOURNAL}?prompt={prompt.pk}"))
    assert "What stayed with you?" in form
    assert re.search(rf'value="{prompt.pk}"[^>]*checked', form)
    assert "Dosing session on" in form
    write(phone, "The music.", prompt=prompt.pk, dosing_session=session.pk)
    entry = only_entry(team)
    assert (entry.prompt, entry.prompt_text, entry.dosing_session) == (
        prompt,
        "What stayed with you?",
        session,
    )
    listing = page(phone.get(JOURNAL))
    assert "Prompt: What stayed with you?" in listing
    assert "About your dosing session on" in listing


def test_another_patients_dosing_session_is_refused_and_the_text_kept(world, team, phone):
    elsewhere = Build(world, clinic="two")()
    body = "Three paragraphs I do not want to lose.\n\nSecond.\n\nThird."
    response = write(phone, body, dosing_session=elsewhere.pk)
    text = page(response)
    assert "Choose one of your dosing sessions from the list." in text
    assert "Your entry is not saved yet." in text
    assert html.escape(body) in text
    assert not JournalEntry.objects.exists()


def test_a_prompt_withdrawn_while_the_patient_writes_keeps_their_text(team, phone):
    prompt = JournalPrompt.objects.create(clinic=team.clinic, text="What stayed with you?")
    JournalPrompt.objects.filter(pk=prompt.pk).update(active=False)
    text = page(write(phone, "Everything I typed.", prompt=prompt.pk))
    assert "Your clinic no longer offers that prompt" in text
    assert "Everything I typed." in text
    assert not JournalEntry.objects.exists()


def test_an_empty_entry_is_refused_beside_the_text_box(team, phone):
    text = page(write(phone, "  \n  "))
    assert "Write something before saving the entry." in text
    assert not JournalEntry.objects.exists()


def test_entry_text_is_stored_exactly_as_written(team, phone):
    body = "  Indented first line.\n\n\tA tab, and two blank lines above.  "
    write(phone, body)
    assert only_entry(team).body == body


# --- Sharing --------------------------------------------------------------------------------------


def test_patient_shares_then_unshares_an_entry(team, phone):
    write(phone, "For my therapist.")
    entry = only_entry(team)
    response = phone.post(entry_url(entry, "share-entry"), {"next": JOURNAL})
    assert response.status_code == 302
    assert response["Location"] == f"{JOURNAL}#entry-{entry.pk}"
    entry.refresh_from_db()
    assert entry.is_shared
    assert list(JournalEntry.objects.visible_to(team.therapist)) == [entry]
    assert "Shared with your care team" in page(phone.get(JOURNAL))

    phone.post(entry_url(entry, "unshare-entry"), {"next": JOURNAL})
    entry.refresh_from_db()
    assert not entry.is_shared
    assert not JournalEntry.objects.visible_to(team.therapist).exists()
    listing = page(phone.get(JOURNAL))
    assert "This entry is private again: only you can see it." in listing
    assert "Private — only you can see this" in listing
    changes = AccessEvent.objects.filter(action=AccessEvent.Action.CHANGE, actor=team.patient)
    assert {e.what for e in changes} == {
        f"journal entry {entry.pk} shared",
        f"journal entry {entry.pk} unshared",
    }


def test_an_entry_may_be_shared_as_it_is_written(team, phone):
    response = write(phone, "Please read this.", share="on")
    entry = only_entry(team)
    assert entry.is_shared
    assert "Saved and shared with your care team." in page(phone.get(response["Location"]))


def test_sharing_with_htmx_swaps_just_the_entry(team, phone):
    write(phone, "For my therapist.")
    entry = only_entry(team)
    response = phone.post(
        entry_url(entry, "share-entry"), {"next": JOURNAL}, headers={"HX-Request": "true"}
    )
    card = page(response)
    assert card.lstrip().startswith(f'<article class="card journal-entry" id="entry-{entry.pk}"')
    assert "<html" not in card
    assert "Shared with your care team" in card
    assert entry_url(entry, "unshare-entry") in card
    response = phone.post(
        entry_url(entry, "unshare-entry"), {"next": JOURNAL}, headers={"HX-Request": "true"}
    )
    assert "Private — only you can see this" in page(response)


def test_an_outside_next_address_is_ignored(team, phone):
    write(phone)
    entry = only_entry(team)
    response = phone.post(entry_url(entry, "share-entry"), {"next": "https://evil.example/"})
    assert response["Location"] == f"{JOURNAL}#entry-{entry.pk}"


# --- Risk wording ------------------------------------------------------------------------------


def test_risk_wording_in_a_private_entry_shows_crisis_resources_and_raises_no_flag(team, phone):
    response = write(phone, RISKY)
    entry = only_entry(team)
    assert response["Location"] == entry_url(entry)
    text = page(phone.get(response["Location"]))
    assert html.escape(team.clinic.crisis_resources) in text or "116 123" in text
    assert "You do not have to face this alone" in text
    assert "This entry is private, so your care team has not read it." in text
    assert "Your care team has been told" not in text
    assert not SafetyFlag.objects.exists()
    assert safety_alerts() == []
    assert not JournalEntry.objects.visible_to(team.therapist).exists()
    # The list points to the support beside the entry.
    assert f"{entry_url(entry)}#support" in page(phone.get(JOURNAL))


def test_risk_wording_in_a_shared_entry_flags_it_and_emails_the_prescriber(team, phone):
    response = write(phone, RISKY, share="on")
    entry = only_entry(team)
    assert response["Location"] == f"{entry_url(entry)}?support=told#support"
    text = page(phone.get(response["Location"]))
    assert "Your care team has been told and a clinician will contact you today." in text
    flag = SafetyFlag.objects.get(course=team.course)
    assert flag.is_open and flag.source == f"Shared journal entry {entry.pk}"
    alerts = safety_alerts()
    assert len(alerts) == 1
    assert alerts[0].to == [team.prescriber.email]
    assert "better off dead" not in alerts[0].body


def test_sharing_a_risky_private_entry_later_tells_the_care_team(team, phone):
    write(phone, RISKY)
    entry = only_entry(team)
    assert not SafetyFlag.objects.exists()
    response = phone.post(entry_url(entry, "share-entry"), {"next": JOURNAL})
    assert response["Location"] == f"{entry_url(entry)}?support=told#support"
    assert SafetyFlag.objects.filter(course=team.course).count() == 1
    assert len(safety_alerts()) == 1


def test_the_told_wording_needs_a_shared_entry(team, phone):
    write(phone, RISKY)
    entry = only_entry(team)
    text = page(phone.get(f"{entry_url(entry)}?support=told"))
    assert "Your care team has been told" not in text


# --- Escaping and length -----------------------------------------------------------------------


def test_script_like_text_is_stored_as_written_and_shown_escaped(team, phone):
    body = '<script>alert("x")</script><img src=x onerror=alert(1)> {{ 7|add:1 }} {% now "Y" %}'
    write(phone, body)
    entry = only_entry(team)
    assert entry.body == body
    for url in (JOURNAL, entry_url(entry)):
        text = page(phone.get(url))
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
        assert "{{ 7|add:1 }}" in text


def test_a_long_entry_is_stored_whole_and_shown_in_full_on_its_own_page(team, phone):
    lines = [f"Line {n}: I noticed the light through the window.\n" for n in range(400)]
    body = "".join(lines)[:JOURNAL_ENTRY]
    assert 19_000 < len(body) <= JOURNAL_ENTRY
    write(phone, body)
    entry = only_entry(team)
    assert entry.body == body
    listing = page(phone.get(JOURNAL))
    assert "Line 300" in body
    assert "Read the whole entry" in listing and "Line 300" not in listing
    full = page(phone.get(entry_url(entry)))
    assert html.escape(body) in full


# --- Who may reach what ------------------------------------------------------------------------


def test_another_patient_gets_404_for_every_entry_page(team, client):
    services.write_journal_entry(team.patient, team.course, "Mine alone.", share=True)
    entry = JournalEntry.objects.get()
    client.force_login(team.other_patient)
    assert client.get(entry_url(entry)).status_code == 404
    assert client.post(entry_url(entry, "share-entry")).status_code == 404
    assert client.post(entry_url(entry, "unshare-entry")).status_code == 404
    assert "Mine alone." not in page(client.get(JOURNAL))
    entry.refresh_from_db()
    assert entry.is_shared


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.PRESCRIBER, Role.CLINIC_ADMIN])
def test_staff_are_refused_the_patient_pages(world, team, staff_client, role):
    services.write_journal_entry(team.patient, team.course, "Shared.", share=True)
    entry = JournalEntry.objects.get()
    request = follow_up(team.course)
    client = staff_client(world.one.staff[role])
    for url in (
        JOURNAL,
        entry_url(entry),
        measure_url(request),
        measure_url(request, "measure-done"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(entry_url(entry, "unshare-entry")).status_code == 403
    assert client.post(JOURNAL, {"body": "Not mine."}).status_code == 403
    assert JournalEntry.objects.count() == 1 and JournalEntry.objects.get().is_shared


def test_anonymous_visitors_are_sent_to_sign_in(team, client):
    entry = services.write_journal_entry(team.patient, team.course, "Mine.").entry
    request = follow_up(team.course)
    for url in (JOURNAL, entry_url(entry), measure_url(request)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_journal_page_runs_the_same_queries_for_1_or_20_entries(world, team, phone):
    Build(world)()
    JournalPrompt.objects.create(clinic=team.clinic, text="What stayed with you?")
    services.write_journal_entry(team.patient, team.course, "One.", share=True)
    session = team.course.dosing_sessions.get()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert phone.get(JOURNAL).status_code == 200
        return len(captured)

    phone.get(JOURNAL)
    one = queries()
    for n in range(19):
        services.write_journal_entry(
            team.patient, team.course, f"Entry {n}.", dosing_session=session, share=n % 2 == 0
        )
    assert queries() == one
    assert one <= 14


# --- Follow-up questionnaires ------------------------------------------------------------------


def test_follow_up_questionnaires_are_tasks_on_the_home_page(in_integration, client):
    team = in_integration
    services.complete_course(team.course, team.therapist, reason="All sessions done.")
    end = MeasureRequest.objects.get(course=team.course, timepoint="end", instrument="phq9")
    client.force_login(team.patient)
    home = page(client.get(reverse("clinic:my-journey")))
    due = timezone.localtime(end.due_at, team.clinic.tz)
    assert "Questionnaire due: PHQ-9</a> (due <time" in home
    assert f">{due.day} {due:%b}</time>)" in home
    assert measure_url(end) in home
    assert "Questionnaire due: GAD-7" in home and "Questionnaire due: PCL-5" in home
    # The week-1, 4 and 12 questionnaires are not open yet, so not listed.
    assert home.count("Questionnaire due:") == 3
    assert "Write in your journal" in home and JOURNAL in home
    # Answered from the task, it leaves the list.
    client.post(measure_url(end), PHQ9_NONE)
    home = page(client.get(reverse("clinic:my-journey")))
    assert "Questionnaire due: PHQ-9" not in home and "Questionnaire due: GAD-7" in home


def test_pre_dose_questionnaires_are_left_to_the_check_in(in_treatment, client):
    team = in_treatment
    follow_up(team.course, purpose=QuestionnaireResponse.Purpose.CHECK_IN, timepoint="dose:1")
    client.force_login(team.patient)
    assert "Questionnaire due" not in page(client.get(reverse("clinic:my-journey")))


def test_the_journal_task_waits_for_treatment(team, phone):
    assert "Write in your journal" not in page(phone.get(reverse("clinic:my-journey")))


def test_an_overdue_questionnaire_says_so_in_words(in_integration, client):
    team = in_integration
    services.complete_course(team.course, team.therapist, reason="All sessions done.")
    request = follow_up(team.course, opens=-5, due=-1, timepoint="late")
    client.force_login(team.patient)
    home = page(client.get(reverse("clinic:my-journey")))
    assert '<span class="badge badge--warning">Overdue</span>' in home
    assert measure_url(request) in home


def test_patient_answers_a_follow_up_questionnaire(team, phone):
    request = follow_up(team.course)
    form = page(phone.get(measure_url(request)))
    assert "Patient Health Questionnaire-9" in form and "Send my answers" in form
    response = phone.post(measure_url(request), {**PHQ9_NONE, "q1": "2", "q2": "1"})
    assert response["Location"] == measure_url(request, "measure-done")
    done = page(phone.get(response["Location"]))
    assert "Thank you" in done and "You do not have to face this alone" not in done
    request.refresh_from_db()
    assert request.status == MeasureRequest.Status.COMPLETED
    assert (request.response.total, request.response.purpose) == (3, "follow_up")
    # Answered: the form now sends the patient to the thank-you page.
    assert phone.get(measure_url(request))["Location"] == measure_url(request, "measure-done")


def test_a_half_filled_questionnaire_keeps_every_answer_with_errors_beside_the_rest(team, phone):
    request = follow_up(team.course)
    text = page(phone.post(measure_url(request), {"q1": "2", "q2": "3", "q5": "1"}))
    assert "Your answers are not sent yet." in text
    for key, value in (("q1", 2), ("q2", 3), ("q5", 1)):
        assert re.search(rf'name="{key}" value="{value}"[^>]*checked', text), key
    for number in (3, 4, 6, 7, 8, 9):
        assert f">question {number}</a>" in text
    assert text.count("Please answer this question.") == 6
    request.refresh_from_db()
    assert request.status == MeasureRequest.Status.REQUESTED
    assert not QuestionnaireResponse.objects.exists()
    assert not SafetyFlag.objects.exists()


def test_leaving_a_half_filled_questionnaire_and_coming_back_restores_the_answers(team, phone):
    request = follow_up(team.course)
    phone.post(measure_url(request), {"q1": "2", "q2": "3"})
    text = page(phone.get(measure_url(request)))  # the next day, say
    for key, value in (("q1", 2), ("q2", 3)):
        assert re.search(rf'name="{key}" value="{value}"[^>]*checked', text), key
    assert not re.search(r'name="q3"[^>]*checked', text)
    phone.post(measure_url(request), {**PHQ9_NONE, "q1": "2", "q2": "3"})
    request.refresh_from_db()
    assert request.status == MeasureRequest.Status.COMPLETED and request.draft_answers == {}


def test_item_9_in_an_answered_phq9_shows_crisis_resources_and_flags(team, phone):
    request = follow_up(team.course)
    response = phone.post(measure_url(request), {**PHQ9_NONE, "q9": "1"})
    done = page(phone.get(response["Location"]))
    assert "You do not have to face this alone" in done
    assert "Your care team has been told" in done
    assert SafetyFlag.objects.get(course=team.course).source == "Follow-up PHQ-9"
    assert len(safety_alerts()) == 1


def test_item_9_in_a_half_filled_phq9_flags_at_once_and_keeps_the_answers(team, phone):
    request = follow_up(team.course)
    text = page(phone.post(measure_url(request), {"q1": "1", "q9": "2"}))
    assert "You do not have to face this alone" in text
    assert re.search(r'name="q9" value="2"[^>]*checked', text)
    assert SafetyFlag.objects.get(course=team.course).source == "Follow-up PHQ-9"
    assert len(safety_alerts()) == 1
    # Finishing later joins the same open flag rather than raising a second.
    phone.post(measure_url(request), {**PHQ9_NONE, "q1": "1", "q9": "2"})
    request.refresh_from_db()
    assert request.status == MeasureRequest.Status.COMPLETED
    assert SafetyFlag.objects.count() == 1


def test_a_closed_questionnaire_takes_no_answers(team, phone):
    request = follow_up(team.course, opens=-20, due=-15, expires=-1)
    text = page(phone.get(measure_url(request)))
    assert "This questionnaire is not open for answers now" in text
    assert "Send my answers" not in text
    page(phone.post(measure_url(request), PHQ9_NONE))
    assert not QuestionnaireResponse.objects.exists()


def test_another_patients_questionnaire_is_not_there(team, client):
    request = follow_up(team.course)
    client.force_login(team.other_patient)
    assert client.get(measure_url(request)).status_code == 404
    assert client.post(measure_url(request), PHQ9_NONE).status_code == 404
    assert client.get(measure_url(request, "measure-done")).status_code == 404
    assert not QuestionnaireResponse.objects.exists()


def test_the_home_page_runs_the_same_queries_for_1_or_5_questionnaires(in_integration, client):
    team = in_integration
    services.complete_course(team.course, team.therapist, reason="All sessions done.")
    MeasureRequest.objects.filter(course=team.course).exclude(instrument="phq9").delete()
    client.force_login(team.patient)
    client.get(reverse("clinic:my-journey"))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            home = page(client.get(reverse("clinic:my-journey")))
        return len(captured), home.count("Questionnaire due:")

    count, listed = queries()
    assert listed == 1
    for n in range(4):
        follow_up(team.course, "gad7", timepoint=f"extra:{n}")
    assert queries() == (count, 5)
