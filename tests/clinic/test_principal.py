"""The signed-in member of staff kept in Redis (kapclinic/clinic/principal.py): read without SQL
while it is current, and every change to who they are takes effect on the next request."""

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kapclinic.clinic import principal
from kapclinic.clinic.access import has_mfa, patient_for, provider_for
from kapclinic.clinic.auth_backends import ClinicAuthenticationBackend
from kapclinic.clinic.models import Role
from tests.clinic.test_redis_outage import wait_past_retry
from tests.real_services import require_real_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _needs_redis():
    require_real_service(settings.REDIS_URL, "REDIS_URL is not set (the principal lives there)")


def login_queries(user_id):
    with CaptureQueriesContext(connection) as queries:
        user = ClinicAuthenticationBackend().get_user(user_id)
    return user, len(queries)


def chart(patient):
    return reverse("clinic:patient-chart", args=[patient.pk])


def test_the_second_request_builds_the_login_without_sql(world, enrol_mfa):
    nurse = world.one.staff[Role.NURSE]
    enrol_mfa(nurse.user)
    first, queries = login_queries(nurse.user_id)
    assert queries == 1
    again, queries = login_queries(nurse.user_id)
    assert queries == 0
    assert again == first and again.email == nurse.user.email
    assert provider_for(again) == nurse and provider_for(again).role == Role.NURSE
    assert provider_for(again).clinic == world.one.clinic
    assert again.provider.clinic.time_zone == world.one.clinic.time_zone
    assert patient_for(again) is None and has_mfa(again)
    assert again.get_session_auth_hash() == first.get_session_auth_hash()
    assert "password" in again.get_deferred_fields()  # the password hash is never kept


def test_a_staff_page_reads_no_sql_for_the_login_once_kept(world, staff_client):
    client = staff_client(world.one.staff[Role.PRESCRIBER])
    caseload = reverse("clinic:caseload")
    client.get(caseload)
    with CaptureQueriesContext(connection) as first:
        assert client.get(caseload).status_code == 200
    cache.delete(principal._principal_key(world.one.staff[Role.PRESCRIBER].user_id))
    with CaptureQueriesContext(connection) as unkept:
        assert client.get(caseload).status_code == 200
    assert len(unkept) == len(first) + 1


def test_the_first_page_after_sign_in_reads_no_sql_for_the_login(world, client, enrol_mfa):
    nurse = world.one.staff[Role.NURSE]
    enrol_mfa(nurse.user)
    client.force_login(nurse.user)  # the principal is read here, once
    counts = []
    for forget in (False, True, False):
        if forget:
            cache.delete(principal._principal_key(nurse.user_id))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("clinic:caseload")).status_code == 200
        counts.append(len(queries))
    first, unkept, kept = counts
    assert first == kept == unkept - 1


