"""Integration notes: the database refuses changes once signed, the content hash shows the
note is as signed, and two people editing one draft never overwrite each other."""

import pytest
from django.db import connection
from django.urls import reverse

from integration import services
from integration.models import IntegrationNote
from kapclinic.clinic.models import Role
from kapclinic.clinic.records import RecordKeptError, SignedRecordError
from tests.samples import COMPLETE_NOTE
from tests.sessions.test_signed_triggers import refused, rowcount

from .conftest import integration_appointment

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def note(team):
    return services.open_integration_note(integration_appointment(team.course), team.therapist)


def test_a_signed_integration_note_and_its_addenda_refuse_change_in_sql(team, note):
    sql = "UPDATE integration_integrationnote SET affect = %s WHERE id = %s"
    assert rowcount(sql, ["Settled.", note.pk]) == 1  # a draft may change
    services.record_integration_note(note, team.therapist, COMPLETE_NOTE)
    services.sign_integration_note(note, team.therapist)
    assert refused(sql, ["Rewritten.", note.pk])
    assert refused("DELETE FROM integration_integrationnote WHERE id = %s", [note.pk])
    addendum = services.add_note_addendum(note, team.therapist, "Late entry.")
    assert refused("UPDATE integration_noteaddendum SET text = 'x' WHERE id = %s", [addendum.pk])
    assert refused("DELETE FROM integration_noteaddendum WHERE id = %s", [addendum.pk])


def test_a_draft_note_is_never_deleted(note):
    with pytest.raises(RecordKeptError):
        note.delete()
    with pytest.raises(RecordKeptError):
        IntegrationNote.objects.filter(pk=note.pk).delete()
    assert IntegrationNote.objects.filter(pk=note.pk).exists()


def test_signing_stores_a_content_hash_that_verifies(team, note):
    assert note.verify_content_hash() is None  # a draft has no hash yet
    services.record_integration_note(note, team.therapist, COMPLETE_NOTE)
    signed = services.sign_integration_note(note, team.therapist)
    assert len(signed.content_hash) == 64
    assert IntegrationNote.objects.get(pk=note.pk).content_hash == signed.content_hash
    assert signed.verify_content_hash() is True


def test_a_change_behind_the_trigger_is_detected_by_the_hash(team, note):
    services.record_integration_note(note, team.therapist, COMPLETE_NOTE)
    services.sign_integration_note(note, team.therapist)
    sql = "UPDATE integration_integrationnote SET suicide_risk_check = 'concerns' WHERE id = %s"
    assert refused(sql, [note.pk])
    with connection.cursor() as cursor:
        # As a database superuser could: switch triggers off for the session, rewrite.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, [note.pk])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    assert note.verify_content_hash() is False


def test_the_signed_note_page_shows_its_content_hash(team, note, staff_client):
    services.record_integration_note(note, team.therapist, COMPLETE_NOTE)
    signed = services.sign_integration_note(note, team.therapist)
    client = staff_client(team.course.clinic.providers.get(role=Role.THERAPIST))
    page = client.get(reverse("integration:note", args=[note.appointment_id])).content.decode()
    assert signed.content_hash in page


# --- Two people, one draft: optimistic locking --------------------------------------------


def note_post(version, **fields):
    data = {f"note-{key}": value for key, value in fields.items()}
    data["note-version"] = str(version)
    data["intent"] = "save"
    return data


def test_a_stale_save_is_a_409_conflict_that_keeps_both_texts(
    team, client, second_client, enrol_mfa
):
    appointment = integration_appointment(team.course)
    url = reverse("integration:note", args=[appointment.pk])
    for browser, user in ((client, team.therapist), (second_client, team.prescriber)):
        enrol_mfa(user)
        browser.force_login(user)
    # Both open the empty note, so both forms carry version 0.
    for browser in (client, second_client):
        assert 'name="note-version" value="0"' in browser.get(url).content.decode()

    first = client.post(url, note_post(0, affect="Tearful, then settled."))
    assert first.status_code == 302
    note = IntegrationNote.objects.get(appointment=appointment)
    assert note.version == 1

    stale = second_client.post(url, note_post(0, affect="Flat; brighter at the end."))
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "the note changed while you were editing" in page
    assert "Tearful, then settled." in page  # what is saved now
    assert "Flat; brighter at the end." in page  # what this editor typed, not lost
    # Nothing was overwritten.
    note.refresh_from_db()
    assert note.affect == "Tearful, then settled." and note.version == 1
    # The way on: the form keeps their text, now based on the saved version.
    assert 'name="note-version" value="1"' in page
    assert 'id="id_note-affect"' in page and "Flat; brighter at the end.</textarea>" in page

    merged = second_client.post(url, note_post(1, affect="Tearful, then settled; flat later."))
    assert merged.status_code == 302
    note.refresh_from_db()
    assert note.affect == "Tearful, then settled; flat later." and note.version == 2


def test_the_conflict_page_swaps_in_with_htmx(team, client, second_client, enrol_mfa):
    note = services.open_integration_note(integration_appointment(team.course), team.therapist)
    services.record_integration_note(note, team.therapist, {"affect": "Calm."}, version=0)
    enrol_mfa(team.prescriber)
    second_client.force_login(team.prescriber)
    url = reverse("integration:note", args=[note.appointment_id])
    response = second_client.post(url, note_post(0, affect="Anxious."), headers=HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="note-screen"')
    assert "Anxious." in html and "Calm." in html


def test_the_service_refuses_a_stale_version(team, note):
    services.record_integration_note(note, team.therapist, {"affect": "A"}, version=0)
    with pytest.raises(services.EditConflict) as conflict:
        services.record_integration_note(note, team.prescriber, {"affect": "B"}, version=0)
    assert conflict.value.note.affect == "A"
    services.record_integration_note(note, team.prescriber, {"affect": "B"}, version=1)
    assert IntegrationNote.objects.get(pk=note.pk).affect == "B"


def test_a_signed_note_still_refuses_a_save_whatever_the_version(team, note):
    services.record_integration_note(note, team.therapist, COMPLETE_NOTE)
    services.sign_integration_note(note, team.therapist)
    with pytest.raises(SignedRecordError):
        services.record_integration_note(note, team.therapist, {"affect": "x"}, version=2)


def test_a_refused_signature_leaves_the_form_on_the_saved_version(team, client, enrol_mfa):
    appointment = integration_appointment(team.course)
    url = reverse("integration:note", args=[appointment.pk])
    enrol_mfa(team.therapist)
    client.force_login(team.therapist)
    data = note_post(0, affect="Settled.") | {"intent": "sign"}
    page = client.post(url, data).content.decode()
    assert "Draft saved. Not signed" in page
    assert 'name="note-version" value="1"' in page  # so saving again is no false conflict
    assert client.post(url, note_post(1, affect="Settled, smiling.")).status_code == 302
