"""The intake's first step as a patient meets it on a phone: phone numbers open the phone's
number pad, and labels read as written (no "Emergency contact: name:", no colon after a tick
box)."""

import re

import pytest
from django.urls import reverse

from intake.steps import STEPS
from tests.step_pages import after_refusal

pytestmark = pytest.mark.django_db


def about_page(patient_client):
    client, _, _ = patient_client
    return client.get(reverse("intake:step", args=["about"])).content.decode()


def test_phone_numbers_are_typed_on_the_phone_keypad(patient_client):
    page = about_page(patient_client)
    for name in ("phone", "emergency_contact_phone"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'type="tel"' in tag and 'autocomplete="tel"' in tag, tag


def test_no_label_ends_in_a_second_colon(patient_client):
    labels = re.findall(r"<label[^>]*>(.*?)</label>", about_page(patient_client), re.S)
    assert labels and not [label for label in labels if label.count(":") > 1]


def test_none_of_these_apply_is_a_tick_box_label_without_a_colon(medical_page):
    assert medical_page.count(">None of these apply to me</label>") == 4


def test_an_unanswered_question_is_named_in_plain_words_on_every_step(patient_client):
    """Not Django's "This field is required.": each step says what is missing, as the check-in
    does ("Please answer yes or no.", "Please enter your date of birth.")."""
    client, _, _ = patient_client
    generic = []
    for step in STEPS:
        if step.form_class is None or step.template:
            continue
        refused = client.post(reverse("intake:step", args=[step.key]), {})
        page = after_refusal(client, refused).content.decode()
        assert "Please check the answers marked below." in page, step.key
        if "This field is required." in page:
            generic.append(step.key)
    assert generic == []
