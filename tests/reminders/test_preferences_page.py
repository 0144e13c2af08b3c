"""The patient's reminder choices as the patient meets them (walk of 7 Dec 2026,
docs/walks/2026-12-07-patient-on-a-phone.md): reachable from home, a way back, and a refusal
beside the time it is about, in words, never a database constraint's name."""

import pytest
from django.urls import reverse

from kapclinic.reminders.forms import ReminderPreferenceForm
from kapclinic.reminders.models import ReminderPreference

pytestmark = pytest.mark.django_db


def test_half_given_quiet_hours_are_refused_beside_the_missing_time(world):
    preference = ReminderPreference(patient=world.one.patients[0])
    form = ReminderPreferenceForm({"quiet_start": "22:00"}, instance=preference)
    assert not form.is_valid()
    assert form.errors == {"quiet_end": ["Give both ends of the quiet hours, or neither."]}


def test_quiet_hours_starting_as_they_end_are_refused_beside_the_end(world):
    preference = ReminderPreference(patient=world.one.patients[0])
    form = ReminderPreferenceForm(
        {"quiet_start": "22:00", "quiet_end": "22:00"}, instance=preference
    )
    assert not form.is_valid()
    assert form.errors == {"quiet_end": ["Quiet hours must start and end at different times."]}


def test_the_page_never_shows_a_constraint_name(world, client):
    client.force_login(world.one.patients[0].user)
    response = client.post(reverse("reminders:preferences"), {"quiet_end": "07:00"})
    body = response.content.decode()
    assert response.status_code == 200 and "Give both ends" in body
    assert "Constraint" not in body and "both_or_neither" not in body


def test_home_leads_to_the_reminder_choices_and_they_lead_back(world, client):
    client.force_login(world.one.patients[0].user)
    home = client.get(reverse("clinic:my-journey")).content.decode()
    assert reverse("reminders:preferences") in home
    page = client.get(reverse("reminders:preferences")).content.decode()
    assert reverse("clinic:my-journey") in page


def test_the_quiet_hours_say_they_are_in_clinic_time_beside_the_field(world, client):
    """Their help text was announced by id (aria-describedby) but never on the page."""
    client.force_login(world.one.patients[0].user)
    page = client.get(reverse("reminders:preferences")).content.decode()
    assert 'id="id_quiet_start_helptext"' in page and 'id="id_quiet_end_helptext"' in page
