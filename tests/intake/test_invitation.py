"""Invitation: staff invite, the patient accepts a single-use expiring link, staff resend."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from intake.models import IntakeRecord, Invitation
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import CourseState, Patient, Role, TreatmentCourse
from tests.reminders.conftest import run_scan

pytestmark = pytest.mark.django_db


def invite(client, world, email="new.patient@example.com", **extra):
    care_team = [world.one.staff[Role.PRESCRIBER].pk, world.one.staff[Role.THERAPIST].pk]
    return client.post(
        reverse("intake:invite"),
        {
            "legal_name": "Dana Newcomer",
            "preferred_name": "Dana",
            "email": email,
            "indication": "anxiety",
            "care_team": care_team,
            **extra,
        },
    )


def link_from_last_email():
    """The worker sends the invitation (never the inviting request): run its scan, then read
    the link from the email."""
    run_scan(timezone.now())
    match = re.search(r"https?://[^/\s]+(/intake/invitation/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


@pytest.fixture
def invited(world, staff_client):
    client = staff_client(world.one.staff[Role.THERAPIST])
    response = invite(client, world)
    assert response.status_code == 302
    course = TreatmentCourse.objects.get(patient__email="new.patient@example.com")
    return course, link_from_last_email(), client


def test_staff_invite_creates_patient_course_and_sends_a_link(world, invited):
    course, link, _ = invited
    assert course.state == CourseState.INVITED
    assert course.clinic == world.one.clinic
    assert set(course.care_team.all()) == {
        world.one.staff[Role.PRESCRIBER],
        world.one.staff[Role.THERAPIST],
    }
    assert IntakeRecord.objects.filter(course=course).exists()
    message = mail.outbox[-1]
    assert message.to == ["new.patient@example.com"]
    assert "ketamine" not in message.subject.lower()
    assert AccessEvent.objects.filter(
        patient=course.patient, action=AccessEvent.Action.CREATE
    ).exists()
    # When the link expires, to the minute and in the clinic's time (walk: a date alone left
    # a patient opening it on the evening of that day unsure whether it still worked).
    invitation = Invitation.objects.get(course=course)
    expires = invitation.expires_at.astimezone(course.clinic.tz)
    assert f"expires on {expires:%A} {expires.day} {expires:%B %Y} at {expires:%H:%M}" in (
        message.body
    )
    # Only a hash of the token is stored.
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_invite_refuses_a_duplicate_email_beside_the_field(world, invited, staff_client):
    _, _, client = invited
    response = invite(client, world)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Patient.objects.filter(email="new.patient@example.com").count() == 1


def test_patient_accepts_sets_password_and_lands_in_intake(world, invited, second_client):
    """In the patient's own browser (`client` is the inviting clinician's, still signed in)."""
    course, link, _ = invited
    page = second_client.get(link)
    assert page.status_code == 200 and "new.patient@example.com" in page.content.decode()
    response = second_client.post(
        link, {"password1": "a calm harbour at dawn", "password2": "a calm harbour at dawn"}
    )
    assert response["Location"] == reverse("intake:start")
    course.refresh_from_db()
    course.patient.refresh_from_db()
    assert course.state == CourseState.INTAKE_IN_PROGRESS
    assert course.patient.user.check_password("a calm harbour at dawn")
    assert second_client.session["_auth_user_id"] == str(course.patient.user.pk)


def test_weak_or_mismatched_password_is_refused_beside_the_field(invited, second_client):
    _, link, _ = invited
    short = second_client.post(link, {"password1": "short", "password2": "short"})
    assert short.status_code == 200 and "too short" in short.content.decode()
    mismatch = second_client.post(
        link, {"password1": "a calm harbour at dawn", "password2": "other one!"}
    )
    assert "do not match" in mismatch.content.decode()


def test_used_link_says_so(invited, second_client):
    _, link, _ = invited
    second_client.post(
        link, {"password1": "a calm harbour at dawn", "password2": "a calm harbour at dawn"}
    )
    second_client.logout()
    response = second_client.get(link)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_expired_link_says_so_and_points_to_the_clinic(invited, client):
    course, link, _ = invited
    Invitation.objects.filter(course=course).update(
        created_at=timezone.now() - timedelta(days=9), expires_at=timezone.now() - timedelta(days=2)
    )
    response = client.get(link)
    assert response.status_code == 410
    body = response.content.decode()
    assert "has expired" in body and course.clinic.name in body


def test_unknown_link_is_not_found(client, db):
    assert client.get(reverse("intake:accept", args=["nope"])).status_code == 404


def test_resend_replaces_the_old_link(world, invited, client):
    course, old_link, staff = invited
    response = staff.post(reverse("intake:resend-invitation", args=[course.pk]))
    assert response.status_code == 302
    new_link = link_from_last_email()
    assert new_link != old_link
    assert "replaced" in client.get(old_link).content.decode()
    assert client.get(new_link).status_code == 200


def test_resend_refused_once_accepted(world, invited, second_client):
    course, link, staff = invited
    second_client.post(
        link, {"password1": "a calm harbour at dawn", "password2": "a calm harbour at dawn"}
    )
    count = len(mail.outbox)
    response = staff.post(reverse("intake:resend-invitation", args=[course.pk]), follow=True)
    assert "already accepted" in response.content.decode()
    run_scan(timezone.now())
    assert len(mail.outbox) == count


def test_other_clinic_cannot_resend(world, invited, staff_client):
    course, _, _ = invited
    outsider = staff_client(world.two.staff[Role.PRESCRIBER])
    assert outsider.post(reverse("intake:resend-invitation", args=[course.pk])).status_code == 404


def test_patients_cannot_invite(world, client):
    client.force_login(world.one.patients[0].user)
    assert client.get(reverse("intake:invite")).status_code == 403


def test_invite_form_offers_only_own_clinic_staff(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    form = client.get(reverse("intake:invite")).context["form"]
    assert set(form.fields["care_team"].queryset) == set(world.one.staff.values())
