"""The clinic admin browses the trail in the Django admin, and admin changes are in it too."""

import datetime

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_accessevent_changelist")
UTC = datetime.UTC


def event(actor, patient, action, what, at):
    row = AccessEvent(
        actor=actor, actor_label=actor.email, patient=patient, action=action, what=what, at=at
    )
    row.save()
    return row


@pytest.fixture
def trail(world):
    one = world.one
    therapist, prescriber = one.staff[Role.THERAPIST], one.staff[Role.PRESCRIBER]
    first, second = one.patients
    march, april = (datetime.datetime(2026, m, 10, 12, 0, tzinfo=UTC) for m in (3, 4))
    return {
        "chart": event(therapist.user, first, "view", "patient chart", march),
        "export": event(prescriber.user, second, "export", "FHIR record export", april),
        "dose": event(prescriber.user, first, "create", "dosing session 1: dose 1", april),
        "other clinic": event(
            world.two.staff[Role.PRESCRIBER].user,
            world.two.patients[0],
            "view",
            "patient chart",
            april,
        ),
    }


def shown(client, **query):
    response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_clinic_admin_filters_the_trail_by_action_and_date(world, trail, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    assert shown(client, action__exact="export") == {trail["export"].pk}
    april = {"at__gte": "2026-04-01 00:00:00+00:00", "at__lt": "2026-05-01 00:00:00+00:00"}
    assert shown(client, **april) == {
        trail["export"].pk,
        trail["dose"].pk,
    }
    # The date hierarchy drills down by year and month.
    assert shown(client, at__year="2026", at__month="3") == {trail["chart"].pk}
    page = client.get(CHANGELIST).content.decode()
    assert "By action" in page and "By at" in page


def test_clinic_admin_searches_by_patient_name_or_email_and_by_staff(world, trail, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    first, second = world.one.patients
    prescriber = world.one.staff[Role.PRESCRIBER].user
    assert shown(client, q=first.legal_name) == {trail["chart"].pk, trail["dose"].pk}
    assert shown(client, q=second.email) == {trail["export"].pk}
    assert shown(client, q=prescriber.last_name) == {trail["export"].pk, trail["dose"].pk}
    assert shown(client, q=prescriber.email) == {trail["export"].pk, trail["dose"].pk}
    # Another clinic's rows stay out of reach, even by name.
    assert shown(client, q=world.two.patients[0].legal_name) == set()


def test_the_trail_cannot_be_added_to_changed_or_deleted_in_the_admin(world, trail, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    row = trail["chart"]
    assert client.get(reverse("admin:audit_accessevent_add")).status_code == 403
    change = client.post(
        reverse("admin:audit_accessevent_change", args=[row.pk]), {"what": "tampered"}
    )
    assert change.status_code == 403
    delete = client.post(reverse("admin:audit_accessevent_delete", args=[row.pk]), {"post": "yes"})
    assert delete.status_code == 403
    bulk = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    assert AccessEvent.objects.filter(pk=row.pk, what="patient chart").exists()
    # The detail page opens read-only.
    detail = client.get(reverse("admin:audit_accessevent_change", args=[row.pk]))
    assert detail.status_code == 200
    assert 'name="what"' not in detail.content.decode()


def test_superuser_sees_every_clinics_trail(world, trail, client, superuser, enrol_mfa):
    enrol_mfa(superuser)
    client.force_login(superuser)
    assert {r.pk for r in trail.values()} <= shown(client)


def form_data(response):
    """What the admin's change form would post back unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or field.disabled:
            continue
        data[name] = value
    return data


def test_a_clinic_admins_change_to_a_patient_is_in_the_trail(world, staff_client):
    admin_user = world.one.staff[Role.CLINIC_ADMIN].user
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    patient = world.one.patients[0]
    url = reverse("admin:clinic_patient_change", args=[patient.pk])

    opened = client.get(url)
    viewed = AccessEvent.objects.get(action="view", patient=patient)
    assert viewed.actor == admin_user
    assert viewed.what == f"admin: viewed patient #{patient.pk}"
    assert viewed.path == url

    data = {**form_data(opened), "phone": "+44 20 7946 0000"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert patient.phone == "+44 20 7946 0000"
    changed = AccessEvent.objects.get(action="change", patient=patient)
    assert changed.actor == admin_user
    assert changed.what == f"admin: changed patient #{patient.pk} (Phone)"


def test_admin_views_of_records_below_the_patient_name_that_patient(world, staff_client):
    from kapclinic.clinic.models import SafetyFlag

    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    course = world.one.courses[1]
    flag, _ = SafetyFlag.raise_for(course, source="Intake PHQ-9", reason="Item 9 above 0.")
    response = client.get(reverse("admin:clinic_safetyflag_change", args=[flag.pk]))
    assert response.status_code == 200
    assert AccessEvent.objects.filter(
        action="view", patient=course.patient, what=f"admin: viewed safety flag #{flag.pk}"
    ).exists()


def test_admin_changes_to_what_is_not_a_patients_record_write_no_patient_row(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    clinic = world.one.clinic
    before = AccessEvent.objects.count()
    response = client.get(reverse("admin:clinic_clinic_change", args=[clinic.pk]))
    assert response.status_code == 200
    assert AccessEvent.objects.count() == before
