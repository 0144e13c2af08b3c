#!/usr/bin/env python
"""Benchmark the calendar's week view. A measurement, not a test: nothing fails.

    set -a; . ./.helper-env; set +a
    .venv/bin/python scripts/bench_calendar.py [--clinicians 20] [--per-day 6] [--runs 15]

Creates a throw-away PostgreSQL database beside DATABASE_URL's (`<name>_bench`, dropped at
the end), seeds one clinic of `--clinicians` clinicians with a full week (`--per-day`
appointments a clinician a working day, Monday to Friday, each in their own recliner), then
requests the week in process (Django's test client, a signed-in nurse, every middleware)
`--runs` times and prints the median and the slowest, the grid read alone, and the number
of queries.
"""

import argparse
import datetime
import os
import statistics
import sys
import time

from bench_setup import use_project

use_project()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinicians", type=int, default=20)
    parser.add_argument("--per-day", type=int, default=6)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    os.environ["KAP_REQUIRE_STAFF_MFA"] = "false"  # the client signs in without a code
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL (DATABASE_URL).")
    original = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"{original}_bench"
    print(f"Creating {original}_bench and migrating…", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


def seed(args):
    """A clinic with `clinicians` clinicians and a week of their appointments (next week)."""
    from django.conf import settings
    from django.utils import timezone

    from kapclinic.calendar.grid import week_of
    from kapclinic.clinic.models import Appointment, Resource, Role
    from tests.factories import ClinicFactory, CourseFactory, PatientFactory, ProviderFactory

    # A fast hasher for the seed's logins: the bench measures the calendar, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clinic = ClinicFactory(name="Benchmark clinic", time_zone="America/Los_Angeles")
    roles = [Role.PRESCRIBER, Role.NURSE, Role.THERAPIST]
    staff = [
        ProviderFactory(clinic=clinic, role=roles[i % len(roles)]) for i in range(args.clinicians)
    ]
    monday = week_of(timezone.localdate(timezone=clinic.tz)) + datetime.timedelta(days=7)
    minutes = (13 * 60) // args.per_day  # spread over 07:00-20:00
    rooms = Resource.objects.bulk_create(
        Resource(clinic=clinic, name=f"Recliner {n + 1}", kind=Resource.Kind.CHAIR)
        for n in range(len(staff))
    )
    # One patient a clinician's slot, seen each weekday: a patient is in one place at a time.
    courses = [
        [
            CourseFactory(
                patient=PatientFactory(clinic=clinic, user=None, email=f"p{s}-{n}@example.com")
            )
            for n in range(len(staff))
        ]
        for s in range(args.per_day)
    ]
    rows = []
    for weekday in range(5):
        day = monday + datetime.timedelta(days=weekday)
        for n, clinician in enumerate(staff):
            for slot in range(args.per_day):
                course = courses[slot][n]
                start = datetime.datetime.combine(
                    day, datetime.time(7, 0), tzinfo=clinic.tz
                ) + datetime.timedelta(minutes=slot * minutes)
                rows.append(
                    Appointment(
                        course=course,
                        clinic=clinic,
                        patient=course.patient,
                        kind=Appointment.Kind.DOSING if n % 3 != 2 else "integration",
                        starts_at=start,
                        ends_at=start + datetime.timedelta(minutes=minutes - 10),
                        clinician=clinician,
                        resource=rooms[n],
                    )
                )
    Appointment.objects.bulk_create(rows)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have: plans from real row counts
    return clinic, staff[1], monday, len(rows)


def run(args):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kapclinic.calendar.grid import calendar_grid

    began = time.perf_counter()
    clinic, nurse, monday, count = seed(args)
    print(
        f"Seeded {args.clinicians} clinicians and {count} appointments in "
        f"{time.perf_counter() - began:.1f} s.",
        flush=True,
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(nurse.user)
    url = f"{reverse('calendar:week')}?date={monday.isoformat()}"
    response = client.get(url)  # warm templates and per-process caches
    assert response.status_code == 200, response.status_code

    pages, grids = [], []
    for _ in range(args.runs):
        begin = time.perf_counter()
        response = client.get(url)
        pages.append(time.perf_counter() - begin)
        begin = time.perf_counter()
        calendar_grid(clinic, nurse.user, first=monday)
        grids.append(time.perf_counter() - begin)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    size = len(response.content)
    print(
        f"Week view, {args.clinicians} clinicians, {count} appointments, {size // 1024} KiB:\n"
        f"  whole request, in process: median {statistics.median(pages) * 1000:.0f} ms, "
        f"slowest {max(pages) * 1000:.0f} ms ({args.runs} runs)\n"
        f"  the grid read alone:       median {statistics.median(grids) * 1000:.0f} ms\n"
        f"  SQL queries per request:   {len(queries)}"
    )


if __name__ == "__main__":
    main()
