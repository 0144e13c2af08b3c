"""Integration notes, their addenda and journal entries are saved once per rendered form.

The same form sent again (double click, retry after a network error, a second tab) writes
nothing new and answers with what the first send saved: HTTP 409 with the saved entry shown,
or 200 for htmx. Sent at the same instant from several threads, PostgreSQL decides.
"""

import re
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from integration.models import IntegrationNote, JournalEntry, NoteAddendum
from tests.concurrency import post_at_once
from tests.conftest import CommittingClient
from tests.real_services import require_real_service

from .conftest import integration_appointment
from .test_clinician_pages import HTMX, NOTE_POST, note_url

KEY = re.compile(r'name="(?:[a-z]+-)?request_key" value="([0-9a-f-]{36})"')


def signed_note(team):
    """A signed note of clinic one's first course: addenda are added to it."""
    from integration import services

    appointment = integration_appointment(team.course)
    note = services.open_integration_note(appointment, team.therapist)
    data = {key.removeprefix("note-"): value for key, value in NOTE_POST.items()}
    services.record_integration_note(note, team.therapist, data)
    return services.sign_integration_note(note, team.therapist)


def note_case(team):
    appointment = integration_appointment(team.course)
    target = note_url(appointment)
    return target, target, NOTE_POST | {"intent": "sign"}, "note-", IntegrationNote


def addendum_case(team):
    note = signed_note(team)
    target = reverse("integration:add-note-addendum", args=[note.pk])
    page = note_url(note.appointment)
    return target, page, {"addendum-text": "Late entry: sister called."}, "addendum-", NoteAddendum


def journal_case(team):
    target = reverse("integration:journal")
    return target, target, {"body": "A calm week."}, "", JournalEntry


CASES = {"note": note_case, "addendum": addendum_case, "journal": journal_case}


def signed_in(team, kind):
    user = team.patient if kind == "journal" else team.therapist
    client = CommittingClient()
    client.force_login(user)
    return client


@pytest.fixture
def mfa(team, enrol_mfa):
    enrol_mfa(team.therapist)


def count(model, team):
    return model.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CASES)
def test_the_same_form_sent_twice_saves_once_and_answers_with_it(team, mfa, kind):
    target, page, data, prefix, model = CASES[kind](team)
    client = signed_in(team, kind)
    keys = KEY.findall(client.get(page).content.decode())
    assert keys, "the form carries a one-time key"
    data = data | {f"{prefix}request_key": keys[-1]}
    before = count(model, team)

    assert client.post(target, data).status_code == 302
    second = client.post(target, data)
    assert second.status_code == 409
    html = second.content.decode()
    assert "This form was already sent: its" in html and "Nothing new was saved." in html
    if kind != "journal":  # htmx does not swap a 409: 200 and the notice
        again = client.post(target, data, headers=HTMX)
        assert again.status_code == 200 and "Nothing new was saved." in again.content.decode()
    assert count(model, team) == before + 1
    if kind == "note":
        note = IntegrationNote.objects.get()
        assert note.is_signed and note.version == 1  # written once, signed once


THREADS = 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", CASES)
def test_the_same_form_sent_at_the_same_instant_saves_once(team, mfa, kind):
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    target, _page, data, prefix, model = CASES[kind](team)
    data = data | {f"{prefix}request_key": str(uuid.uuid4())}
    before = count(model, team)
    clients = [signed_in(team, kind) for _ in range(THREADS)]
    answers = post_at_once(clients, target, data)

    assert count(model, team) == before + 1
    codes = sorted(code for code, _ in answers)
    assert codes == [302] + [409] * (THREADS - 1), [a[0] for a in answers]
