"""Free text has a limit that suits each field, with a counter and a plain message."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integration import services
from integration.models import IntegrationError, IntegrationNote, JournalEntry
from kapclinic.clinic.text_limits import JOURNAL_ENTRY, NOTE_SECTION

pytestmark = pytest.mark.django_db


def test_the_journal_service_refuses_an_entry_over_its_limit(team):
    with pytest.raises(IntegrationError, match="up to 20,000 characters"):
        services.write_journal_entry(team.patient, team.course, "x" * (JOURNAL_ENTRY + 1))
    assert not JournalEntry.objects.exists()
    services.write_journal_entry(team.patient, team.course, "x" * JOURNAL_ENTRY)
    assert JournalEntry.objects.count() == 1


def test_a_60000_character_entry_is_refused_beside_the_field(team, client):
    client.force_login(team.patient)
    response = client.post(reverse("integration:journal"), {"body": "y" * 60_000})
    assert response.status_code == 200
    errors = response.context["form"].errors["body"]
    assert "up to 20,000 characters; it has 60000" in errors[0]
    assert not JournalEntry.objects.exists()


def test_the_journal_page_draws_the_limit_and_loads_the_counter(team, client):
    client.force_login(team.patient)
    body = client.get(reverse("integration:journal")).content.decode()
    assert f'maxlength="{JOURNAL_ENTRY}"' in body
    assert "js/text-counter.js" in body


def test_a_note_section_over_its_limit_fails_model_validation():
    note = IntegrationNote(themes_insights="z" * (NOTE_SECTION + 1))
    with pytest.raises(ValidationError) as refused:
        note.full_clean(exclude=["appointment", "course", "dosing_session", "written_by"])
    assert "up to 10,000 characters" in refused.value.message_dict["themes_insights"][0]
