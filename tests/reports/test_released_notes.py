"""A patient's clinicians' notes, released to them in the app (HIPAA 164.524, GDPR article 15).

The patient asks for their notes; the clinician who answers "done" may release them in the app
instead of sending them by post or email. The patient then downloads a PDF of the notes signed
by the time of the answer: the assessment decision, the dosing sessions' observations and
addenda, the re-evaluations, and the integration notes with theirs. Drafts and notes signed
later are not in it; a clinician withholds by declining, in words the patient reads.
"""

from dataclasses import replace
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic import record_requests
from kapclinic.clinic.models import RecordRequest, Role
from kapclinic.demo.builder import Team, dosing_session, integration_session, start_course
from kapclinic.demo.builder.course import TEXTS

from .access import downloaded_pdf
from .once import built_once
from .pdf import pdf_text, squeezed

pytestmark = pytest.mark.django_db

NOTES, CORRECTION = RecordRequest.Kind.NOTES, RecordRequest.Kind.CORRECTION
DONE, DECLINED = RecordRequest.Outcome.DONE, RecordRequest.Outcome.DECLINED
HOSTILE = "<script>alert('x')</script> & <b>bold</b>"
RELEASED = "Your notes are released here, in the app."


@pytest.fixture(scope="module")
def recorded(django_db_setup, django_db_blocker):
    """Clinic one's first patient: a signed dosing session followed by a signed integration
    note (hostile text in the observation), an unsigned draft note; another patient."""
    with built_once(django_db_blocker) as world:
        team = Team.of(world.one, texts={"support_notes": HOSTILE, "themes": "Signed themes."})
        start_course(team)
        session = dosing_session(team, _days_ago(30))
        integration_session(team, session)
        draft = replace(team, texts={**team.texts, "themes": "DRAFT NOT SIGNED"})
        integration_session(draft, dosing_session(team, _days_ago(23)), sign=False)
        other = Team.of(world.one, 1, texts={"themes": "OTHER PATIENT NOTE"})
        start_course(other, baseline_phq9=None)
        integration_session(other, dosing_session(other, _days_ago(29)))
        yield SimpleNamespace(world=world, team=team, other=other)


def _days_ago(days):
    start = timezone.now() - timezone.timedelta(days=days)
    return start.replace(hour=9, minute=30, second=0, microsecond=0)


def released(team, by=None):
    """The patient asks for their notes and a clinician releases them in the app."""
    asked = record_requests.ask(team.patient, NOTES)
    return record_requests.answer(asked, by or team.therapist, DONE, RELEASED, release_notes=True)


def pdf_url(request):
    return reverse("reports:my-notes-pdf", args=[request.pk])


def test_the_clinician_releases_the_notes_and_the_patient_downloads_them(
    recorded, client, enrol_mfa
):
    team = recorded.team
    asked = record_requests.ask(team.patient, NOTES)
    enrol_mfa(team.therapist)
    client.force_login(team.therapist)
    page = client.get(reverse("clinic:record-request", args=[asked.pk])).text
    assert 'name="release_notes"' in page
    answered = client.post(
        reverse("clinic:record-request", args=[asked.pk]),
        {"outcome": DONE, "answer": RELEASED, "release_notes": "on"},
    )
    assert answered.status_code == 302
    client.force_login(team.patient)
    mine = client.get(reverse("reports:my-record")).text
    assert f'href="{pdf_url(asked)}"' in mine
    response = client.get(pdf_url(asked))
    text = squeezed(pdf_text(downloaded_pdf(response, f"clinical-notes-{asked.pk}.pdf")))
    for expected in (
        "Signed themes.",
        TEXTS["addendum_note"],
        TEXTS["addendum"],
        TEXTS["dissociation_notes"],
        "She described the session as spacious and kind.",
        "Suitable.",
    ):
        assert squeezed(expected) in text, expected
    # Free text is printed as text, never read as markup.
    assert squeezed(HOSTILE) in text
    assert "DRAFTNOTSIGNED" not in text and "OTHERPATIENTNOTE" not in text
    assert AccessEvent.objects.filter(
        actor=team.patient,
        patient=team.course.patient,
        action=AccessEvent.Action.EXPORT,
        what__startswith="clinicians' notes",
    ).exists()


def test_a_note_signed_after_the_release_is_not_in_it(recorded, client):
    team = recorded.team
    request = released(team)
    integration_session(team, dosing_session(team, _days_ago(9)))
    client.force_login(team.patient)
    text = squeezed(
        pdf_text(downloaded_pdf(client.get(pdf_url(request)), f"clinical-notes-{request.pk}.pdf"))
    )
    assert text.count(squeezed("She described the session as spacious and kind.")) == 1


def test_only_a_notes_request_answered_done_releases_notes(recorded):
    team = recorded.team
    asked = record_requests.ask(team.patient, NOTES)
    with pytest.raises(ValidationError) as refused:
        record_requests.answer(asked, team.therapist, DECLINED, "Not now.", release_notes=True)
    assert "release_notes" in refused.value.message_dict
    correction = record_requests.ask(team.patient, CORRECTION, "Wrong phone.")
    with pytest.raises(ValidationError) as refused:
        record_requests.answer(correction, team.therapist, DONE, "Fixed.", release_notes=True)
    assert "release_notes" in refused.value.message_dict
    assert not RecordRequest.objects.filter(notes_released=True).exists()


def test_only_the_patient_whose_request_it_is_downloads_the_notes(recorded, client, enrol_mfa):
    team, other = recorded.team, recorded.other
    request = released(team)
    withheld = record_requests.answer(
        record_requests.ask(other.patient, NOTES),
        other.therapist,
        DONE,
        "Sent by post.",
    )
    client.force_login(other.patient)
    assert client.get(pdf_url(request)).status_code == 404  # another patient's
    assert client.get(pdf_url(withheld)).status_code == 404  # answered, not released
    staff = recorded.world.one.staff[Role.PRESCRIBER].user
    enrol_mfa(staff)
    client.force_login(staff)
    assert client.get(pdf_url(request)).status_code == 403
    client.logout()
    assert client.get(pdf_url(request))["Location"].startswith(reverse("account_login"))
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_the_notes_read_in_the_same_queries_however_many_sessions(recorded, client):
    team = recorded.team
    client.force_login(team.patient)
    first = released(team)
    client.get(pdf_url(first))  # warm
    with CaptureQueriesContext(connection) as one:
        client.get(pdf_url(first))
    for days in (16, 9):
        integration_session(team, dosing_session(team, _days_ago(days)))
    again = released(team, by=team.prescriber)
    with CaptureQueriesContext(connection) as three:
        client.get(pdf_url(again))
    assert len(three) == len(one)
