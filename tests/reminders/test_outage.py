"""The broker (Redis) stopped by the test: reminders wait in the database, never in limbo.

Celery publishes for real (not eagerly) to a Redis of the test's own (tests/own_redis.py).
"""

import datetime
import logging
import time

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.models import Role, SafetyFlag
from kapclinic.reminders import services, tasks
from kapclinic.reminders.models import Kind, Reminder, Status
from tests.factories import AppointmentFactory
from tests.own_redis import celery_broker

from .conftest import run_scan, sent_ids

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def book_soon(world, n=1):
    """Appointments an hour ahead, one per patient (a patient is in one place at a time):
    each one's short-notice reminder is due now."""
    now = timezone.now()
    courses = world.one.courses + world.two.courses
    for i in range(n):
        AppointmentFactory(course=courses[i], starts_at=now + HOUR + datetime.timedelta(minutes=i))


def test_a_reminder_claimed_while_the_broker_is_down_goes_out_with_the_next_scan(
    world, own_redis, caplog
):
    caplog.set_level(logging.WARNING)
    with celery_broker(own_redis.url):
        own_redis.stop()
        book_soon(world, n=3)  # on_commit never runs here: the rows wait for the scan
        started = time.monotonic()
        result = services.scan(dispatch=tasks._enqueue_batch, now=timezone.now())
        took = time.monotonic() - started
    rows = Reminder.objects.filter(kind=Kind.APPOINTMENT_SOON)
    assert rows.count() == 3 and result.released == 3 and result.claimed == []
    # Back to due at once, not stranded in "sending" until the 15-minute reclaim.
    assert set(rows.values_list("status", flat=True)) == {Status.DUE}
    assert not rows.filter(lease__isnull=False).exists()
    print(f"\nscan against a dead broker: {took:.3f} s, {result.released} released")
    assert took < 2, f"a scan against a dead broker took {took:.1f} s"

    own_redis.start()
    run_scan(timezone.now())  # the next scan
    assert sorted(sent_ids()) == sorted(rows.values_list("pk", flat=True))
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
    assert not rows.filter(possible_duplicate=True).exists()


def test_an_appointment_moved_while_the_broker_is_down_is_sent_by_the_next_scan(
    world, own_redis, staff_client
):
    client = staff_client(world.one.staff[Role.NURSE])
    appointment = AppointmentFactory(course=world.one.courses[0], starts_at=timezone.now() + HOUR)
    Reminder.objects.all().delete()
    with celery_broker(own_redis.url):
        own_redis.stop()
        started = time.monotonic()
        # A moved appointment: its on-commit planning tries to queue the due reminder.
        appointment.starts_at = timezone.now() + HOUR
        with TestCase.captureOnCommitCallbacks(execute=True):
            appointment.save()
        response = client.get(reverse("clinic:caseload"))
        took = time.monotonic() - started
    assert response.status_code == 200
    assert "Background work is delayed" in response.content.decode()
    row = Reminder.objects.get(kind=Kind.APPOINTMENT_SOON)
    assert row.status == Status.DUE and mail.outbox == []
    print(f"\nmoved appointment + caseload with the broker down: {took:.3f} s")
    assert took < 2

    own_redis.start()
    run_scan(timezone.now())
    row.refresh_from_db()
    assert row.status == Status.SENT and sent_ids() == [row.pk]


def test_a_safety_flag_raised_while_the_broker_is_down_is_saved_and_queueing_never_raises(
    world, own_redis
):
    course = world.one.courses[0]
    with celery_broker(own_redis.url):
        own_redis.stop()
        with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
            flag = SafetyFlag.objects.create(
                course=course, source="Check-in PHQ-9", reason="Item 9 answered above zero."
            )
    assert callbacks, "the alert was to be queued after commit"
    assert SafetyFlag.objects.filter(pk=flag.pk).exists()