def test_revoking_mfa_takes_effect_on_the_next_request(world, staff_client):
    client = staff_client(world.one.staff[Role.NURSE])
    assert client.get(reverse("clinic:caseload")).status_code == 200
    Authenticator.objects.filter(user=world.one.staff[Role.NURSE].user).delete()
    response = client.get(reverse("clinic:caseload"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


def test_revoking_mfa_counts_when_the_login_is_read_with_the_session(world, staff_client):
    """From a session's second page on, its login's principal comes in the session's round
    trip (session_store.py); a revocation still takes effect on the next request."""
    client = staff_client(world.one.staff[Role.NURSE])
    for _ in range(3):
        assert client.get(reverse("clinic:caseload")).status_code == 200
    Authenticator.objects.filter(user=world.one.staff[Role.NURSE].user).delete()
    response = client.get(reverse("clinic:caseload"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


def test_what_was_read_with_a_session_serves_its_own_login_once(world, enrol_mfa):
    nurse, prescriber = world.one.staff[Role.NURSE], world.one.staff[Role.PRESCRIBER]
    enrol_mfa(nurse.user)
    login_queries(nurse.user_id)  # kept
    found = cache.get_many(principal.keys(nurse.user_id))
    key = principal._principal_key(nurse.user_id)
    marked = {**found, key: {**found[key], "has_mfa": False}}  # tells its use apart
    principal.fetched_with_session(nurse.user_id, marked)
    user, queries = login_queries(nurse.user_id)
    assert queries == 0 and not has_mfa(user)  # used, without a second read
    user, _ = login_queries(nurse.user_id)
    assert has_mfa(user)  # taken once
    principal.fetched_with_session(nurse.user_id, marked)
    user, _ = login_queries(prescriber.user_id)
    assert user.pk == prescriber.user_id and provider_for(user) == prescriber  # another login
    principal.fetched_with_session(nurse.user_id, marked)
    request_finished.send(sender=None)
    user, _ = login_queries(nurse.user_id)
    assert has_mfa(user)  # never carried into another request


def test_enrolling_mfa_takes_effect_on_the_next_request(world, client, enrol_mfa):
    nurse = world.one.staff[Role.NURSE]
    client.force_login(nurse.user)
    assert client.get(reverse("clinic:caseload")).url == reverse("mfa_activate_totp")
    enrol_mfa(nurse.user)
    assert client.get(reverse("clinic:caseload")).status_code == 200


def test_changing_a_role_takes_effect_on_the_next_request(world, staff_client):
    nurse = world.one.staff[Role.NURSE]
    client = staff_client(nurse)
    register = reverse("stock:register")
    assert client.get(register).status_code == 200
    nurse.role = Role.THERAPIST  # therapists keep no controlled-substance register
    nurse.save()
    assert client.get(register).status_code == 404


def test_deactivating_the_provider_takes_effect_on_the_next_request(world, staff_client):
    nurse = world.one.staff[Role.NURSE]
    client = staff_client(nurse)
    assert client.get(reverse("clinic:caseload")).status_code == 200
    nurse.active = False
    nurse.save()
    assert client.get(reverse("clinic:caseload")).status_code != 200


def test_deactivating_the_login_takes_effect_on_the_next_request(world, staff_client):
    nurse = world.one.staff[Role.NURSE]
    client = staff_client(nurse)
    assert client.get(reverse("clinic:caseload")).status_code == 200
    nurse.user.is_active = False
    nurse.user.save()
    assert not client.get(reverse("clinic:caseload")).wsgi_request.user.is_authenticated


def test_moving_clinic_takes_effect_on_the_next_request(world, staff_client):
    nurse = world.one.staff[Role.NURSE]
    client = staff_client(nurse)
    ours, theirs = world.one.patients[0], world.two.patients[0]
    assert client.get(chart(ours)).status_code == 200
    assert client.get(chart(theirs)).status_code == 404
    nurse.clinic = world.two.clinic
    nurse.save()
    assert client.get(chart(ours)).status_code == 404
    assert client.get(chart(theirs)).status_code == 200


def test_a_password_changed_elsewhere_signs_this_session_out(world, staff_client):
    nurse = world.one.staff[Role.NURSE]
    client = staff_client(nurse)
    assert client.get(reverse("clinic:caseload")).status_code == 200
    nurse.user.set_password("a-new-long-passphrase-9")
    nurse.user.save()
    assert not client.get(reverse("clinic:caseload")).wsgi_request.user.is_authenticated


def test_a_kept_login_given_a_new_password_has_the_new_session_hash(world):
    """`update_session_auth_hash` after a password change must not store the kept hash."""
    nurse = world.one.staff[Role.NURSE]
    login_queries(nurse.user_id)
    user, _ = login_queries(nurse.user_id)
    kept_hash = user.get_session_auth_hash()
    user.set_password("a-new-long-passphrase-9")
    assert user.get_session_auth_hash() not in (kept_hash, None)
    user.set_unusable_password()
    assert user.get_session_auth_hash() != kept_hash


def test_a_clinic_time_zone_change_reaches_its_staff_on_the_next_request(world, staff_client):
    prescriber = world.one.staff[Role.PRESCRIBER]
    staff_client(prescriber)
    login_queries(prescriber.user_id)
    clinic = world.one.clinic
    clinic.time_zone = "America/Los_Angeles"
    clinic.save()
    user, queries = login_queries(prescriber.user_id)
    assert queries == 1 and provider_for(user).clinic.time_zone == "America/Los_Angeles"


def test_rows_read_before_a_commit_are_never_used_after_it(world):
    """A request that read the rows while another transaction changed them keeps them under a
    token the commit renews, so the next request reads afresh."""
    nurse = world.one.staff[Role.NURSE]
    stale = ClinicAuthenticationBackend()._read_user(nurse.user_id)

    def read_then_commit_elsewhere(user_id):
        principal.user_changed(user_id)  # the other transaction commits after this read
        return stale

    principal.load(nurse.user_id, read_then_commit_elsewhere)
    nurse.role = Role.THERAPIST
    with transaction.atomic():
        nurse.save()
    user, queries = login_queries(nurse.user_id)
    assert queries == 1 and provider_for(user).role == Role.THERAPIST


def test_a_change_inside_a_transaction_is_renewed_again_at_commit(
    world, django_capture_on_commit_callbacks
):
    nurse = world.one.staff[Role.NURSE]
    login_queries(nurse.user_id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        nurse.role = Role.THERAPIST
        nurse.save()
        login_queries(nurse.user_id)  # read (and kept) inside the transaction
    token = cache.get(principal._token_key(nurse.user_id))
    for callback in callbacks:
        callback()
    assert cache.get(principal._token_key(nurse.user_id)) != token
    assert login_queries(nurse.user_id)[1] == 1


def test_a_change_no_signal_sees_lasts_at_most_a_minute(world):
    nurse = world.one.staff[Role.NURSE]
    login_queries(nurse.user_id)
    key = cache.make_and_validate_key(principal._principal_key(nurse.user_id))
    assert 0 < cache._cache.get_client(key).ttl(key) <= principal.PRINCIPAL_SECONDS


def test_patients_logins_are_not_kept(world, client):
    patient = world.one.patients[0]
    client.force_login(patient.user)
    client.get(reverse("clinic:my-journey"))
    kept = cache.get(principal._principal_key(patient.user_id))
    assert kept == {"stamp": kept["stamp"], "kind": "patient"}
    user, queries = login_queries(patient.user_id)
    assert queries == 1 and patient_for(user) == patient


def test_a_staff_login_that_becomes_a_patient_is_read_again(world):
    from tests.factories import PatientFactory

    nurse = world.one.staff[Role.NURSE]
    login_queries(nurse.user_id)
    PatientFactory(clinic=world.one.clinic, user=nurse.user)
    user, queries = login_queries(nurse.user_id)
    assert queries == 1 and patient_for(user) is not None


def test_a_provider_moved_to_another_login_leaves_the_first(world):
    nurse = world.one.staff[Role.NURSE]
    first_login = nurse.user
    login_queries(first_login.pk)
    from tests.factories import UserFactory

    nurse.user = UserFactory()
    nurse.save()
    user, queries = login_queries(first_login.pk)
    assert queries == 1 and provider_for(user) is None


def test_mfa_revoked_while_redis_was_down_counts_once_it_returns(
    own_redis, world, staff_client, settings
):
    nurse = world.one.staff[Role.NURSE]
    client = staff_client(nurse)
    assert client.get(reverse("clinic:caseload")).status_code == 200
    assert client.get(reverse("clinic:caseload")).status_code == 200  # kept in Redis
    own_redis.stop()
    Authenticator.objects.filter(user=nurse.user).delete()  # the new token cannot be written
    assert client.get(reverse("clinic:caseload")).url == reverse("mfa_activate_totp")
    own_redis.start()
    wait_past_retry(settings)
    assert client.get(reverse("clinic:caseload")).url == reverse("mfa_activate_totp")
