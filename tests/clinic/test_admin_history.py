"""The admin's History page: who changed a record, before and after, own clinic only."""

import re

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from kapclinic.clinic.models import Patient, Role

pytestmark = pytest.mark.django_db


def patient_form(patient, **changes):
    data = {
        key: ("" if value is None else value)
        for key, value in model_to_dict(patient).items()
        if key != "id"
    }
    return data | changes


def test_admin_edit_of_a_patient_shows_who_and_before_after_on_the_history_page(
    world, staff_client
):
    admin_provider = world.one.staff[Role.CLINIC_ADMIN]
    client = staff_client(admin_provider)
    patient = world.one.patients[0]
    before = patient.phone = "+44 20 7946 0000"
    patient.save()
    change = reverse("admin:clinic_patient_change", args=[patient.pk])
    response = client.post(change, patient_form(patient, phone="+44 20 7946 0999"))
    assert response.status_code == 302, response.content.decode()[:2000]

    latest = Patient.history.filter(id=patient.pk).latest()
    assert latest.history_user == admin_provider.user
    assert latest.phone == "+44 20 7946 0999" and latest.prev_record.phone == before

    page = client.get(reverse("admin:clinic_patient_history", args=[patient.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert str(admin_provider.user) in html
    assert re.search(
        r"<strong>Phone:</strong>\s*\+44 20 7946 0000\s*&nbsp;&rarr;&nbsp;&nbsp;\+44 20 7946 0999",
        html,
    )
    version = reverse("admin:clinic_patient_simple_history", args=[patient.pk, latest.pk])
    assert client.get(version).status_code == 200


def test_clinic_admin_cannot_read_another_clinics_history(world, staff_client):
    other = world.two.patients[0]
    other.phone = "+1 555 0100"
    other.save()
    version = Patient.history.filter(id=other.pk).latest()
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    listing = client.get(reverse("admin:clinic_patient_history", args=[other.pk]))
    assert listing.status_code == 404
    single = client.get(reverse("admin:clinic_patient_simple_history", args=[other.pk, version.pk]))
    assert single.status_code == 404
    assert "+1 555 0100" not in listing.content.decode() + single.content.decode()
    # Nor by asking for the other clinic's version under a patient of one's own clinic.
    own = world.one.patients[0]
    mixed = client.get(reverse("admin:clinic_patient_simple_history", args=[own.pk, version.pk]))
    assert mixed.status_code == 404


def test_past_versions_cannot_be_reverted_from_the_admin(world, staff_client):
    patient = world.one.patients[0]
    old_name = patient.legal_name
    patient.legal_name = "Corrected Name"
    patient.save()
    first = Patient.history.filter(id=patient.pk).earliest()
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    version = reverse("admin:clinic_patient_simple_history", args=[patient.pk, first.pk])
    page = client.get(version)
    assert page.status_code == 200 and "Revert" not in page.content.decode()
    refused = client.post(version, patient_form(first.instance, legal_name=old_name))
    assert refused.status_code == 403
    patient.refresh_from_db()
    assert patient.legal_name == "Corrected Name"


def test_dosing_session_history_page_is_scoped_to_the_admins_clinic(world, staff_client):
    from kapclinic.demo.builder import Build

    ready = Build(world)
    ready()
    other = Build(world, clinic="two")
    other()
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    own = client.get(reverse("admin:dosing_dosingsession_history", args=[ready.session.pk]))
    assert own.status_code == 200
    html = own.content.decode()
    assert re.search(r"<strong>Weight kg:</strong>\s*None\s*&nbsp;&rarr;&nbsp;&nbsp;70\.0", html)
    refused = client.get(reverse("admin:dosing_dosingsession_history", args=[other.session.pk]))
    assert refused.status_code == 404


def test_reading_a_patients_history_in_the_admin_is_on_their_who_viewed_page(world, staff_client):
    """Every past version of the record is a view of it: the history list and each version
    leave an audit row naming the patient, as the change page does."""
    from kapclinic.audit.models import AccessEvent

    admin_provider = world.one.staff[Role.CLINIC_ADMIN]
    client = staff_client(admin_provider)
    patient = world.one.patients[0]
    patient.phone = "+44 20 7946 0111"
    patient.save()
    version = Patient.history.filter(id=patient.pk).latest()
    seen = AccessEvent.objects.staff_access_to(patient)
    before = seen.count()

    assert client.get(reverse("admin:clinic_patient_history", args=[patient.pk])).status_code == 200
    single = reverse("admin:clinic_patient_simple_history", args=[patient.pk, version.pk])
    assert client.get(single).status_code == 200

    rows = list(seen)[: seen.count() - before]
    assert len(rows) == 2
    assert all(row.actor == admin_provider.user and row.action == "view" for row in rows)
    assert {row.what for row in rows} == {
        f"admin: viewed the history of patient #{patient.pk}",
        f"admin: viewed a past version of patient #{patient.pk}",
    }
