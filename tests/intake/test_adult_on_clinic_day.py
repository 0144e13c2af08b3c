"""Intake is for adults, counted on the clinic's day, and the rule is the service's, not only
the form's: a second tab, the shell or a script that calls `save_step` is refused too."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake import services
from kapclinic.demo.builder import intake_answers
from tests.clinic_day import move_to_another_day, years_before
from tests.step_pages import after_refusal

pytestmark = pytest.mark.django_db


def post_about(client, patient, born):
    data = {**intake_answers(patient)["about"], "date_of_birth": born.isoformat()}
    return client.post(reverse("intake:step", args=["about"]), data)


def test_the_eighteenth_birthday_is_the_clinics_day_not_the_servers(patient_client):
    client, patient, course = patient_client
    today = move_to_another_day(course.clinic)

    tomorrow_at_the_clinic = today + datetime.timedelta(days=1)
    refused = after_refusal(
        client, post_about(client, patient, years_before(tomorrow_at_the_clinic, 18))
    )
    assert "18 or over" in refused.content.decode()
    patient.refresh_from_db()
    assert patient.date_of_birth != years_before(tomorrow_at_the_clinic, 18)

    accepted = post_about(client, patient, years_before(today, 18))
    assert accepted.status_code == 302
    patient.refresh_from_db()
    assert patient.date_of_birth == years_before(today, 18)


def test_the_service_refuses_a_minor_beside_the_field_whatever_sent_it(patient_client):
    _, patient, course = patient_client
    born_before = patient.date_of_birth
    record = services.intake_record(course)
    cleaned = {**intake_answers(patient)["about"], "date_of_birth": datetime.date(2015, 1, 1)}
    with pytest.raises(ValidationError) as refusal:
        services.save_step(record, "about", cleaned, by=patient.user)
    assert refusal.value.message_dict == {
        "date_of_birth": ["This treatment is for adults aged 18 or over."]
    }
    record.refresh_from_db()
    patient.refresh_from_db()
    assert "about" not in record.completed_steps and patient.date_of_birth == born_before
