"""Answers read back: the patient's check page in the form's own order, without the follow-ups
their answers did not call for; the prescriber's review under clinical labels."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake.step_forms import MedicalHistoryForm
from intake.steps import STEPS
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import YES, intake_answers, publish_consent

from .helpers import fill_intake, submitted_course

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


def test_review_shows_clinical_labels_and_only_the_follow_ups_asked(world, client, staff_client):
    publish_consent(world.one.clinic)
    course = submitted_course(
        world,
        client,
        overrides={
            "medical": {
                "seizures": YES,
                "high_blood_pressure": YES,
                "blood_pressure_controlled": YES,
            }
        },
    )
    prescriber = staff_client(world.one.staff[Role.PRESCRIBER])
    page = prescriber.get(reverse("intake:review", args=[course.pk]))
    answers = review_answers(page.content.decode())
    assert "<dt>Seizure disorder</dt><dd>Yes</dd>" in answers
    assert "<dt>Goals of treatment</dt><dd>Feel less weighed down.</dd>" in answers
    assert "Medical history" in answers and "Your goals" not in answers
    labels = labels_in(answers)
    assert not [text for text in labels if ADDRESSES_THE_PATIENT.search(text)], labels
    # The blood-pressure follow-up was asked: right after its question. The heart one was not.
    hypertension = labels.index("Hypertension")
    assert labels[hypertension + 1] == "Hypertension controlled (usually below 140/90)"
    assert not [text for text in labels if "6 months" in text]
    with CaptureQueriesContext(connection) as reading:  # the labels cost the page no query
        prescriber.get(reverse("intake:review", args=[course.pk]))
    assert len(reading.captured_queries) == 10


def test_every_question_a_clinician_reads_has_a_clinical_label_and_title():
    for step in STEPS:
        if step.form_class is None or step.is_questionnaire or step.consent:
            continue
        labels = getattr(step.form_class, "clinical_labels", {})
        assert set(labels) == set(step.form_class.base_fields), step.key
        for text in (step.clinical_title, *labels.values()):
            assert text and not ADDRESSES_THE_PATIENT.search(text), (step.key, text)
