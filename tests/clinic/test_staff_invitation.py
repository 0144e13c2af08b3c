"""A new member of staff chooses their own first password from an emailed, single-use link."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic import staff_invitations
from kapclinic.clinic.models import Provider, Role, StaffInvitation, User
from kapclinic.reminders.models import Kind, Reminder, Status
from tests.factories import PASSWORD, ProviderFactory
from tests.intake.test_invitation_mail_outage import Refusing, mail_server, smtp  # noqa: F401
from tests.reminders.conftest import run_scan

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-quiet-lighthouse-at-noon-7"
NEWCOMER = "jo.newcomer@example.com"


def add_login(client, email=NEWCOMER):
    form = {"email": email, "first_name": "Jo", "last_name": "Newcomer"}
    response = client.post(reverse("admin:clinic_user_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(email=email)


def add_provider(client, user, clinic, role=Role.NURSE, **extra):
    form = {"user": user.pk, "clinic": clinic.pk, "role": role, "active": "on", **extra}
    response = client.post(reverse("admin:clinic_provider_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Provider.objects.get(user=user)


def send_again(client, *providers):
    return client.post(
        reverse("admin:clinic_provider_changelist"),
        {"action": "send_sign_in_invitation", "_selected_action": [p.pk for p in providers]},
        follow=True,
    )


def welcome_link(message):
    match = re.search(r"https?://[^/\s]+(/welcome/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def emails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


@pytest.fixture
def admin_client(world, staff_client):
    return staff_client(world.one.staff[Role.CLINIC_ADMIN])


@pytest.fixture
def invited(world, admin_client):
    """A new nurse added by clinic one's admin; the worker has sent their invitation."""
    provider = add_provider(admin_client, add_login(admin_client), world.one.clinic)
    run_scan(timezone.now())
    (message,) = emails_to(NEWCOMER)
    return provider, welcome_link(message)


def test_adding_a_login_asks_for_no_password_and_says_an_invitation_follows(admin_client):
    page = admin_client.get(reverse("admin:clinic_user_add")).content.decode()
    assert 'name="password1"' not in page
    assert "invitation" in page and "then add them under Providers" in page
    user = add_login(admin_client)
    assert not user.has_usable_password()
    assert user.get_full_name() == "Jo Newcomer"


def test_saving_a_new_logins_role_emails_one_invitation_and_never_from_the_request(
    world, admin_client
):
    user = add_login(admin_client)
    provider = add_provider(admin_client, user, world.one.clinic)
    assert mail.outbox == []  # the admin's request wrote a row; the worker sends it
    assert Reminder.objects.filter(kind=Kind.STAFF_INVITATION, status=Status.DUE).count() == 1
    run_scan(timezone.now())
    (message,) = emails_to(NEWCOMER)
    assert world.one.clinic.name in message.subject
    inviter = world.one.staff[Role.CLINIC_ADMIN].user.get_full_name()
    assert inviter in message.body and world.one.clinic.name in message.body
    assert "expires" in message.body and welcome_link(message)
    # Saving the person's row again sends nothing more.
    change = reverse("admin:clinic_provider_change", args=[provider.pk])
    form = {"user": user.pk, "clinic": world.one.clinic.pk, "role": Role.NURSE, "active": "on"}
    assert admin_client.post(change, {**form, "credentials": "RN"}).status_code == 302
    run_scan(timezone.now())
    assert len(emails_to(NEWCOMER)) == 1


def test_a_refusing_mail_server_neither_breaks_the_admin_nor_loses_the_invitation(
    world,
    admin_client,
    mail_server,  # noqa: F811
):
    with smtp(mail_server(Refusing)):
        provider = add_provider(admin_client, add_login(admin_client), world.one.clinic)
        run_scan(timezone.now())
    row = Reminder.objects.get(kind=Kind.STAFF_INVITATION)
    assert row.status == Status.DUE and row.attempts == 1 and "554" in row.last_error
    run_scan(row.send_after)  # mail works again: the next scan after the backoff sends it
    (message,) = emails_to(provider.user.email)
    assert welcome_link(message)


def test_the_email_names_no_drug_and_no_patient(world, invited):
    (message,) = emails_to(NEWCOMER)
    text = (message.subject + message.body + message.alternatives[0].content).lower()
    for word in ("ketamine", "esketamine", "spravato", "dose"):
        assert word not in text
    for patient in world.one.patients:
        assert patient.legal_name.lower() not in text


