"""Redis stopped and started by the test: the web carries on from PostgreSQL (issue 22).

The cache and the session store run on a Redis of the test's own (tests/own_redis.py); what
each test measured is written up in docs/operations.md ("When a service is down").
"""

import logging
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.clinic.redis_outage import REDIS
from kapclinic.demo.builder import Build
from sessions.models import VitalSigns
from tests.factories import PASSWORD
from tests.sessions.test_session_views import HTMX, screen, url, vitals_post
from tests.totp import fresh_totp_code

pytestmark = pytest.mark.django_db

BANNER = "Background work is delayed"


@pytest.fixture
def ready(world):
    """A dosing session under way, every pre-dose check passed."""
    build = Build(world)
    build()
    return build


def outage_logs(caplog, level):
    return [r for r in caplog.records if r.name == "kapclinic.outage" and r.levelno == level]


def wait_past_retry(settings):
    time.sleep(settings.KAP_REDIS_RETRY_SECONDS + 0.1)


def test_with_redis_down_a_signed_in_clinician_keeps_working_and_recovery_needs_no_restart(
    own_redis, ready, staff_client, settings, caplog
):
    caplog.set_level(logging.INFO, logger="kapclinic.outage")
    client = staff_client(ready.world.one.staff[Role.NURSE])
    assert client.get(reverse("clinic:caseload")).status_code == 200
    # Drawn once before the outage: the timings below are Redis's part, not a first render
    # (the screen's forms are drawn once per process; 2.3 s on a loaded machine).
    assert client.get(screen(ready)).status_code == 200
    assert own_redis.client().keys("kap-outage-test:*"), "the session is cached in Redis"

    own_redis.stop()
    timings = []

    def timed(call, *args, **kwargs):
        started = time.monotonic()
        response = call(*args, **kwargs)
        timings.append(time.monotonic() - started)
        return response

    caseload = timed(client.get, reverse("clinic:caseload"))
    assert caseload.status_code == 200
    assert BANNER in caseload.content.decode()
    assert timed(client.get, screen(ready)).status_code == 200
    before = VitalSigns.objects.count()
    saved = timed(
        client.post, url("record-vitals", ready.session), vitals_post(ready), headers=HTMX
    )
    assert saved.status_code == 200
    assert VitalSigns.objects.count() == before + 1
    for _ in range(5):  # more pages, past the retry interval: still one log line
        assert timed(client.get, reverse("clinic:caseload")).status_code == 200
        wait_past_retry(settings)
    assert len(outage_logs(caplog, logging.ERROR)) == 1
    # The session lives on in its database row: signed in, and its expiry moved forward.
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.get_decoded()["_auth_user_id"] == str(ready.world.one.staff[Role.NURSE].user_id)

    own_redis.start()
    wait_past_retry(settings)
    after = client.get(reverse("clinic:caseload"))
    assert after.status_code == 200 and BANNER not in after.content.decode()
    assert not REDIS.is_down
    assert len(outage_logs(caplog, logging.WARNING)) == 1  # "reachable again", once
    # Back on Redis: the session is cached again.
    assert own_redis.client().exists(
        f"kap-outage-test:1:django.contrib.sessions.cached_db{client.session.session_key}"
    )
    # Measured for docs/operations.md: no request waits on the missing Redis.
    print(f"\nredis-outage requests: {[round(t, 3) for t in timings]}")
    assert max(timings) < 2, timings


def _sign_in(client, provider, secret):
    step = client.post(
        reverse("account_login"), {"login": provider.user.email, "password": PASSWORD}
    )
    if step.status_code != 302 or step.url != reverse("mfa_authenticate"):
        return step
    return client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code(secret)})


def test_with_redis_down_a_new_sign_in_is_refused_with_a_clear_page_then_works_again(
    own_redis, world, client, enrol_mfa, settings
):
    provider = world.one.staff[Role.PRESCRIBER]
    secret = enrol_mfa(provider.user)

    own_redis.stop()
    refused = _sign_in(client, provider, secret)
    assert refused.status_code == 503
    assert "Signing in is paused" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    own_redis.start()
    wait_past_retry(settings)
    signed_in = _sign_in(client, provider, secret)
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    assert client.session["_auth_user_id"] == str(provider.user_id)
    assert client.get(reverse("clinic:caseload")).status_code == 200


def test_redis_lost_between_password_and_code_pauses_the_sign_in_in_plain_words(
    own_redis, world, client, enrol_mfa
):
    provider = world.one.staff[Role.PRESCRIBER]
    secret = enrol_mfa(provider.user)
    step = client.post(
        reverse("account_login"), {"login": provider.user.email, "password": PASSWORD}
    )
    assert step.status_code == 302 and step.url == reverse("mfa_authenticate")
    own_redis.stop()
    refused = client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code(secret)})
    assert refused.status_code == 200
    assert "Signing in is paused" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_signed_out_during_the_outage_stays_ended_when_redis_returns(
    own_redis, world, staff_client, second_client, settings
):
    client = staff_client(world.one.staff[Role.NURSE])
    assert client.get(reverse("clinic:caseload")).status_code == 200
    # The same browser's cookie, copied: what someone at the workstation could reuse.
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    second_client.cookies[settings.SESSION_COOKIE_NAME] = stolen
    cached = own_redis.client().keys("kap-outage-test:*sessions*")
    assert cached

    own_redis.stop()
    assert client.post(reverse("account_logout")).status_code == 302
    own_redis.start()
    # Redis came back with the copy it had written to disk before the stop.
    assert own_redis.client().keys("kap-outage-test:*sessions*") == cached
    wait_past_retry(settings)

    response = second_client.get(reverse("clinic:caseload"))
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert not set(cached) & set(own_redis.client().keys("kap-outage-test:*sessions*"))


@override_settings(KAP_REQUIRE_STAFF_MFA=False)
def test_the_delayed_work_banner_is_for_staff_only(own_redis, world, client):
    client.force_login(world.one.patients[0].user)
    own_redis.stop()
    page = client.get(reverse("clinic:my-journey"))
    assert page.status_code == 200
    assert BANNER not in page.content.decode()


def test_a_cached_session_older_than_a_minute_is_checked_against_its_row(
    own_redis, world, staff_client
):
    """Another web process ended this session while Redis was away (its row is gone) and never
    reached Redis to delete the copy: within a minute the copy is checked and refused."""
    from django.contrib.sessions.backends.base import SessionBase

    from kapclinic.clinic.session_store import DB_REFRESH_SECONDS, DB_WRITTEN_AT, SessionStore

    client = staff_client(world.one.staff[Role.NURSE])
    assert client.get(reverse("clinic:caseload")).status_code == 200
    key = client.session.session_key
    store = SessionStore(key)
    copy = store._cache.get(store.cache_key)
    assert copy and copy.get("_auth_user_id")
    Session.objects.filter(session_key=key).delete()  # ended elsewhere; the copy survived

    # A copy written less than a minute ago is trusted (no query)...
    assert client.get(reverse("clinic:caseload")).status_code == 200
    # ...one whose row was last written longer ago is checked first, and refused.
    copy[DB_WRITTEN_AT] = time.time() - DB_REFRESH_SECONDS - 1
    store._cache.set(store.cache_key, copy, SessionBase.get_expiry_age(store))
    response = client.get(reverse("clinic:caseload"))
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert store._cache.get(store.cache_key) is None
