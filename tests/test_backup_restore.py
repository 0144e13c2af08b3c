"""The restore drill: seed a database, back it up and restore it with the real script
(scripts/pg_backup.py, what `make backup` and `make restore` run), then prove the copy is
the same database: every table's row count, every table's content checksum and every
sequence's position. Runs on the PostgreSQL server of DATABASE_URL, in two throw-away
databases named after it.
"""

import os
import re
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from psycopg2 import sql

from tests.processes import deployment_env
from tests.real_services import require_real_service

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "pg_backup.py"


def clinical_tables():
    """Tables the demo fills through the real services: a restore that lost any is no restore."""
    from intake.models import IntakeSubmission, SuitabilityDecision
    from integration.models import IntegrationNote, JournalEntry
    from kapclinic.audit.models import AccessEvent
    from kapclinic.clinic.models import Patient, SafetyFlag, TreatmentCourse
    from kapclinic.measures.models import QuestionnaireResponse
    from sessions.models import Administration, DosingSession, VitalSigns

    models = [Patient, TreatmentCourse, SafetyFlag, IntakeSubmission, SuitabilityDecision]
    models += [QuestionnaireResponse, DosingSession, Administration, VitalSigns]
    models += [IntegrationNote, JournalEntry, AccessEvent]
    return [model._meta.db_table for model in models]


def server_url():
    url = os.environ.get("DATABASE_URL", "")
    require_real_service(
        urlsplit(url).scheme in {"postgres", "postgresql"}, "DATABASE_URL is not PostgreSQL"
    )
    return url


def url_for(url, database):
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def connect(url):
    parts = urlsplit(url)
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.path.lstrip("/"),
    )
    connection.autocommit = True
    return connection


def run(*command, env, check=True):
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if check:
        assert done.returncode == 0, f"{command[1:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def snapshot(url):
    """{table: (rows, md5 of all rows ordered by primary key)} and {sequence: last value}."""
    tables, sequences = {}, {}
    with closing(connect(url)) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_agg(a.attname ORDER BY k.ord) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary "
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' GROUP BY c.relname"
        )
        keys = dict(cursor.fetchall())
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        for (table,) in cursor.fetchall():
            order = sql.SQL(", ").join(sql.Identifier("t", key) for key in keys.get(table, []))
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) "
                "FROM {} AS t"
            ).format(order if keys.get(table) else sql.SQL("t::text"), sql.Identifier(table))
            cursor.execute(query)
            tables[table] = cursor.fetchone()
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        )
        sequences = dict(cursor.fetchall())
    return tables, sequences


# A course moved to another patient: refused by the trigger of clinic migration 0028.
MOVE_A_COURSE = (
    "UPDATE clinic_treatmentcourse c SET patient_id = "
    "(SELECT min(p.id) FROM clinic_patient p WHERE p.id <> c.patient_id) "
    "WHERE c.id = (SELECT min(id) FROM clinic_treatmentcourse)"
)


def triggers(url):
    """(table, trigger) of every trigger written for the application, not for a constraint."""
    with closing(connect(url)) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
        )
        return set(cursor.fetchall())


@pytest.fixture
def drill_databases():
    """Two empty names on the CI server, e.g. kapclinic_drill_src / _dst; dropped afterwards."""
    url = server_url()
    base = urlsplit(url).path.lstrip("/") or "kapclinic"
    names = [f"{base}_drill_src", f"{base}_drill_dst"]
    admin = connect(url_for(url, "postgres"))

    def drop():
        with admin.cursor() as cursor:
            for name in names:
                query = "DROP DATABASE IF EXISTS {} WITH (FORCE)"
                cursor.execute(sql.SQL(query).format(sql.Identifier(name)))

    drop()  # leftovers of an interrupted run
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(names[0])))
    try:
        yield url, *names
    finally:
        drop()
        admin.close()


