"""Sign-in: email login, no public sign-up, MFA enforced for staff, resets, rate limits."""

import re

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core import mail
from django.urls import reverse

from kapclinic.clinic.models import Role, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def current_totp(secret):
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_public_sign_up_is_closed(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    assert not User.objects.filter(email="new@example.com").exists()
    assert "closed" in response.content.decode().lower()


def test_patient_signs_in_with_email_and_lands_on_their_journey(world, client):
    patient = world.one.patients[0]
    response = client.post(
        reverse("account_login"), {"login": patient.user.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("clinic:my-journey")
    assert response.status_code == 200


def test_wrong_password_shows_an_error_beside_the_form(world, client):
    response = client.post(
        reverse("account_login"),
        {"login": world.one.patients[0].user.email, "password": "not-the-password"},
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_without_mfa_are_sent_to_set_it_up_before_any_patient_record(world, client):
    provider = world.one.staff[Role.PRESCRIBER]
    client.force_login(provider.user)
    for url in (
        reverse("clinic:caseload"),
        reverse("clinic:patient-chart", args=[world.one.patients[0].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


def test_clinic_admin_without_mfa_cannot_open_the_admin(world, client):
    client.force_login(world.one.staff[Role.CLINIC_ADMIN].user)
    response = client.get(reverse("admin:clinic_patient_changelist"))
    assert response["Location"] == reverse("mfa_activate_totp")


def test_patients_are_not_asked_for_mfa(world, client):
    client.force_login(world.one.patients[0].user)
    assert client.get(reverse("clinic:my-journey")).status_code == 200


def test_mfa_enforcement_can_be_switched_off_for_the_demo_with_a_banner(world, client, settings):
    settings.KAP_REQUIRE_STAFF_MFA = False
    client.force_login(world.one.staff[Role.PRESCRIBER].user)
    response = client.get(reverse("clinic:caseload"))
    assert response.status_code == 200
    assert "Demo mode" in response.content.decode()


def test_enforced_mfa_shows_no_demo_banner(world, staff_client):
    response = staff_client(world.one.staff[Role.PRESCRIBER]).get(reverse("clinic:caseload"))
    assert "Demo mode" not in response.content.decode()


def test_staff_login_with_a_real_totp_code(world, client, enrol_mfa):
    provider = world.one.staff[Role.THERAPIST]
    secret = enrol_mfa(provider.user)
    response = client.post(
        reverse("account_login"), {"login": provider.user.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": current_totp(secret)})
    assert client.session["_auth_user_id"] == str(provider.user.pk)
    assert client.get(reverse("clinic:caseload")).status_code == 200


def test_password_reset_sends_a_link_and_does_not_sign_in(world, client):
    user = world.one.patients[0].user
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link
    form = client.get(link.group(1), follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link.group(1)
    new_password = "a-brand-new-passphrase-42"
    client.post(action, {"password1": new_password, "password2": new_password})
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert "_auth_user_id" not in client.session


def test_used_or_forged_reset_link_gives_a_clear_page_not_an_error(world, client):
    user = world.one.patients[0].user
    client.post(reverse("account_reset_password"), {"email": user.email})
    path = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    form = client.get(path.group(1), follow=True)
    action = form.redirect_chain[-1][0]
    client.post(
        action, {"password1": "first-new-passphrase-1", "password2": "first-new-passphrase-1"}
    )
    for link in (path.group(1), "/accounts/password/reset/key/1-forged-token/"):
        page = client.get(link, follow=True)
        assert page.status_code == 200
        body = page.content.decode()
        assert "invalid" in body.lower()
        assert reverse("account_reset_password") in body  # a way to ask for a new link


def test_password_reset_for_unknown_email_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1  # allauth tells the address that it has no account
    assert "nobody@example.com" in mail.outbox[0].to


def test_short_and_common_passwords_are_refused(world, client):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short-pw", "password1234"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_repeated_failed_logins_are_rate_limited(world, client):
    email = world.one.patients[0].user.email
    for _ in range(6):
        response = client.post(reverse("account_login"), {"login": email, "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 429 or "Too many" in body


def test_idle_sessions_expire_after_thirty_minutes_by_default():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_passwords_are_hashed_with_argon2_outside_tests():
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS
