"""Django admin: clinic admins manage their own clinic only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kapclinic.clinic.models import Appointment, Role
from tests.factories import AppointmentFactory, appointment_admin_form

pytestmark = pytest.mark.django_db


def test_clinic_admin_sees_only_own_clinic_patients(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    response = client.get(reverse("admin:clinic_patient_changelist"))
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == set(world.one.patients)


def test_clinic_admin_cannot_open_another_clinics_patient(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    other = world.two.patients[0]
    response = client.get(reverse("admin:clinic_patient_change", args=[other.pk]), follow=True)
    assert other.legal_name not in response.content.decode()


def test_clinic_admin_provider_form_offers_only_own_clinic(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    response = client.get(reverse("admin:clinic_provider_add"))
    assert response.status_code == 200
    clinics = list(response.context["adminform"].form.fields["clinic"].queryset)
    assert clinics == [world.one.clinic]


def test_clinic_admin_lists_only_own_providers(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    response = client.get(reverse("admin:clinic_provider_changelist"))
    assert set(response.context["cl"].result_list) == set(world.one.staff.values())


def test_clinicians_cannot_open_the_admin(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_course_stage_is_read_only_in_the_admin(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    course = world.one.courses[0]
    response = client.get(reverse("admin:clinic_treatmentcourse_change", args=[course.pk]))
    assert response.status_code == 200
    assert "state" not in response.context["adminform"].form.fields


def test_appointments_cannot_be_deleted_in_the_admin(world, staff_client):

    appointment = AppointmentFactory(course=world.one.courses[0])
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    url = reverse("admin:clinic_appointment_delete", args=[appointment.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    appointment.refresh_from_db()


def test_superuser_sees_every_clinic_in_the_admin(world, client, superuser, enrol_mfa):
    enrol_mfa(superuser)
    client.force_login(superuser)
    response = client.get(reverse("admin:clinic_patient_changelist"))
    assert len(response.context["cl"].result_list) == 4


def refused_beside(client, change, data, record, field, moved_to):
    """The admin's change page refuses moving `record`'s `field` (shown beside it), and so
    does a shell's save()."""

    response = client.post(change, data)
    assert response.status_code == 200, response.status_code
    assert field in response.context["adminform"].form.errors
    record.refresh_from_db()
    assert getattr(record, f"{field}_id") != moved_to.pk
    setattr(record, field, moved_to)
    with pytest.raises(ValidationError):
        record.save()
    record.refresh_from_db()


def test_a_course_stays_with_its_patient_in_the_admin_and_a_shell(world, staff_client):
    """A course carries the patient's signed consents, doses and notes: moving it to another
    patient (or clinic) would put one person's record in someone else's chart."""
    course = world.one.courses[0]
    other = next(p for p in world.one.patients if p.pk != course.patient_id)
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    change = reverse("admin:clinic_treatmentcourse_change", args=[course.pk])
    data = {
        "patient": other.pk,
        "clinic": course.clinic_id,
        "indication": course.indication,
        "indication_detail": course.indication_detail,
    }
    refused_beside(client, change, data, course, "patient", other)
    course.indication_detail = "Treatment-resistant, two SSRIs tried"
    course.save()  # the rest of the course may still be corrected


def test_an_appointment_stays_with_its_course_in_the_admin_and_a_shell(world, staff_client):
    """An appointment holds its check-in and dosing session: moving it to another patient's
    course would show one person's visit in someone else's chart and calendar."""

    appointment = AppointmentFactory(course=world.one.courses[0])
    other = next(c for c in world.one.courses if c.patient_id != appointment.course.patient_id)
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    change = reverse("admin:clinic_appointment_change", args=[appointment.pk])
    data = appointment_admin_form(appointment, course=other.pk)
    refused_beside(client, change, data, appointment, "course", other)


def test_a_completed_visit_cannot_be_reopened_cancelled_or_moved_in_the_admin(world, staff_client):
    """A completed appointment is a visit that took place, its record signed: the admin may
    not turn it into "cancelled" (or move its time) after the fact; a shell neither."""

    appointment = AppointmentFactory(course=world.one.courses[0])
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    change = reverse("admin:clinic_appointment_change", args=[appointment.pk])
    data = appointment_admin_form(appointment, status=Appointment.Status.CANCELLED)
    response = client.post(change, data)
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    appointment.status = Appointment.Status.BOOKED
    with pytest.raises(ValidationError):
        appointment.save()


@pytest.mark.parametrize("ended", [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
def test_a_cancelled_or_missed_visit_is_not_booked_again_in_the_admin(world, staff_client, ended):
    """Booking goes through the booking service (the clearance, REMS and length checks, the
    patient told): setting a cancelled or missed visit back to "booked" in the admin would
    skip all of it. A new booking is the way; a shell is refused too."""
    appointment = AppointmentFactory(course=world.one.courses[0])
    Appointment.objects.filter(pk=appointment.pk).update(status=ended)
    appointment.refresh_from_db()
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    change = reverse("admin:clinic_appointment_change", args=[appointment.pk])
    for live in (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN):
        response = client.post(change, appointment_admin_form(appointment, status=live))
        assert response.status_code == 200
        assert "book a new one" in str(response.context["adminform"].form.errors["status"])
        appointment.refresh_from_db()
        assert appointment.status == ended
    appointment.status = Appointment.Status.BOOKED
    with pytest.raises(ValidationError):
        appointment.save()
