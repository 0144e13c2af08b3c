"""Break-glass while Redis or the mail server is down: the clinic admins still hear of it.

The notice is a reminder row written with the access. A stopped broker (a Redis of the test's
own) or a refusing mail server (a real local socket) delays it; the next scan after recovery,
or a real worker on Redis, sends it once, and only then does the patient read "was told".
"""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kapclinic.celery import app
from kapclinic.clinic.models import EmergencyAccess, Role
from kapclinic.reminders.models import Reminder, Status
from kapclinic.reminders.tasks import scan_due_reminders
from tests.intake.test_invitation_mail_outage import Refusing, mail_server, smtp  # noqa: F401
from tests.own_redis import celery_broker
from tests.reminders.conftest import run_scan

REASON = "Patient brought to our clinic confused after a fall; need current medication."


def notices():
    return [m for m in mail.outbox if "emergency access" in m.subject.lower()]


def break_glass(client, patient):
    """The request and its time to answer (the URL resolved first: not a cold import)."""
    url = reverse("clinic:emergency-access")
    started = time.monotonic()
    response = client.post(url, {"patient_number": patient.pk, "reason": REASON})
    return response, time.monotonic() - started


def notice_row(access):
    """The notice's reminder row (by the kind's value: the test predates the kind)."""
    return Reminder.objects.get(kind="emergency_access", subject_id=access.pk)


def told_on_patients_page(client, patient):
    client.force_login(patient.user)
    return (
        f"{patient.clinic.name} was told"
        in client.get(reverse("audit:who-viewed")).content.decode()
    )


@pytest.mark.django_db
def test_a_break_glass_during_a_redis_outage_is_told_by_the_next_scan(
    world, own_redis, staff_client
):
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    patient = world.one.patients[0]
    with celery_broker(own_redis.url):
        own_redis.stop()
        response, took = break_glass(client, patient)
    assert response.status_code == 302
    print(f"\nbreak-glass with Redis down: {took:.3f} s")
    assert took < 1, f"break-glass with Redis down took {took:.1f} s"
    access = EmergencyAccess.objects.get()
    assert access.clinic_told_at is None and not notices()

    own_redis.start()
    run_scan(timezone.now())
    [message] = notices()
    assert message.to == [world.one.staff[Role.CLINIC_ADMIN].user.email]
    body = message.subject + message.body + message.alternatives[0][0]
    assert f"Patient number: {patient.pk}" in body
    for private in (patient.legal_name, patient.email, "medication", "confused", REASON):
        assert private not in body
    access.refresh_from_db()
    assert access.clinic_told_at is not None and notice_row(access).status == Status.SENT
    run_scan(timezone.now() + datetime.timedelta(hours=1))
    assert len(notices()) == 1, "told once, not at every scan"
    assert told_on_patients_page(client, patient)


@pytest.mark.django_db
def test_a_break_glass_while_mail_refuses_is_retried_and_told_once_mail_works(
    world,
    staff_client,
    mail_server,  # noqa: F811
):
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    patient = world.one.patients[0]
    with smtp(mail_server(Refusing)):
        response, took = break_glass(client, patient)
        print(f"\nbreak-glass with mail refusing: {took:.3f} s")
        assert response.status_code == 302 and took < 1, f"break-glass took {took:.1f} s"
        outcomes = run_scan(timezone.now())
    assert [o.status for o in outcomes] == ["retry"], outcomes
    access = EmergencyAccess.objects.get()
    row = notice_row(access)
    assert row.status == Status.DUE and row.attempts == 1 and row.last_error
    assert access.clinic_told_at is None
    assert not told_on_patients_page(client, patient)

    # Mail works again: the next scan after the backoff tells the admins.
    run_scan(timezone.now() + datetime.timedelta(hours=1))
    [message] = notices()
    assert message.to == [world.one.staff[Role.CLINIC_ADMIN].user.email]
    access.refresh_from_db()
    assert access.clinic_told_at is not None


