"""Sign-in: email login, no public sign-up, MFA enforced for staff, resets, rate limits."""

import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from kapclinic.clinic.models import Role, User
from tests.factories import PASSWORD
from tests.totp import fresh_totp_code

pytestmark = pytest.mark.django_db


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
    assert "by invitation" in response.content.decode().lower()


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
    client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code(secret)})
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

    for weak, code in (
        ("Zq7-kLp2-xW", "password_too_short"),
        ("password1234", "password_too_common"),
    ):
        with pytest.raises(ValidationError) as refused:
            validate_password(weak)
        assert [e.code for e in refused.value.error_list] == [code]
    validate_password("Zq7-kLp2-xWa")  # twelve characters, not on the list: accepted


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


# --- MFA: replay, password reset, recovery codes --------------------------------------------


def sign_in_with_code(client, user, code, password=PASSWORD):
    client.post(reverse("account_login"), {"login": user.email, "password": password})
    client.post(reverse("mfa_authenticate"), {"code": code})
    return client.session.get("_auth_user_id") == str(user.pk)


def test_a_used_totp_code_cannot_be_replayed_even_from_another_browser(
    world, client, second_client, enrol_mfa
):
    from allauth.mfa.totp.internal.auth import validate_totp_code

    user = world.one.staff[Role.PRESCRIBER].user
    secret = enrol_mfa(user)
    code = fresh_totp_code(secret)
    assert sign_in_with_code(client, user, code)
    assert validate_totp_code(secret, code)  # still inside its 30 seconds: only "used" stops it
    assert not sign_in_with_code(second_client, user, code)
    assert "_auth_user_id" not in second_client.session


def test_used_totp_codes_are_remembered_in_the_shared_cache(world, client, enrol_mfa):
    import redis

    from tests.real_services import require_real_service

    require_real_service(settings.REDIS_URL, "REDIS_URL is not set (no Redis found)")
    user = world.one.staff[Role.NURSE].user
    secret = enrol_mfa(user)
    assert sign_in_with_code(client, user, fresh_totp_code(secret))
    keys = redis.Redis.from_url(settings.REDIS_URL).keys(f"*allauth.mfa.totp.used?user={user.pk}*")
    assert len(keys) == 1


def test_password_reset_does_not_bypass_mfa(world, client, enrol_mfa, settings):
    user = world.one.staff[Role.THERAPIST].user
    secret = enrol_mfa(user)
    new_password = "a-brand-new-passphrase-42"
    # Even were allauth told to sign in after a reset, the MFA step must still come first.
    for login_on_reset in (False, True):
        settings.ACCOUNT_LOGIN_ON_PASSWORD_RESET = login_on_reset
        mail.outbox.clear()
        client.post(reverse("account_reset_password"), {"email": user.email})
        link = re.search(
            r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body
        )
        form = client.get(link.group(1), follow=True)
        action = form.redirect_chain[-1][0]
        done = client.post(action, {"password1": new_password, "password2": new_password})
        user.refresh_from_db()
        assert user.check_password(new_password)
        assert "_auth_user_id" not in client.session
        if login_on_reset:
            assert done["Location"] == reverse("mfa_authenticate")
        new_password += "x"
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": new_password[:-1]}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code(secret)})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_recovery_codes_work_once_each(world, client, second_client, enrol_mfa):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = world.one.staff[Role.PRESCRIBER].user
    enrol_mfa(user)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    assert sign_in_with_code(client, user, codes[0])
    assert not sign_in_with_code(second_client, user, codes[0])
    assert sign_in_with_code(second_client, user, codes[1])
    assert len(RecoveryCodes.activate(user).get_unused_codes()) == len(codes) - 2


def test_no_insecure_totp_bypass_code_is_configured():
    assert not getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None)
    assert settings.MFA_TOTP_TOLERANCE == 0


# --- Rate limits in the shared cache (Redis) ------------------------------------------------


def rate_limit_keys(action):
    import redis

    return redis.Redis.from_url(settings.REDIS_URL).keys(f"*allauth:rl:*:{action}:*")


def test_failed_logins_for_an_account_are_limited_across_browsers_via_redis(
    world, client, second_client
):
    from tests.real_services import require_real_service

    require_real_service(settings.REDIS_URL, "REDIS_URL is not set (no Redis found)")
    user = world.one.patients[0].user
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    assert rate_limit_keys("login_failed")
    # Another browser, another cache connection: the right password is still refused.
    from django.core.cache import caches

    fresh = caches.create_connection("default")
    assert any(fresh.get(k.decode().split(":", 2)[2]) for k in rate_limit_keys("login_failed"))
    response = second_client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}
    )
    assert "_auth_user_id" not in second_client.session
    assert response.status_code == 429 or "Too many" in response.content.decode()


def test_password_reset_requests_are_rate_limited_via_redis(world, client, second_client):
    from tests.real_services import require_real_service

    require_real_service(settings.REDIS_URL, "REDIS_URL is not set (no Redis found)")
    email = world.one.patients[0].user.email
    for _ in range(5):
        assert client.post(reverse("account_reset_password"), {"email": email}).status_code == 302
    assert rate_limit_keys("reset_password")
    response = second_client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 429
    assert len(mail.outbox) == 5


# --- ?next= stays on the site -----------------------------------------------------------------

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "javascript:alert(1)",
    "/\\evil.example/",
    "\\\\evil.example/",
    "\\/evil.example/",
    "https:evil.example",
    " //evil.example/",
    "http://testserver@evil.example/",
]


def stays_on_site(location):
    from urllib.parse import urlsplit

    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and "evil" not in location
    )


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_next_cannot_leave_the_site(world, client, target):
    user = world.one.patients[0].user
    response = client.post(
        reverse("account_login") + "?next=" + quote(target),
        {"login": user.email, "password": PASSWORD, "next": target},
    )
    assert client.session["_auth_user_id"] == str(user.pk)
    assert stays_on_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_logout_next_cannot_leave_the_site(world, client, target):
    client.force_login(world.one.patients[0].user)
    response = client.post(reverse("account_logout") + "?next=" + quote(target), {"next": target})
    assert response.status_code == 302
    assert stays_on_site(response["Location"]), response["Location"]


def test_a_next_on_the_site_is_followed(world, client):
    user = world.one.patients[0].user
    target = reverse("integration:journal")
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD, "next": target}
    )
    assert response["Location"] == target
