"""Shared fixtures: two clinics, each with staff of every role and two patients."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.test import Client, TestCase

from kapclinic.clinic.models import Role

from .factories import (
    ClinicFactory,
    CourseFactory,
    PatientFactory,
    ProviderFactory,
    UserFactory,
)
from .own_redis import own_redis  # noqa: F401  (fixture: a Redis the test stops and starts)


@receiver(connection_created)
def _let_test_teardown_empty_the_audit_trail(sender, connection, **kwargs):
    """Transactional tests end with TRUNCATE of every table; the audit trigger refuses that
    except in a test_* database on a connection that says so (audit migration 0004)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET kapclinic.audit_flush = 'on'")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; start each test with none."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KAP_REQUIRE_STAFF_MFA = True


class CommittingClient(Client):
    """A test client whose requests end like real ones: on-commit callbacks run.

    pytest-django wraps each test in a transaction that never commits, so without this the
    emails and tasks that views queue with transaction.on_commit would silently never go.
    """

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    return CommittingClient()


@pytest.fixture
def second_client():
    """Another browser: the patient's phone while staff stay signed in on `client`."""
    return CommittingClient()


def _clinic_world(name):
    clinic = ClinicFactory(name=name)
    staff = {
        role: ProviderFactory(clinic=clinic, role=role)
        for role in (Role.PRESCRIBER, Role.THERAPIST, Role.NURSE, Role.CLINIC_ADMIN)
    }
    patients = [PatientFactory(clinic=clinic) for _ in range(2)]
    courses = [CourseFactory(patient=p) for p in patients]
    return SimpleNamespace(clinic=clinic, staff=staff, patients=patients, courses=courses)


@pytest.fixture
def world(db):
    """Two clinics with every role and two patients each, as the access rules need."""
    return SimpleNamespace(one=_clinic_world("North clinic"), two=_clinic_world("South clinic"))


@pytest.fixture
def build(world):
    """Clinic one's first course, ready to take through a dosing session (the builder's Build)."""
    from kapclinic.demo.builder import Build

    return Build(world)


@pytest.fixture
def ready(build):
    """A dosing session where every pre-dose check passes (consent version 1.0 signed)."""
    build()
    return build


def enrol_authenticator(user):
    """Give a user a real TOTP authenticator, as allauth.mfa would after set-up."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def enrol_mfa():
    """Give a user a real TOTP authenticator, as allauth.mfa would after set-up."""
    return enrol_authenticator


@pytest.fixture
def staff_client(client, enrol_mfa):
    """Sign in a member of staff who has enrolled MFA."""

    def sign_in(provider):
        enrol_mfa(provider.user)
        client.force_login(provider.user)
        return client

    return sign_in


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True)
