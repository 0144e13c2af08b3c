"""The invitation link as a patient on a phone meets it (walk of 7 Dec 2026,
docs/walks/2026-12-07-patient-on-a-phone.md): opened while someone else is signed in in that
browser, replaced by a newer email, and the clinic's phone one tap away."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kapclinic.clinic.models import Role, TreatmentCourse

from .test_invitation import invite, link_from_last_email

pytestmark = pytest.mark.django_db
PASSWORD = {"password1": "a calm harbour at dawn", "password2": "a calm harbour at dawn"}


@pytest.fixture
def link(world, staff_client):
    """An invitation sent by the therapist, who stays signed in in `client`."""
    assert invite(staff_client(world.one.staff[Role.THERAPIST]), world).status_code == 302
    return link_from_last_email()


def test_signed_in_staff_opening_the_link_cannot_make_the_patients_account(link, client):
    """A clinician checking the link 'works' would set the patient's password and use up the
    link; the patient would then read 'You already have an account'."""
    page = client.get(link).content.decode()
    assert "You are signed in as" in page
    assert "Choose a password" not in page
    client.post(link, PASSWORD)
    assert not get_user_model().objects.filter(email="new.patient@example.com").exists()


def test_another_patient_signed_in_on_a_shared_phone_is_asked_to_sign_out(
    world, link, client, second_client
):
    second_client.force_login(world.one.patients[0].user)
    page = second_client.get(link).content.decode()
    assert "You are signed in as" in page and world.one.patients[0].user.email in page
    assert reverse("account_logout") in page
    # Whoever holds the phone learns nothing of the person invited, not even their address.
    assert "new.patient@example.com" not in page


def test_a_replaced_link_points_to_the_newest_email_and_the_clinic_phone_is_a_link(
    world, link, client, second_client
):
    clinic = world.one.clinic
    clinic.phone = "+44 20 7946 0000"
    clinic.save()
    course = TreatmentCourse.objects.get(patient__email="new.patient@example.com")
    assert client.post(reverse("intake:resend-invitation", args=[course.pk])).status_code == 302
    page = second_client.get(link).content.decode()
    assert "replaced by a newer one" in page
    assert "newest email" in page and "send you a new invitation" not in page
    assert 'href="tel:+442079460000"' in page
