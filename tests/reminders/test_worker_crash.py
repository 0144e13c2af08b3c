"""A real worker on Redis is killed (SIGKILL) mid-batch; a new one finishes: each once.

Two `celery -A kapclinic worker` processes run against this test's PostgreSQL database and
write mail to files (Django's filebased backend), so what was delivered is read back from disk,
not from this process's memory.
"""

import collections
import os
import signal
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from kapclinic.celery import app
from kapclinic.clinic.models import Appointment
from kapclinic.reminders import planner, services
from kapclinic.reminders.emails import HEADER
from kapclinic.reminders.models import Kind, Reminder, Status
from kapclinic.reminders.tasks import scan_due_reminders, send_reminder
from tests.processes import celery_worker, database_url, deployment_env
from tests.real_services import require_real_service

BATCH = 24
SEND_DELAY_MS = 200
pytestmark = pytest.mark.celery_worker


@pytest.fixture
def services_up():
    require_real_service(settings.REDIS_URL, "REDIS_URL is not set")
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        require_real_service(False, f"Redis at {settings.REDIS_URL} is unreachable")


class Worker:
    def __init__(self, name, env, log_dir):
        self.log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115  closed in stop()
        self.process = celery_worker(
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def delivered(mail_dir):
    """Reminder id → how many emails carry it, across every file the workers wrote."""
    import email

    counts = collections.Counter()
    for path in mail_dir.iterdir():
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip() + "\n")
                counts[int(message[HEADER])] += 1
    return counts


def wait_for(check, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(step)
    return None


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_then_a_new_worker_delivers_each_reminder_exactly_once(
    world, services_up, tmp_path
):
    now = timezone.now()
    course = world.one.courses[0]
    # Booked an hour ahead: each one's short-notice reminder is due now. bulk_create keeps
    # this process's eager on-commit path out of it: only the workers send. One minute each,
    # one after another: a patient is never in two appointments at once.
    Appointment.objects.bulk_create(
        Appointment(
            course=course,
            clinic_id=course.clinic_id,
            patient_id=course.patient_id,
            kind=Appointment.Kind.INTEGRATION,
            starts_at=now + timedelta(minutes=60 + i),
            ends_at=now + timedelta(minutes=61 + i),
        )
        for i in range(BATCH)
    )
    planner.plan_all(now)
    expected = set(Reminder.objects.filter(kind=Kind.APPOINTMENT_SOON).values_list("pk", flat=True))
    assert len(expected) == BATCH

    queue = f"kap-crash-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = deployment_env(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        CELERY_TASK_ALWAYS_EAGER="false",
        CELERY_TASK_DEFAULT_QUEUE=queue,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        REMINDER_SEND_DELAY_MS=str(SEND_DELAY_MS),
        REMINDER_SENDING_TIMEOUT_SECONDS="2",
    )

    app.conf.task_always_eager = False
    workers = []
    try:
        # The scan claims the batch (due → sending, committed) and queues one task per row.
        def to_broker(ids, lease):
            for pk in ids:
                send_reminder.apply_async((pk, str(lease)), queue=queue)

        result = services.scan(dispatch=to_broker, now=now)
        assert {pk for pk, _ in result.claimed} == expected

        first = Worker("first", env, tmp_path)
        workers.append(first)

        def mid_send():
            sent = Reminder.objects.filter(status=Status.SENT).count()
            in_flight = Reminder.objects.filter(
                status=Status.SENDING, send_started_at__isnull=False
            ).values_list("pk", flat=True)
            return sent >= 3 and list(in_flight)

        in_flight = wait_for(mid_send, timeout=30)
        assert in_flight, "the first worker never got going"
        first.kill()
        workers.remove(first)
        sent_by_first = set(delivered(mail_dir))
        assert 3 <= len(sent_by_first) < BATCH
        [cut_off] = in_flight
        assert cut_off not in sent_by_first

        second = Worker("second", env, tmp_path)
        workers.append(second)
        # The next periodic scan, once the sending timeout has passed, reclaims the cut-off row.
        time.sleep(2.1)
        scan_due_reminders.apply_async(queue=queue)

        def all_sent():
            return not Reminder.objects.exclude(status=Status.SENT).exists()

        assert wait_for(all_sent, timeout=40, step=0.2), list(
            Reminder.objects.exclude(status=Status.SENT).values("pk", "status", "last_error")
        )
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        for worker in workers:
            worker.stop()
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete(queue)

    counts = delivered(mail_dir)
    assert set(counts) == expected
    assert all(n == 1 for n in counts.values()), {k: n for k, n in counts.items() if n != 1}
    cut = Reminder.objects.get(pk=cut_off)
    # Its send had begun when the worker died, so it is flagged, though it arrived once.
    assert cut.possible_duplicate and cut.status == Status.SENT
    assert not Reminder.objects.exclude(pk=cut_off).filter(possible_duplicate=True).exists()
