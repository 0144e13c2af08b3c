"""Break-glass: a clinician of another clinic reads a patient's chart in an emergency.

Time-boxed, needs a reason, read-only, tells the patient's clinic admins, audit-logged.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import EmergencyAccess, Role, SafetyFlag
from tests.reminders.conftest import run_scan

pytestmark = pytest.mark.django_db

REASON = "Patient brought to our clinic confused after a fall; need current medication."
REQUEST_URL = reverse("clinic:emergency-access")


def chart_url(patient):
    return reverse("clinic:patient-chart", args=[patient.pk])


@pytest.fixture
def outsider(world, staff_client):
    """A prescriber of clinic 2 and the clinic 1 patient they cannot normally see."""
    return staff_client(world.two.staff[Role.PRESCRIBER]), world.one.patients[0]


def break_glass(client, patient, reason=REASON):
    return client.post(REQUEST_URL, {"patient_number": patient.pk, "reason": reason})


def test_another_clinics_patient_is_hidden_until_the_glass_is_broken(world, outsider):
    client, patient = outsider
    assert client.get(chart_url(patient)).status_code == 404
    response = break_glass(client, patient)
    assert response.status_code == 302
    assert response["Location"] == chart_url(patient)
    page = client.get(chart_url(patient))
    assert page.status_code == 200
    body = page.content.decode()
    assert patient.legal_name in body
    assert "Emergency access: read-only until" in body
    assert "data-emergency-access" in body


def test_reason_is_mandatory_and_long_enough_with_a_clear_error(outsider, settings):
    client, patient = outsider
    for reason in ("", "urgent", " " * 40, "x " * 9):
        response = break_glass(client, patient, reason)
        assert response.status_code == 200
        form = response.context["form"]
        assert "reason" in form.errors, reason
    assert "at least 20 characters" in str(form.errors["reason"])
    assert not EmergencyAccess.objects.exists()
    assert client.get(chart_url(patient)).status_code == 404


def test_unknown_or_own_clinic_patient_number_gives_a_field_error(world, staff_client):
    client = staff_client(world.two.staff[Role.THERAPIST])
    unknown = client.post(REQUEST_URL, {"patient_number": 999999, "reason": REASON})
    assert "No patient has this number" in str(unknown.context["form"].errors["patient_number"])
    own = break_glass(client, world.two.patients[0])
    assert "in your clinic" in str(own.context["form"].errors["patient_number"])
    assert not EmergencyAccess.objects.exists()


def test_access_window_defaults_to_sixty_minutes_and_is_configurable(outsider, settings):
    client, patient = outsider
    break_glass(client, patient)
    access = EmergencyAccess.objects.get()
    assert access.expires_at - access.granted_at == datetime.timedelta(minutes=60)
    settings.KAP_EMERGENCY_ACCESS_MINUTES = 15
    break_glass(client, patient)
    latest = EmergencyAccess.objects.order_by("-pk").first()
    assert latest.expires_at - latest.granted_at == datetime.timedelta(minutes=15)


def test_access_expires_by_itself(outsider):
    client, patient = outsider
    break_glass(client, patient)
    access = EmergencyAccess.objects.get()
    EmergencyAccess.objects.filter(pk=access.pk).update(
        granted_at=timezone.now() - datetime.timedelta(minutes=61),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert client.get(chart_url(patient)).status_code == 404


def test_access_is_read_only_and_opens_nothing_but_the_chart(world, outsider):
    client, patient = outsider
    course = world.one.courses[0]
    flag, _ = SafetyFlag.raise_for(course, source="Intake PHQ-9", reason="item 9", by=None)
    break_glass(client, patient)
    body = client.get(chart_url(patient)).content.decode()
    assert reverse("intake:resend-invitation", args=[course.pk]) not in body
    assert reverse("reports:fhir-export", args=[patient.pk]) not in body
    # Writes and every other page of the patient still answer "not there".
    resolve = client.post(
        reverse("clinic:resolve-flag", args=[flag.pk]), {"action_taken": "Called the patient."}
    )
    assert resolve.status_code == 404
    flag.refresh_from_db()
    assert flag.is_open
    for url in (
        reverse("reports:fhir-export", args=[patient.pk]),
        reverse("reports:course-summary", args=[course.pk]),
        reverse("intake:review", args=[course.pk]),
        reverse("integration:outcomes", args=[course.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("dosing:book-session", args=[course.pk]), {}).status_code == 404


def test_clinic_admins_are_emailed_without_clinical_detail(world, outsider):
    """By the worker, from the notice's row (tests/clinic/test_emergency_access_outage.py)."""
    client, patient = outsider
    break_glass(client, patient)
    run_scan(timezone.now())
    [message] = mail.outbox
    assert message.to == [world.one.staff[Role.CLINIC_ADMIN].user.email]
    body = message.subject + message.body + message.alternatives[0][0]
    assert world.one.clinic.name in body
    assert f"Patient number: {patient.pk}" in body
    assert str(world.two.staff[Role.PRESCRIBER]) in body
    for private in (patient.legal_name, patient.email, "medication", "confused", REASON):
        assert private not in body


def test_grant_and_every_emergency_view_are_audit_logged_with_the_reason(world, outsider):
    client, patient = outsider
    user = world.two.staff[Role.PRESCRIBER].user
    break_glass(client, patient)
    client.get(chart_url(patient))
    grant = AccessEvent.objects.get(actor=user, patient=patient, action=AccessEvent.Action.CREATE)
    assert "emergency access" in grant.what
    assert REASON[:100] in grant.what
    assert AccessEvent.objects.filter(
        actor=user, patient=patient, action="view", what="patient chart (emergency access)"
    ).exists()


def test_patients_cannot_break_the_glass(world, client):
    client.force_login(world.two.patients[0].user)
    assert client.get(REQUEST_URL).status_code == 403
    assert break_glass(client, world.one.patients[0]).status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_clinic_admins_cannot_break_the_glass(world, staff_client):
    client = staff_client(world.two.staff[Role.CLINIC_ADMIN])
    response = break_glass(client, world.one.patients[0])
    assert response.status_code == 200
    assert "Only clinicians" in response.content.decode()
    assert not EmergencyAccess.objects.exists()


def test_access_belongs_to_the_clinician_who_asked(world, outsider, second_client, enrol_mfa):
    client, patient = outsider
    break_glass(client, patient)
    colleague = world.two.staff[Role.NURSE].user
    enrol_mfa(colleague)
    second_client.force_login(colleague)
    assert second_client.get(chart_url(patient)).status_code == 404
