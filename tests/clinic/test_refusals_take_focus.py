"""A patient's form that refuses comes back with its summary of what to fix focused (GOV.UK's
error summary, templates/clinic/_error_summary.html): a phone scrolls to it and a screen reader
reads it, wherever the form sits on the page (walk of 7 Dec 2026)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(
    r'<div class="alert alert--danger error-summary" role="alert" id="problem"'
    r' tabindex="-1" autofocus>'
)

REFUSED = {
    "journal": ("integration:journal", {"body": "   "}),
    "reminder choices": ("reminders:preferences", {"quiet_start": "22:00"}),
    "notes request": ("reports:my-record", {"details": "All of them, please."}),
}


@pytest.mark.parametrize("page", REFUSED)
def test_a_refused_patient_form_focuses_its_summary(world, client, page):
    name, data = REFUSED[page]
    client.force_login(world.one.courses[0].patient.user)
    body = client.post(reverse(name), data).content.decode()
    assert SUMMARY.search(body), body[:3000]
