"""Sessions: a new key at sign-in, idle and absolute limits, and ending them everywhere."""

import time

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.clinic.session_store import DB_REFRESH_SECONDS, DB_WRITTEN_AT, SessionStore
from kapclinic.clinic.signin import SIGNED_IN_AT
from tests.factories import PASSWORD
from tests.totp import fresh_totp_code

pytestmark = pytest.mark.django_db

JOURNEY = reverse("clinic:my-journey")


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(user.pk), response
    return client.session.session_key


def is_signed_in(client):
    return client.get(JOURNEY).status_code == 200


def test_session_key_changes_at_sign_in(world, client):
    user = world.one.patients[0].user
    client.get(reverse("account_login"))
    session = client.session
    session["before"] = "anonymous visit"
    session.save()
    before = session.session_key
    after = sign_in(client, user)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_session_key_changes_again_after_the_mfa_step(world, client, enrol_mfa):
    user = world.one.staff[Role.NURSE].user
    secret = enrol_mfa(user)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    half_way = client.session.session_key
    client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code(secret)})
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session.session_key != half_way


def test_session_ends_at_the_absolute_limit_however_active(world, client, settings):
    settings.SESSION_ABSOLUTE_HOURS = 12
    sign_in(client, world.one.patients[0].user)
    assert is_signed_in(client)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 12 * 3600 - 60
    session.save()
    response = client.get(JOURNEY, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert "next=" + JOURNEY in response.redirect_chain[0][0]
    assert "12 hours after signing in" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not is_signed_in(client)


def test_session_within_the_absolute_limit_stays(world, client, settings):
    settings.SESSION_ABSOLUTE_HOURS = 12
    sign_in(client, world.one.patients[0].user)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 11 * 3600
    session.save()
    assert is_signed_in(client)


def test_absolute_limit_is_twelve_hours_by_default():
    from django.conf import settings

    assert settings.SESSION_ABSOLUTE_HOURS == 12


def test_sign_out_ends_the_users_sessions_on_every_device(world, client, second_client):
    user = world.one.patients[0].user
    laptop = sign_in(client, user)
    phone = sign_in(second_client, user)
    assert UserSession.objects.filter(user=user).count() == 2
    client.post(reverse("account_logout"))
    assert not is_signed_in(client)
    assert not is_signed_in(second_client)
    assert not Session.objects.filter(session_key__in=[laptop, phone]).exists()
    assert not UserSession.objects.filter(user=user).exists()


def test_sign_out_leaves_other_peoples_sessions_alone(world, client, second_client):
    sign_in(client, world.one.patients[0].user)
    sign_in(second_client, world.one.patients[1].user)
    client.post(reverse("account_logout"))
    assert is_signed_in(second_client)


def test_deactivating_a_user_ends_all_their_sessions_at_once(world, client, second_client):
    user = world.one.patients[0].user
    keys = [sign_in(client, user), sign_in(second_client, user)]
    user.is_active = False
    user.save()
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not is_signed_in(client) and not is_signed_in(second_client)


def test_deactivating_a_user_in_the_admin_ends_their_sessions(
    world, client, second_client, superuser, enrol_mfa
):
    user = world.one.patients[0].user
    key = sign_in(second_client, user)
    enrol_mfa(superuser)
    client.force_login(superuser)
    change = reverse("admin:clinic_user_change", args=[user.pk])
    form = client.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(is_active="", groups=[g.pk for g in user.groups.all()], user_permissions=[])
    data = {k: v for k, v in data.items() if not isinstance(v, list) or v}
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_active
    assert not Session.objects.filter(session_key=key).exists()


def test_deactivating_a_member_of_staff_ends_their_sessions(world, client, enrol_mfa):
    provider = world.one.staff[Role.THERAPIST]
    secret = enrol_mfa(provider.user)
    client.post(reverse("account_login"), {"login": provider.user.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code(secret)})
    key = client.session.session_key
    provider.active = False
    provider.save()
    assert not Session.objects.filter(session_key=key).exists()


def test_password_change_ends_the_other_sessions(world, client, second_client):
    user = world.one.patients[0].user
    sign_in(client, user)
    sign_in(second_client, user)
    new = "a-fresh-long-passphrase-77"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert not is_signed_in(second_client)


def test_a_password_change_keeps_this_device_signed_in_and_ends_the_others_at_once(
    world, client, second_client
):
    """Changing a password signed the person out here too (ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE):
    now they stay signed in where they changed it, and every other session (a lost phone, a
    stolen cookie) is ended at once, its stored row gone, not only at its next request."""
    user = world.one.patients[0].user
    sign_in(client, user)
    other = sign_in(second_client, user)
    new = "a-fresh-long-passphrase-78"
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert is_signed_in(client)
    assert not Session.objects.filter(session_key=other).exists()
    assert not UserSession.objects.filter(session_key=other).exists()
    assert not is_signed_in(second_client)


def stored_row(key):
    return Session.objects.get(session_key=key)


def seconds_left_in_redis(key):
    from django.core.cache import cache

    full_key = cache.make_and_validate_key(SessionStore(key).cache_key)
    return cache._cache.get_client(full_key).ttl(full_key)


def test_a_page_view_moves_the_idle_expiry_without_rewriting_the_row(world, client):
    from django.core.cache import cache

    key = sign_in(client, world.one.patients[0].user)
    assert is_signed_in(client)
    row = stored_row(key)
    cache.touch(SessionStore(key).cache_key, 60)  # as if idle for 29 minutes
    assert seconds_left_in_redis(key) <= 60
    assert is_signed_in(client)
    assert seconds_left_in_redis(key) > 29 * 60
    again = stored_row(key)
    assert (again.expire_date, again.session_data) == (row.expire_date, row.session_data)


def test_reading_the_session_moves_its_idle_expiry_in_the_same_round_trip(
    world, client, monkeypatch
):
    from django.core.cache import cache

    from kapclinic.clinic.redis_outage import ResilientRedisCache

    key = sign_in(client, world.one.patients[0].user)
    assert is_signed_in(client)
    cache.touch(SessionStore(key).cache_key, 60)  # as if idle for 29 minutes
    touched = []
    monkeypatch.setattr(ResilientRedisCache, "touch", lambda *args: touched.append(args))
    assert is_signed_in(client)
    assert seconds_left_in_redis(key) > 29 * 60
    assert touched == []  # GETEX moved it: no second round trip at the end of the request


def test_the_row_is_rewritten_once_its_copy_is_a_minute_old(world, client):
    from django.core.cache import cache

    key = sign_in(client, world.one.patients[0].user)
    assert is_signed_in(client)
    cache_key = SessionStore(key).cache_key
    data = cache.get(cache_key)
    data[DB_WRITTEN_AT] -= DB_REFRESH_SECONDS + 1
    cache.set(cache_key, data, 600)
    before = stored_row(key).expire_date
    assert is_signed_in(client)
    assert stored_row(key).expire_date > before


def test_a_session_ended_elsewhere_is_not_revived_by_a_late_request(world, client):
    from django.core.cache import cache

    key = sign_in(client, world.one.patients[0].user)
    assert is_signed_in(client)
    late = SessionStore(key)
    assert late.get(SIGNED_IN_AT)  # the late request has read the session
    SessionStore().delete(key)  # signed out on another device meanwhile
    late.save()  # unchanged and recently written: only the expiry would move
    assert cache.get(late.cache_key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert not is_signed_in(client)


def test_sessions_are_read_from_redis_and_the_database_only_when_redis_lost_them(world, client):
    from django.core.cache import cache

    key = sign_in(client, world.one.patients[0].user)
    cache.delete(SessionStore(key).cache_key)  # Redis restarted or evicted the entry
    assert is_signed_in(client)
    assert cache.get(SessionStore(key).cache_key) is not None
    stored_row(key).delete()
    cache.delete(SessionStore(key).cache_key)
    assert not is_signed_in(client)