@pytest.mark.django_db(transaction=True)
def test_after_a_redis_outage_a_real_worker_tells_the_admins_once(
    world, own_redis, staff_client, settings
):
    """The beat's scan publishes to Redis once it is back; a real worker on it sends. With
    Redis up, the notice is handed to the worker as the access commits."""
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    patient = world.one.patients[0]
    with celery_broker(own_redis.url):
        own_redis.stop()
        assert break_glass(client, patient)[0].status_code == 302
        own_redis.start()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            scan_due_reminders()
            deadline = time.monotonic() + 20
            while not notices() and time.monotonic() < deadline:
                time.sleep(0.1)
            scan_due_reminders()  # a second scan finds nothing left to send
            time.sleep(1)
            [message] = notices()
            # Redis up: the next break-glass is handed to the worker at once, no scan needed.
            assert break_glass(client, world.one.patients[1])[0].status_code == 302
            deadline = time.monotonic() + 20
            while len(notices()) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
    assert message.to == [world.one.staff[Role.CLINIC_ADMIN].user.email]
    assert len(notices()) == 2
    for access in EmergencyAccess.objects.all():
        assert access.clinic_told_at is not None
        assert notice_row(access).status == Status.SENT


@pytest.mark.django_db
def test_the_upgrade_writes_a_notice_for_a_recent_access_never_told(world):
    """A notice lost to an outage under the old queued task is sent after the upgrade; one
    already told, or older than a week (before `clinic_told_at` existed), is not repeated."""
    from importlib import import_module

    from django.apps import apps

    upgrade = import_module("kapclinic.reminders.migrations.0009_emergency_access_notice")
    user, patient = world.two.staff[Role.PRESCRIBER].user, world.one.patients[0]
    lost, told, old = (
        EmergencyAccess.open(user=user, patient=patient, reason=REASON) for _ in "123"
    )
    EmergencyAccess.objects.filter(pk=told.pk).update(clinic_told_at=timezone.now())
    long_ago = timezone.now() - datetime.timedelta(days=8)
    EmergencyAccess.objects.filter(pk=old.pk).update(
        granted_at=long_ago, expires_at=long_ago + datetime.timedelta(hours=1)
    )
    Reminder.objects.all().delete()  # as before this release: no rows

    upgrade.write_untold_notices(apps, None)
    upgrade.write_untold_notices(apps, None)  # run twice (a re-applied migration): one row
    assert list(Reminder.objects.values_list("subject_id", flat=True)) == [lost.pk]
    run_scan(timezone.now())
    assert len(notices()) == 1
    lost.refresh_from_db()
    assert lost.clinic_told_at is not None


@pytest.mark.django_db
def test_a_mail_outage_longer_than_the_retries_still_tells_the_admins_once_it_ends(
    world,
    staff_client,
    mail_server,  # noqa: F811
    settings,
):
    """A mail server that is down refused nothing about this message: the row keeps retrying,
    at the longest backoff once the attempts are used up, instead of failing for good."""
    settings.REMINDER_MAX_ATTEMPTS = 3
    base = datetime.timedelta(seconds=settings.REMINDER_RETRY_BACKOFF_SECONDS)
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    with smtp(mail_server(Refusing)):
        assert break_glass(client, world.one.patients[0])[0].status_code == 302
        access = EmergencyAccess.objects.get()
        when = timezone.now()
        waits = []
        for _ in range(6):  # twice the attempts allowed
            run_scan(when)
            row = notice_row(access)
            assert row.status == Status.DUE, f"attempt {row.attempts}: {row.status}"
            waits.append(row.send_after - when)
            when = row.send_after
    assert row.attempts == 6 and "554" in row.last_error
    longest = base * 2 ** (settings.REMINDER_MAX_ATTEMPTS - 1)
    assert waits == [base, 2 * base, longest, longest, longest, longest]
    run_scan(when)  # mail works again
    [message] = notices()
    assert message.to == [world.one.staff[Role.CLINIC_ADMIN].user.email]
    access.refresh_from_db()
    assert access.clinic_told_at is not None
