"""The intake wizard's scene: clinic one's first patient, signed in, with their intake started
and a consent published."""

import pytest
from django.urls import reverse

from kapclinic.demo.builder import publish_consent


@pytest.fixture
def patient_client(world, client):
    patient, course = world.one.patients[0], world.one.courses[0]
    course.start_intake(patient.user)
    publish_consent(world.one.clinic)
    client.force_login(patient.user)
    return client, patient, course


@pytest.fixture
def medical_page(patient_client):
    """The physical-health step as the patient first sees it."""
    client, _, _ = patient_client
    return client.get(reverse("intake:step", args=["medical"])).content.decode()
