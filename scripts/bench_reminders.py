#!/usr/bin/env python
"""Benchmark the reminder scan and the send rate. A measurement, not a test: nothing fails.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kapclinic REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python scripts/bench_reminders.py [--appointments 1000000] [--reminders 10000]
        [--concurrency 2]

Creates a throw-away database beside DATABASE_URL's (`<name>_bench`, dropped at the end),
loads the appointments with PostgreSQL COPY (spread over a year from now, as a busy clinic
group would have them), then prints:

  1. the time of one scan over them (plan what fell due, reclaim, claim), and of a second,
     idempotent scan (nothing new);
  2. the send rate of N reminders through a real `celery -A kapclinic worker` on Redis, mail
     written to files in a temporary folder (Django's filebased backend).
"""

import argparse
import io
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from bench_setup import use_project

use_project()


def copy_appointments(connection, rows):
    """COPY (course, patient, clinic, kind, start, end) tuples into clinic_appointment."""
    columns = (
        "course_id, patient_id, clinic_id, kind, starts_at, ends_at, status, status_reason,"
        " created_at, changed_at, sequence"
    )
    buffer = io.StringIO()
    for course_id, patient_id, clinic_id, kind, starts, ends in rows:
        buffer.write(
            f"{course_id}\t{patient_id}\t{clinic_id}\t{kind}\t{starts.isoformat()}"
            f"\t{ends.isoformat()}\tbooked\t\t{starts.isoformat()}\t{starts.isoformat()}\t0\n"
        )
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY clinic_appointment ({columns}) FROM STDIN", buffer)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--courses", type=int, default=2_000)
    args = parser.parse_args()

    import django

    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("The benchmark needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).")
    original = connection.settings_dict["NAME"]
    bench_name = f"{original}_bench"
    connection.settings_dict["TEST"]["NAME"] = bench_name
    print(f"Creating {bench_name} and migrating…", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(args, connection, settings)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


def run(args, connection, settings):
    from django.utils import timezone

    from kapclinic.celery import app
    from kapclinic.clinic.models import Appointment, Clinic, Patient, TreatmentCourse
    from kapclinic.reminders import planner, services
    from kapclinic.reminders.models import Reminder, Status
    from kapclinic.reminders.tasks import send_reminder
    from tests.processes import celery_worker, database_url

    def new_courses(name, count):
        """A clinic of `count` patients with a course each, as (course, patient) ids: the
        appointment row names both, and the database keeps one patient in one place at a time."""
        clinic = Clinic.objects.create(name=name, time_zone="Europe/London")
        Patient.objects.bulk_create(
            Patient(clinic=clinic, legal_name=f"Patient {i}", email=f"{clinic.pk}-{i}@example.com")
            for i in range(count)
        )
        TreatmentCourse.objects.bulk_create(
            TreatmentCourse(patient=p, clinic=clinic, indication="depression")
            for p in Patient.objects.filter(clinic=clinic)
        )
        courses = TreatmentCourse.objects.filter(clinic=clinic)
        return clinic, list(courses.values_list("pk", "patient_id"))

    clinic, courses = new_courses("Benchmark clinic", args.courses)
    now = timezone.now()
    kinds = [Appointment.Kind.DOSING, Appointment.Kind.INTEGRATION, Appointment.Kind.FOLLOW_UP]
    year = 365 * 24 * 3600
    print(f"Loading {args.appointments:,} appointments with COPY…", flush=True)
    started = time.perf_counter()
    chunk = 100_000
    for first in range(0, args.appointments, chunk):
        rows = []
        for i in range(first, min(first + chunk, args.appointments)):
            # Spread evenly over the coming year; a deterministic shuffle of the course.
            starts = now + timedelta(seconds=60 + (i * year) // args.appointments)
            rows.append(
                (
                    *courses[(i * 7919) % len(courses)],
                    clinic.pk,
                    kinds[i % 3],
                    starts,
                    starts + timedelta(hours=1),
                )
            )
        copy_appointments(connection, rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clinic_appointment")
    print(f"  loaded in {time.perf_counter() - started:.1f} s", flush=True)

    def discard(ids, lease):
        pass

    for label in ("first scan", "second scan (idempotent)"):
        started = time.perf_counter()
        result = services.scan(dispatch=discard, now=now)
        took = time.perf_counter() - started
        print(
            f"Scan over {args.appointments:,} appointments, {label}: {took * 1000:.0f} ms "
            f"(offered {result.planned:,} candidate rows, claimed {len(result.claimed):,})",
            flush=True,
        )
        # Put the claims back, so the second scan measures the same work minus the inserts.
        Reminder.objects.filter(status=Status.SENDING).update(
            status=Status.DUE, lease=None, claimed_at=None
        )
    Reminder.objects.all().delete()

    # --- Send rate through a real worker ----------------------------------------------------
    soon = now + timedelta(minutes=30)
    # One appointment each for patients of their own, whose diaries the year above leaves free.
    clinic, courses = new_courses("Benchmark clinic (send rate)", args.reminders)
    copy_appointments(
        connection,
        [
            (
                *courses[i % len(courses)],
                clinic.pk,
                Appointment.Kind.INTEGRATION,
                soon + timedelta(seconds=i % 3600),
                soon + timedelta(hours=1),
            )
            for i in range(args.reminders)
        ],
    )
    # Only the benchmark's short-notice reminders: older ones are out of the window anyway.
    planner.plan_appointments(now)
    due = Reminder.objects.filter(status=Status.DUE).count()
    queue = f"kap-bench-{uuid.uuid4().hex[:8]}"
    mail_dir = Path(tempfile.mkdtemp(prefix="kap-bench-mail-"))
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "LOG_LEVEL": "WARNING",
    }
    worker = celery_worker(
        "--loglevel", "WARNING", "--concurrency", str(args.concurrency), "-Q", queue, env=env
    )
    try:
        time.sleep(3)  # let the worker connect; the clock starts at the first message
        app.conf.task_always_eager = False
        started = time.perf_counter()

        def to_broker(ids, lease):
            for pk in ids:
                send_reminder.apply_async((pk, str(lease)), queue=queue)

        result = services.scan(dispatch=to_broker, now=now)
        queued = time.perf_counter() - started
        while Reminder.objects.filter(status__in=[Status.DUE, Status.SENDING]).exists():
            time.sleep(0.5)
        took = time.perf_counter() - started
        sent = Reminder.objects.filter(status=Status.SENT).count()
        print(
            f"Send: {sent:,} of {due:,} reminders through a real worker "
            f"(prefork, concurrency {args.concurrency}) in {took:.1f} s = {sent / took:.0f}/s "
            f"(claiming and queueing {len(result.claimed):,} took {queued:.1f} s)",
            flush=True,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete(queue)


if __name__ == "__main__":
    main()
