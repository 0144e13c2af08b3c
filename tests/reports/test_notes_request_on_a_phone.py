"""Asking for notes or a correction at the foot of a long page (walk of 7 Dec 2026,
docs/walks/2026-12-07-patient-on-a-phone.md): a refusal the patient sees where they were, in
words that say what to do."""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import RecordRequest
from tests.clinic.test_refusals_take_focus import SUMMARY

pytestmark = pytest.mark.django_db


def test_a_request_without_its_kind_says_what_to_choose_and_returns_to_the_form(world, client):
    patient = world.one.patients[0]
    client.force_login(patient.user)
    url = reverse("reports:my-record")
    response = client.post(url, {"details": "All of them, please."})
    body = response.content.decode()
    assert response.status_code == 422
    assert "Choose what you are asking for" in body and "This field is required" not in body
    # The summary above the form takes focus, so the page opens there, not at the top (a
    # fragment in the form's action would stop the browser from focusing it).
    assert SUMMARY.search(body) and 'action="#ask"' not in body
    assert "All of them, please." in body  # typing kept
    assert not RecordRequest.objects.filter(patient=patient).exists()