def test_the_link_sets_the_password_once_then_is_dead(invited, second_client):
    provider, link = invited
    first = second_client.get(link)
    assert first.status_code == 302  # the token moves to the session, out of the address
    form_page = second_client.get(first["Location"])
    assert form_page.status_code == 200
    assert provider.user.email in form_page.content.decode()
    done = second_client.post(
        first["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == reverse("account_login")
    provider.user.refresh_from_db()
    assert provider.user.check_password(NEW_PASSWORD)
    again = second_client.get(link)
    assert again.status_code == 404
    assert "already been used" in again.content.decode()


def test_after_setting_the_password_signing_in_leads_to_authenticator_set_up(
    invited, second_client
):
    provider, link = invited
    totp_set_up = reverse("mfa_activate_totp")
    form_url = second_client.get(link)["Location"]
    second_client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    signed_in = second_client.post(
        reverse("account_login"), {"login": NEWCOMER, "password": NEW_PASSWORD}, follow=True
    )
    # allauth asks for the password once more before the authenticator's set-up.
    assert signed_in.redirect_chain[-1][0].endswith("?next=" + quote(totp_set_up, safe=""))
    assert provider.user.pk == int(second_client.session["_auth_user_id"])


def test_an_expired_link_is_refused_in_plain_words(world, invited, second_client):
    provider, _ = invited
    days = staff_invitations.lifetime().days
    sent_long_ago = timezone.now() - timedelta(days=days, hours=1)
    uid, token, _ = staff_invitations.link_parts(provider.user, now=sent_long_ago)
    response = second_client.get(reverse("clinic:staff-welcome", args=[uid, token]))
    assert response.status_code == 410
    body = response.content.decode()
    assert "has expired" in body and "send you a new one" in body
    assert world.one.clinic.name in body


def test_a_forged_link_is_not_found(invited, second_client):
    provider, link = invited
    response = second_client.get(link[:-4] + "abc/")
    assert response.status_code == 404


def test_sending_again_replaces_the_old_link(world, invited, admin_client, second_client):
    provider, old_link = invited
    send_again(admin_client, provider)
    run_scan(timezone.now())
    new_link = welcome_link(emails_to(NEWCOMER)[-1])
    assert len(emails_to(NEWCOMER)) == 2
    assert second_client.get(old_link).status_code == 404
    assert second_client.get(new_link).status_code == 302


def test_sending_is_audited_with_who_and_to_whom(world, invited):
    provider, _ = invited
    row = AccessEvent.objects.get(what__contains="sign-in invitation")
    assert row.actor == world.one.staff[Role.CLINIC_ADMIN].user
    assert NEWCOMER in row.what and row.patient_id is None


def test_a_login_that_has_signed_in_gets_no_invitation(world, admin_client):
    nurse = world.one.staff[Role.NURSE]
    nurse.user.set_unusable_password()
    nurse.user.last_login = timezone.now()
    nurse.user.save()
    page = send_again(admin_client, nurse).content.decode()
    assert "has already signed in" in page
    run_scan(timezone.now())
    assert emails_to(nurse.user.email) == []


def test_a_login_with_a_password_gets_no_invitation(world, admin_client):
    therapist = world.one.staff[Role.THERAPIST]
    page = send_again(admin_client, therapist).content.decode()
    assert "already has a password" in page
    run_scan(timezone.now())
    assert emails_to(therapist.user.email) == []


def test_a_patients_login_gets_no_invitation(world):
    patient_login = world.one.patients[0].user
    patient_login.set_unusable_password()
    patient_login.save()
    # Written past the admin's check, as a shell could.
    provider = Provider.objects.create(user=patient_login, clinic=world.one.clinic, role="nurse")
    with pytest.raises(staff_invitations.InvitationRefused, match="patient"):
        staff_invitations.invite_staff(provider, by=world.one.staff[Role.CLINIC_ADMIN].user)


def test_the_admin_of_another_clinic_cannot_invite_this_clinics_staff(world, staff_client):
    newcomer = ProviderFactory(clinic=world.one.clinic, role=Role.NURSE)
    newcomer.user.set_unusable_password()
    newcomer.user.save()
    other_admin = world.two.staff[Role.CLINIC_ADMIN]
    with pytest.raises(PermissionDenied):
        staff_invitations.invite_staff(newcomer, by=other_admin.user)
    send_again(staff_client(other_admin), newcomer)
    run_scan(timezone.now())
    assert emails_to(newcomer.user.email) == []
    assert not AccessEvent.objects.filter(what__contains="sign-in invitation").exists()


def test_an_inactive_member_of_staff_gets_no_invitation(world, admin_client):
    user = add_login(admin_client)
    add_provider(admin_client, user, world.one.clinic, active="")
    run_scan(timezone.now())
    assert emails_to(NEWCOMER) == []


def test_the_operator_can_still_set_a_password_of_someone_who_has_signed_in(
    world, superuser, client, enrol_mfa
):
    prescriber = world.one.staff[Role.PRESCRIBER].user
    prescriber.last_login = timezone.now()
    prescriber.save(update_fields=["last_login"])
    enrol_mfa(superuser)
    client.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[prescriber.pk])
    form = {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(url, form).status_code == 302
    prescriber.refresh_from_db()
    assert prescriber.check_password(NEW_PASSWORD) and not prescriber.check_password(PASSWORD)


def test_the_provider_list_says_who_was_invited_and_who_has_signed_in(world, invited, admin_client):
    nurse = world.one.staff[Role.NURSE].user
    nurse.last_login = timezone.now()
    nurse.save(update_fields=["last_login"])
    page = admin_client.get(reverse("admin:clinic_provider_changelist")).content.decode()
    assert "Invited" in page and "not signed in yet" in page
    assert "Last signed in" in page


def test_a_second_login_for_the_same_email_in_other_capitals_is_refused(world, admin_client):
    existing = world.one.staff[Role.NURSE].user.email
    form = {"email": existing.upper(), "first_name": "Jo", "last_name": "Twice"}
    response = admin_client.post(reverse("admin:clinic_user_add"), form)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact=existing).count() == 1


def test_a_role_added_by_mistake_can_still_be_deleted_after_its_invitation(invited):
    provider, _ = invited
    provider.delete()
    assert not StaffInvitation.objects.exists()
    assert AccessEvent.objects.filter(what__contains="sign-in invitation").exists()
