"""History of integration notes, and none of the patient's private journal."""

import pytest
from django.apps import apps

from integration.models import IntegrationNote, JournalEntry
from kapclinic.clinic.models import Role
from kapclinic.clinic.records import SignedRecordError

from .conftest import integration_appointment
from .test_clinician_pages import NOTE_POST, note_url

pytestmark = pytest.mark.django_db


def test_editing_a_draft_note_records_the_therapist_and_before_after(team, staff_client):
    appointment = integration_appointment(team.course)
    client = staff_client(team.course.clinic.providers.get(role=Role.THERAPIST))
    draft = NOTE_POST | {"intent": "save"}
    assert client.post(note_url(appointment), draft).status_code == 302
    edited = draft | {"note-affect": "Flat at first, brighter by the end."}
    assert client.post(note_url(appointment), edited).status_code == 302

    note = IntegrationNote.objects.get(appointment=appointment)
    latest = note.history.latest()
    assert latest.history_user == team.therapist
    delta = latest.diff_against(latest.prev_record)
    assert set(delta.changed_fields) - {"updated_at"} == {"affect"}
    change = next(c for c in delta.changes if c.field == "affect")
    assert (change.old, change.new) == (NOTE_POST["note-affect"], edited["note-affect"])

    assert client.post(note_url(appointment), edited | {"intent": "sign"}).status_code == 302
    signing = note.history.latest()
    assert signing.status == "signed" and signing.prev_record.status == "draft"
    assert signing.history_user == team.therapist

    rows = note.history.count()
    note.refresh_from_db()
    note.affect = "Rewritten after signing."
    with pytest.raises(SignedRecordError):
        note.save()
    assert note.history.count() == rows


def test_private_journal_entries_keep_no_history_copy():
    """A second copy of a patient's private writing would be readable by staff: none is kept."""
    assert not hasattr(JournalEntry, "history")
    historical = {m.__name__ for m in apps.get_models() if m.__name__.startswith("Historical")}
    assert "HistoricalJournalEntry" not in historical
    assert "HistoricalIntegrationNote" in historical
