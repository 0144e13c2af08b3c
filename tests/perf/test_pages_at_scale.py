"""The benchmark's pages at scale: queries that do not grow with data, plans that use indexes."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kapclinic.demo.scale import ScaleSeeder
from tests.real_services import require_real_service

from .pages import pages, prescriber_of_first_clinic

pytestmark = pytest.mark.django_db


def queries_of(client, url):
    client.get(url)  # warm per-process caches, as a running worker has them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return captured.captured_queries


def test_every_page_runs_the_same_queries_for_60_or_300_patients(staff_client):
    seeder = ScaleSeeder(60, clinics=1, seed=3)
    seeder.run()
    provider = prescriber_of_first_clinic()
    client = staff_client(provider)
    urls = pages(provider, client)
    small = {name: len(queries_of(client, url)) for name, url in urls.items()}
    seeder.extend(240)
    large = {name: len(queries_of(client, url)) for name, url in urls.items()}
    assert large == small
    assert "Page 2 of" in client.get(urls["caseload page 2"]).content.decode()


def seq_scans(plan, found):
    if plan.get("Node Type") == "Seq Scan":
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        seq_scans(child, found)
    return found


def test_no_page_reads_a_large_table_sequentially(staff_client):
    """Real plans on analysed tables of a 600-patient network (no planner switches)."""
    require_real_service(connection.vendor == "postgresql", "query plans are PostgreSQL's")
    ScaleSeeder(600, clinics=3, seed=5).run()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= 2000"
            " AND relnamespace = 'public'::regnamespace"
        )
        large = {name for (name,) in cursor.fetchall()}
    assert {"dosing_vitalsigns", "measures_questionnaireresponse", "clinic_appointment"} <= large
    with connection.cursor() as cursor:  # the check itself sees a sequential scan
        cursor.execute("EXPLAIN (FORMAT JSON) SELECT * FROM dosing_vitalsigns WHERE spo2 > 0")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert seq_scans(plan[0]["Plan"], set()) == {"dosing_vitalsigns"}
    provider = prescriber_of_first_clinic()
    client = staff_client(provider)
    problems = {}
    for name, url in pages(provider, client).items():
        for query in queries_of(client, url):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            if "pg_advisory_xact_lock" in sql:
                continue  # the audit chain's lock and head read: two statements, one row by pk
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scanned = seq_scans(plan[0]["Plan"], set()) & large
            if scanned:
                problems.setdefault(name, []).append((sorted(scanned), sql[:200]))
    assert not problems, problems


def index_conditions(plan, table, found):
    if plan.get("Relation Name") == table or plan.get("Node Type") == "Bitmap Index Scan":
        found.append(plan.get("Index Cond", ""))
    for child in plan.get("Plans", []):
        index_conditions(child, table, found)
    return found


def test_the_calendar_week_reads_only_appointments_ending_after_its_start(staff_client):
    """The week's appointments come through an index on (clinic, end): a clinic's years of
    past visits are not read and filtered out on every view of this week."""
    require_real_service(connection.vendor == "postgresql", "query plans are PostgreSQL's")
    ScaleSeeder(600, clinics=3, seed=5).run()
    client = staff_client(prescriber_of_first_clinic())
    appointments = [
        query["sql"]
        for query in queries_of(client, reverse("calendar:week"))
        if 'FROM "clinic_appointment"' in query["sql"]
    ]
    assert len(appointments) == 1
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + appointments[0])
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    conditions = index_conditions(plan[0]["Plan"], "clinic_appointment", [])
    assert any("clinic_id" in c and "ends_at" in c for c in conditions), conditions
