"""The audit trail: who viewed what, when and from where; rows never change."""

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent, AppendOnlyError
from kapclinic.clinic.models import Role
from tests.record_checks import assert_write_once

pytestmark = pytest.mark.django_db


def test_chart_view_writes_an_access_event(world, staff_client):
    provider = world.one.staff[Role.THERAPIST]
    client = staff_client(provider)
    patient = world.one.patients[0]
    client.get(
        reverse("clinic:patient-chart", args=[patient.pk]),
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="ClinicBrowser/1.0",
    )
    event = AccessEvent.objects.get(action=AccessEvent.Action.VIEW)
    assert event.actor == provider.user
    assert event.actor_label == provider.user.email
    assert event.patient == patient
    assert event.what == "patient chart"
    assert event.path == reverse("clinic:patient-chart", args=[patient.pk])
    assert event.ip_address == "10.1.2.3"
    assert event.user_agent == "ClinicBrowser/1.0"


def test_refused_chart_view_is_logged_as_denied(world, staff_client):
    provider = world.one.staff[Role.PRESCRIBER]
    client = staff_client(provider)
    target = world.two.patients[0]
    client.get(reverse("clinic:patient-chart", args=[target.pk]))
    denied = AccessEvent.objects.get(action=AccessEvent.Action.DENIED)
    assert denied.patient == target and denied.actor == provider.user
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).exists()


def test_patient_opening_staff_page_is_logged_as_denied(world, client):
    client.force_login(world.one.patients[0].user)
    client.get(reverse("clinic:caseload"))
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.DENIED, actor=world.one.patients[0].user
    ).exists()


def test_audit_events_cannot_be_changed_or_deleted(world):
    event = AccessEvent.record(
        actor=world.one.staff[Role.PRESCRIBER].user,
        action=AccessEvent.Action.VIEW,
        what="patient chart",
        patient_id=world.one.patients[0].pk,
    )
    event.what = "something else"
    assert_write_once(event, AppendOnlyError, what="edited")
    with pytest.raises(AppendOnlyError):
        AccessEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.what == "patient chart"


def test_clinic_admin_reads_only_their_clinics_trail_in_the_admin(world, staff_client):
    for clinic in (world.one, world.two):
        AccessEvent.record(
            actor=clinic.staff[Role.PRESCRIBER].user,
            action=AccessEvent.Action.VIEW,
            what="patient chart",
            patient_id=clinic.patients[0].pk,
        )
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    response = client.get(reverse("admin:audit_accessevent_changelist"))
    assert response.status_code == 200
    shown = {e.patient_id for e in response.context["cl"].result_list}
    assert shown == {world.one.patients[0].pk}
    event = AccessEvent.objects.filter(patient=world.one.patients[0]).first()
    change = client.post(
        reverse("admin:audit_accessevent_change", args=[event.pk]), {"what": "tampered"}
    )
    assert change.status_code == 403
    assert client.get(reverse("admin:audit_accessevent_add")).status_code == 403
