"""Answers read back: the patient's check page in the form's own order, without the follow-ups
their answers did not call for; the prescriber's review under clinical labels."""

import html
import re

import pytest
from django.urls import reverse

from intake.step_forms import MedicalHistoryForm
from kapclinic.demo.builder import YES, intake_answers

from .helpers import fill_intake

pytestmark = pytest.mark.django_db

FOLLOW_UPS = ("blood_pressure_controlled", "heart_or_stroke_recent_6_months")
ADDRESSES_THE_PATIENT = re.compile(r"\b(you|your|yours)\b|^(if yes|do|have|are|is)\b", re.I)


def labels_in(section_html):
    return [html.unescape(label) for label in re.findall(r"<dt>(.*?)</dt>", section_html)]


def check_page_section(client, step):
    page = client.get(reverse("intake:check")).content.decode()
    found = re.search(rf'aria-labelledby="h-{step}">(.*?)</section>', page, re.S)
    return found.group(1)


def review_answers(page):
    """The review page's "Every answer" section."""
    return re.search(r'id="answers-h">(.*?)</section>', page, re.S).group(1)


def label(name):
    return str(MedicalHistoryForm.base_fields[name].label)


def form_order(client):
    """The physical-health questions in the order the step's page draws them."""
    page = client.get(reverse("intake:step", args=["medical"])).content.decode()
    return sorted(MedicalHistoryForm.base_fields, key=lambda name: page.index(f'name="{name}"'))


def test_check_page_lists_physical_health_in_the_order_the_form_asks_it(patient_client):
    client, patient, _ = patient_client
    # Every follow-up called for, so every question of the step is listed.
    both_yes = {"high_blood_pressure": YES, "blood_pressure_controlled": YES}
    both_yes |= {"heart_or_stroke_history": YES, "heart_or_stroke_recent_6_months": YES}
    fill_intake(client, patient, overrides={"medical": both_yes})
    asked = form_order(client)
    assert labels_in(check_page_section(client, "medical")) == [label(n) for n in asked]


def test_check_page_leaves_out_follow_ups_not_asked_after_none_of_these_apply(patient_client):
    client, patient, _ = patient_client
    medical = {"allergies": "", "other_conditions": ""}
    medical |= {f"none_{group.key}": "on" for group in MedicalHistoryForm.groups}
    substance = {**intake_answers(patient)["substance"], "prior_ketamine_use": "never"}
    assert client.post(reverse("intake:step", args=["medical"]), medical).status_code == 302
    assert client.post(reverse("intake:step", args=["substance"]), substance).status_code == 302
    listed = labels_in(check_page_section(client, "medical"))
    assert listed == [label(n) for n in form_order(client) if n not in FOLLOW_UPS]
    shown = check_page_section(client, "substance")
    assert "If yes" not in shown and "—" not in shown
