"""Configuration: production mode passes Django's deployment checks; errors never leak."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    # The browser tests allow async-unsafe ORM calls in this process; a deployment never does.
    dropped = {"DEBUG", "KAP_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
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
