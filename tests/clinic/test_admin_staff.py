"""Django admin, staff and logins: a clinic admin manages colleagues, never their own rights."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.models import Appointment, Provider, Role, User
from tests.factories import PASSWORD, AppointmentFactory, appointment_admin_form

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-long-passphrase-42"


def provider_form(provider, **changes):
    """The provider change form as the admin posts it, with `changes` applied."""
    data = {
        "user": provider.user_id,
        "clinic": provider.clinic_id,
        "role": provider.role,
        "credentials": provider.credentials,
        "licence_number": provider.licence_number,
        "licence_state": provider.licence_state,
        "npi": provider.npi,
        "active": "on" if provider.active else "",
        "is_medical_director": "on" if provider.is_medical_director else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_clinic_admin_cannot_make_themselves_a_prescriber(world, staff_client):
    admin = world.one.staff[Role.CLINIC_ADMIN]
    client = staff_client(admin)
    url = reverse("admin:clinic_provider_change", args=[admin.pk])
    client.post(url, provider_form(admin, role=Role.PRESCRIBER))
    admin.refresh_from_db()
    assert admin.role == Role.CLINIC_ADMIN
    assert not admin.is_medical_director
    assert list(admin.user.groups.values_list("name", flat=True)) == ["Clinic admin"]


def test_a_clinic_admin_changes_a_colleagues_role(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    nurse = world.one.staff[Role.NURSE]
    url = reverse("admin:clinic_provider_change", args=[nurse.pk])
    response = client.post(url, provider_form(nurse, role=Role.THERAPIST, credentials="LCSW"))
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.role == Role.THERAPIST
    assert list(nurse.user.groups.values_list("name", flat=True)) == ["Therapist"]


def test_a_clinic_admin_cannot_set_the_password_of_a_colleague_who_has_signed_in(
    world, staff_client
):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    prescriber = world.one.staff[Role.PRESCRIBER].user
    prescriber.last_login = timezone.now()
    prescriber.save(update_fields=["last_login"])
    url = reverse("admin:auth_user_password_change", args=[prescriber.pk])
    form = {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(url, form).status_code == 403
    prescriber.refresh_from_db()
    assert prescriber.check_password(PASSWORD)


def test_a_clinic_admin_never_sets_a_password_not_even_a_new_logins(world, staff_client):
    """The sign-in invitation lets the person choose their own: no admin ever knows it."""
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    newcomer = world.one.staff[Role.THERAPIST].user
    assert newcomer.last_login is None
    url = reverse("admin:auth_user_password_change", args=[newcomer.pk])
    response = client.get(url)
    assert response.status_code == 403
    assert "Send sign-in invitation again" in response.content.decode()
    form = {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(url, form).status_code == 403
    newcomer.refresh_from_db()
    assert newcomer.check_password(PASSWORD)
    # Nor does the login's page offer a password form that would only refuse.
    page = client.get(reverse("admin:clinic_user_change", args=[newcomer.pk]))
    assert page.status_code == 200 and "../password/" not in page.content.decode()


def test_a_patients_login_cannot_also_be_a_member_of_staff(world):
    patient = world.one.patients[0]
    provider = Provider(user=patient.user, clinic=world.one.clinic, role=Role.PRESCRIBER)
    with pytest.raises(ValidationError, match="patient"):
        provider.full_clean()


def test_the_admin_refuses_a_patients_login_as_a_new_provider(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    patient = world.one.patients[0]
    form = {"user": patient.user_id, "clinic": world.one.clinic.pk, "role": Role.NURSE}
    response = client.post(reverse("admin:clinic_provider_add"), form)
    assert response.status_code == 200
    assert not Provider.objects.filter(user=patient.user).exists()


def test_a_clinic_admins_list_of_logins_says_each_persons_role(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    response = client.get(reverse("admin:clinic_user_changelist"))
    changelist = response.context["cl"]
    assert "is_superuser" not in changelist.list_filter
    assert "is_staff" not in changelist.list_display
    page = response.content.decode()
    assert "Therapist" in page and "Patient" in page


def test_adding_a_login_says_where_its_role_is_given(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    page = client.get(reverse("admin:clinic_user_add")).content.decode()
    assert "then add them under Providers" in page


def test_a_staff_login_cannot_also_be_a_patients(world):
    patient = world.one.patients[0]
    patient.user = world.one.staff[Role.NURSE].user
    with pytest.raises(ValidationError, match="member of staff"):
        patient.full_clean()


def test_a_new_login_is_added_with_the_persons_name(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    form = {
        "email": "jo.new@example.com",
        "first_name": "Jo",
        "last_name": "Rivers",
        "usable_password": "true",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    assert client.post(reverse("admin:clinic_user_add"), form).status_code == 302
    assert User.objects.get(email="jo.new@example.com").get_full_name() == "Jo Rivers"


@pytest.mark.parametrize("who", ["clinic admin", "nurse who left"])
def test_a_visit_is_booked_only_with_an_active_clinician(world, staff_client, who):
    appointment = AppointmentFactory(course=world.one.courses[0], kind=Appointment.Kind.FOLLOW_UP)
    if who == "clinic admin":
        chosen = world.one.staff[Role.CLINIC_ADMIN]
    else:
        chosen = world.one.staff[Role.NURSE]
        chosen.active = False
        chosen.save()
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    change = reverse("admin:clinic_appointment_change", args=[appointment.pk])
    response = client.post(change, appointment_admin_form(appointment, clinician=chosen.pk))
    assert response.status_code == 200
    assert "clinician" in response.context["adminform"].form.errors
    appointment.refresh_from_db()
    assert appointment.clinician_id is None


def test_a_past_visit_keeps_the_clinician_who_has_since_left(world):
    nurse = world.one.staff[Role.NURSE]
    appointment = AppointmentFactory(
        course=world.one.courses[0], kind=Appointment.Kind.FOLLOW_UP, clinician=nurse
    )
    nurse.active = False
    nurse.save()
    appointment.refresh_from_db()
    appointment.status_reason = "Phoned to say thank you."
    appointment.full_clean()