def test_backup_restores_into_a_fresh_database_with_every_row_intact(drill_databases, tmp_path):
    url, source, copy = drill_databases
    started = time.monotonic()
    env = deployment_env(
        DATABASE_URL=url_for(url, source),
        KAP_REQUIRE_STAFF_MFA="false",
        CELERY_TASK_ALWAYS_EAGER="true",
    )
    run(sys.executable, "manage.py", "migrate", "--noinput", env=env)
    run(sys.executable, "manage.py", "seed_demo", env=env)
    seeded = time.monotonic()

    backup = run(sys.executable, str(SCRIPT), "backup", "--dir", str(tmp_path), env=env)
    (dump,) = tmp_path.iterdir()
    assert re.fullmatch(r"kapclinic-\d{8}T\d{6}Z\.dump", dump.name)
    assert dump.stat().st_mode & 0o077 == 0, "a backup of health records is owner-only"
    assert str(dump) in backup.stdout

    # The source is not empty: restoring over it is refused without --force.
    refused = run(sys.executable, str(SCRIPT), "restore", str(dump), env=env, check=False)
    assert refused.returncode == 1 and "is not empty" in refused.stderr

    restore = run(sys.executable, str(SCRIPT), "restore", str(dump), "--database", copy, env=env)
    assert f"Created database {copy!r}" in restore.stdout
    finished = time.monotonic()

    source_tables, source_sequences = snapshot(url_for(url, source))
    copy_tables, copy_sequences = snapshot(url_for(url, copy))
    assert set(copy_tables) == set(source_tables)
    for table in clinical_tables():
        assert source_tables[table][0] > 0, f"the demo seeds {table}"
    differing = [t for t in source_tables if copy_tables[t] != source_tables[t]]
    assert differing == []
    assert copy_sequences == source_sequences

    # The database's own refusals came too: every trigger, and one still refuses.
    assert triggers(url_for(url, copy)) == triggers(url_for(url, source)) != set()
    with (
        closing(connect(url_for(url, copy))) as connection,
        connection.cursor() as cursor,
        pytest.raises(psycopg2.IntegrityError, match="open a new course"),
    ):
        cursor.execute(MOVE_A_COURSE)

    # The checksum reads content, not only counts: one changed name is seen.
    with closing(connect(url_for(url, copy))) as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE clinic_clinic SET name = name || '.'")
    assert snapshot(url_for(url, copy))[0]["clinic_clinic"] != source_tables["clinic_clinic"]

    print(
        f"\nRestore drill: {len(source_tables)} tables, "
        f"{sum(rows for rows, _ in source_tables.values())} rows; migrate + seed "
        f"{seeded - started:.1f} s, backup + restore {finished - seeded:.1f} s."
    )


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    url = server_url()
    bogus = tmp_path / "kapclinic-20260101T000000Z.dump"
    bogus.write_text("not a dump")
    env = deployment_env(DATABASE_URL=url)
    refused = run(sys.executable, str(SCRIPT), "restore", str(bogus), env=env, check=False)
    assert refused.returncode == 1 and "not a pg_dump custom-format file" in refused.stderr


def test_backup_of_the_sqlite_demo_is_a_file_copy(tmp_path):
    import sqlite3

    demo = tmp_path / "db.sqlite3"
    with sqlite3.connect(demo) as connection:
        connection.execute("CREATE TABLE note (body TEXT)")
        connection.execute("INSERT INTO note VALUES ('kept')")
    env = deployment_env(DATABASE_URL=f"sqlite:///{demo}")
    done = run(sys.executable, str(SCRIPT), "backup", "--dir", str(tmp_path / "b"), env=env)
    assert "SQLite (the demo)" in done.stdout
    (copy,) = (tmp_path / "b").iterdir()
    with sqlite3.connect(copy) as connection:
        assert connection.execute("SELECT body FROM note").fetchall() == [("kept",)]
    refused = run(sys.executable, str(SCRIPT), "restore", str(copy), env=env, check=False)
    assert refused.returncode == 1 and "cp " in refused.stderr
