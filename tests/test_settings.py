"""Configuration: production mode passes Django's deployment checks; errors never leak."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory

from tests.processes import deployment_env

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    # The browser tests allow async-unsafe ORM calls in this process; a deployment never does.
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=deployment_env("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "clinic.example.org",
}


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_ENV="production", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_uses_argon2_first_and_secure_cookies():
    code = (
        "from django.conf import settings as s; "
        "print(s.PASSWORD_HASHERS[0], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS > 0, s.DEBUG)"
    )
    result = run_manage("shell", "-c", code, **PRODUCTION_ENV)
    assert result.stdout.split()[-5:] == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "True",
        "True",
        "True",
        "False",
    ], result.stderr


def test_database_is_the_one_the_environment_names():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected
    if os.environ.get("KAP_REQUIRE_REAL_SERVICES"):
        assert connection.vendor == "postgresql"


def test_cache_is_redis_when_configured_and_round_trips():
    from django.core.cache import cache

    backend = settings.CACHES["default"]["BACKEND"]
    if os.environ.get("KAP_REQUIRE_REAL_SERVICES"):
        assert settings.REDIS_URL
    if settings.REDIS_URL:
        assert backend.endswith("RedisCache")
    cache.set("kap-probe", "ok", 10)
    assert cache.get("kap-probe") == "ok"


@pytest.mark.django_db
def test_unknown_url_gives_the_friendly_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_server_error_page_shows_no_traceback():
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body


@pytest.mark.django_db
def test_pages_send_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    for directive in (
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_signed_in_pages_are_never_cached(world, client):
    client.force_login(world.one.patients[0].user)
    assert client.get("/my-journey/")["Cache-Control"] == "no-store"


def test_production_settings_harden_transport_and_cookies():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_REFERRER_POLICY, s.SECURE_CONTENT_TYPE_NOSNIFF)"
    )
    result = run_manage("shell", "-c", code, **PRODUCTION_ENV)
    assert result.stdout.split()[-11:] == ["True"] * 8 + ["Lax", "same-origin", "True"], (
        result.stdout + result.stderr
    )


def test_production_responses_carry_hsts_and_secure_httponly_cookies():
    """A real response under production settings: HTTPS redirect, HSTS, cookie flags."""
    # Static files from the source folders: the manifest exists only after collectstatic.
    code = """
from django.test import Client, override_settings
files = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={"default": files, "staticfiles": static}):
    c = Client()
    plain = c.get("/accounts/login/", HTTP_HOST="clinic.example.org")
    r = c.get("/accounts/login/", secure=True, HTTP_HOST="clinic.example.org")
k = r.cookies["csrftoken"]
print("RESULT", plain.status_code, plain["Location"], r.status_code,
      r["Strict-Transport-Security"], bool(k["secure"]), bool(k["httponly"]),
      r["Referrer-Policy"])
"""
    result = run_manage("shell", "-c", code, **PRODUCTION_ENV)
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT")), "")
    assert line.split() == [
        "RESULT",
        "301",
        "https://clinic.example.org/accounts/login/",
        "200",
        "max-age=31536000;",
        "includeSubDomains;",
        "preload",
        "True",
        "True",
        "same-origin",
    ], result.stdout + result.stderr


@pytest.mark.django_db
def test_signed_in_cookies_are_httponly_and_samesite(world, client):
    from tests.factories import PASSWORD

    user = world.one.patients[0].user
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"] or int(cookie["max-age"]) <= 30 * 60


def test_with_port_set_every_email_link_follows_the_port_the_demo_serves():
    """`make demo PORT=8123`: reminders and alerts (SITE_URL) link to 8123, as invitations do."""
    script = (
        "from django.conf import settings; from kapclinic.reminders.emails import link; "
        "print(settings.SITE_URL); print(link('clinic:my-journey'))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=deployment_env("SITE_URL", PORT="8123"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    site_url, journey = result.stdout.split()[-2:]
    assert site_url == "http://127.0.0.1:8123"
    assert journey.startswith("http://127.0.0.1:8123/")
    dry_run = subprocess.run(
        ["make", "-n", "demo", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    serve = [line for line in dry_run.stdout.splitlines() if "runserver" in line]
    assert serve and all("PORT=8123" in line and "127.0.0.1:8123" in line for line in serve)


def test_the_test_run_names_its_settings_and_a_process_it_starts_runs_the_ordinary_ones():
    """No guessing from sys.modules: pytest names kapclinic.settings_test (fast hashing, eager
    tasks); `manage.py` started by a test is the deployment and runs kapclinic.settings."""
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "kapclinic.settings_test"
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.MD5PasswordHasher"
    code = "from django.conf import settings as s; print(s.SETTINGS_MODULE, s.PASSWORD_HASHERS[0])"
    result = run_manage("shell", "-c", code)
    assert result.stdout.split()[-2:] == [
        "kapclinic.settings",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ], result.stderr


@pytest.mark.parametrize(("worker", "database"), [("", 15), ("gw0", 15), ("gw1", 14)])
def test_each_pytest_xdist_worker_has_a_redis_database_of_its_own(worker, database):
    """`make test` runs two workers; each empties its cache per test and drains its Celery
    queue, so sharing a Redis database would wipe the other's sign-in counters and tasks.
    The processes a test starts (a real Celery worker) inherit the worker's database."""
    script = (
        "import os, django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['LOCATION'], settings.CELERY_BROKER_URL, "
        "os.environ['REDIS_URL'])"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "kapclinic.settings_test",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "PYTEST_XDIST_WORKER": worker,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"redis://127.0.0.1:6379/{database}"] * 3
