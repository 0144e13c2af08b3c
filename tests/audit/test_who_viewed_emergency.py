"""Emergency access by another clinic's clinician, said plainly on "Who viewed my record"."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import EmergencyAccess, Role
from tests.reminders.conftest import run_scan

pytestmark = pytest.mark.django_db

URL = reverse("audit:who-viewed")


def test_another_clinics_emergency_access_is_said_plainly(
    world, client, settings, django_capture_on_commit_callbacks
):
    settings.KAP_EMERGENCY_ACCESS_MINUTES = 30
    patient = world.one.patients[0]
    outsider = world.two.staff[Role.PRESCRIBER]
    with django_capture_on_commit_callbacks(execute=True):
        access = EmergencyAccess.open(user=outsider.user, patient=patient, reason="Seen in A&E")
    AccessEvent.record(
        actor=outsider.user,
        action=AccessEvent.Action.VIEW,
        what="patient chart",
        patient_id=patient.pk,
    )
    run_scan(timezone.now())  # the worker sends the notice's row
    assert mail.outbox, "the clinic admins are told"
    access.refresh_from_db()
    assert access.clinic_told_at is not None

    client.force_login(patient.user)
    response = client.get(URL)
    accesses = response.context["accesses"]
    grant, view = accesses[1], accesses[0]

    assert grant.other_clinic == world.two.clinic.name
    assert grant.did != "Added to your record"
    assert "in an emergency" in grant.did
    assert "30 minutes" in grant.did
    assert view.other_clinic == world.two.clinic.name
    assert "emergency access" in view.did

    page = response.content.decode()
    assert f"from {world.two.clinic.name}" in page
    assert f"{world.one.clinic.name} was told" in page
    assert "Emergency access" in page


def test_own_clinic_staff_read_as_before(world, client):
    patient = world.one.patients[0]
    therapist = world.one.staff[Role.THERAPIST]
    AccessEvent.record(
        actor=therapist.user,
        action=AccessEvent.Action.VIEW,
        what="patient chart",
        patient_id=patient.pk,
    )
    client.force_login(patient.user)
    (access,) = client.get(URL).context["accesses"]
    assert access.other_clinic == ""
    assert access.did == "Viewed your chart"
