"""The audit trail is append-only in the database and hash-chained, so tampering is found.

These run raw SQL on PostgreSQL, as the application's login and as a database superuser who
switches the trigger off, then check that `manage.py verify_audit` names the damaged event.
"""

import importlib
import io
import threading
import time
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader

from kapclinic.audit import chain
from kapclinic.audit.models import AccessEvent
from tests.real_services import require_real_service


@pytest.fixture(autouse=True)
def on_postgresql():
    """The trigger and the advisory lock are PostgreSQL's: CI fails rather than skip here."""
    require_real_service(connection.vendor == "postgresql", "the database is not PostgreSQL")


TABLE = AccessEvent._meta.db_table


def write_events(count, actor=None, patient=None):
    return [
        AccessEvent.record(
            actor=actor,
            actor_label=None if actor else "nightly job",
            action=AccessEvent.Action.VIEW,
            what=f"patient chart ({n})",
            patient_id=patient.pk if patient else None,
        )
        for n in range(count)
    ]


def verify():
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def as_superuser_without_trigger(sql, params=()):
    """What a database superuser can do: switch the trigger off and change the table."""
    with connection.cursor() as cursor:
        # Run the pending foreign-key checks of this test's rows first, as ALTER TABLE needs.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET what = 'nothing to see'",
        f"DELETE FROM {TABLE}",
        f"TRUNCATE {TABLE}",
        f"TRUNCATE {TABLE} CASCADE",
    ],
)
def test_database_refuses_to_change_delete_or_truncate_audit_events(sql):
    write_events(2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # As in production: no connection there says the test teardown may empty it.
        cursor.execute("SET LOCAL kapclinic.audit_flush = 'off'")
        # The rows above are uncommitted; their foreign-key checks must run before TRUNCATE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
    assert AccessEvent.objects.filter(what__startswith="patient chart").count() == 2


@pytest.mark.django_db
def test_each_event_is_chained_to_the_one_before():
    # No clinic is built first: building one writes events of its own (a protocol signed off).
    first, second, third = write_events(3)
    assert first.previous_hash == chain.GENESIS
    assert second.previous_hash == first.row_hash
    assert third.previous_hash == second.row_hash
    stored = AccessEvent.objects.values(*chain.CHAINED_FIELDS).get(pk=second.pk)
    assert second.row_hash == chain.digest(stored, first.row_hash)
    assert len({first.row_hash, second.row_hash, third.row_hash}) == 3


@pytest.mark.django_db
def test_verify_audit_passes_an_intact_trail(world):
    already = AccessEvent.objects.count()  # building the clinics signed their protocols off
    events = write_events(5, world.one.staff["therapist"].user, world.one.patients[1])
    assert f"intact: {already + 5} events; last hash {events[-1].row_hash}" in verify()


@pytest.mark.django_db
def test_verify_audit_finds_an_event_a_superuser_edited(world):
    events = write_events(4, world.one.staff["therapist"].user, world.one.patients[0])
    as_superuser_without_trigger(
        f"UPDATE {TABLE} SET what = 'nothing happened' WHERE id = %s", [events[2].pk]
    )
    with pytest.raises(CommandError, match=rf"event #{events[2].pk}: .* it was changed"):
        verify()


@pytest.mark.django_db
def test_verify_audit_finds_an_edit_that_also_rewrote_the_hash_of_that_event(world):
    events = write_events(4, world.one.staff["therapist"].user, world.one.patients[0])
    edited = AccessEvent.objects.values(*chain.CHAINED_FIELDS).get(pk=events[1].pk)
    edited["what"] = "nothing happened"
    new_hash = chain.digest(edited, events[1].previous_hash)
    as_superuser_without_trigger(
        f"UPDATE {TABLE} SET what = %s, row_hash = %s WHERE id = %s",
        ["nothing happened", new_hash, events[1].pk],
    )
    # The edited event now hashes right, but the next one still points at the old hash.
    with pytest.raises(CommandError, match=rf"event #{events[2].pk}: its link to event #"):
        verify()


@pytest.mark.django_db
def test_verify_audit_finds_an_event_a_superuser_deleted(world):
    events = write_events(4, world.one.staff["therapist"].user, world.one.patients[0])
    with connection.cursor() as cursor:
        # Another way round the trigger: replica mode fires no ordinary triggers.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    with pytest.raises(
        CommandError,
        match=rf"event #{events[2].pk}: its link to event #{events[0].pk} is broken",
    ):
        verify()


@pytest.mark.django_db
def test_verify_audit_finds_an_event_a_superuser_inserted(world):
    events = write_events(3, world.one.staff["therapist"].user, world.one.patients[0])
    # A forged row copied from a real one, hashes and all, added at the end.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (at, actor_label, action, what, path, user_agent, "
            "previous_hash, row_hash, patient_id) "
            f"SELECT at, actor_label, action, 'intake review', path, user_agent, previous_hash, "
            f"row_hash, patient_id FROM {TABLE} WHERE id = %s RETURNING id",
            [events[1].pk],
        )
        forged = cursor.fetchone()[0]
    with pytest.raises(CommandError, match=rf"event #{forged}: its link to event #"):
        verify()


@pytest.mark.django_db
def test_migration_backfills_the_chain_over_events_written_before_it(world):
    """Rows from before the chain existed get hashes, oldest first, and then verify."""
    patient = world.one.patients[0]
    already = AccessEvent.objects.count()  # building the clinics signed their protocols off
    with connection.cursor() as cursor:
        for n in range(3):
            cursor.execute(
                f"INSERT INTO {TABLE} (at, actor_label, action, what, path, user_agent, "
                "previous_hash, row_hash, patient_id, ip_address) "
                "VALUES (now(), 'old', 'view', %s, '', '', '', '', %s, '10.0.0.1')",
                [f"patient chart {n}", patient.pk],
            )
    with pytest.raises(CommandError):
        verify()
    migration = importlib.import_module("kapclinic.audit.migrations.0003_hash_chain")
    state = MigrationLoader(connection).project_state(("audit", "0003_hash_chain"))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
    migration.backfill(state.apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
    assert f"intact: {already + 3} events" in verify()
    write_events(1)
    assert f"intact: {already + 4} events" in verify()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    """Eight connections record at once; every event links to exactly one predecessor."""
    writers, per_writer = 8, 25
    start = threading.Barrier(writers)
    errors = []

    def writer(n):
        try:
            start.wait()
            for i in range(per_writer):
                AccessEvent.record(
                    actor=None,
                    actor_label=f"writer {n}",
                    action=AccessEvent.Action.VIEW,
                    what=f"patient chart {i}",
                )
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AccessEvent.objects.count() == writers * per_writer
    previous = list(AccessEvent.objects.values_list("previous_hash", flat=True))
    assert len(set(previous)) == len(previous), "two events chained to the same predecessor"
    assert f"intact: {writers * per_writer} events" in verify()


@pytest.mark.django_db
def test_recording_a_thousand_events_stays_cheap(world, capsys):
    """Pages write one row per view (issue 10 benchmarks them): keep the cost small."""
    user, patient = world.one.staff["nurse"].user, world.one.patients[0]
    already = AccessEvent.objects.count()  # building the clinics signed their protocols off
    started = time.perf_counter()
    write_events(1000, user, patient)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nrecorded 1,000 audit events in {elapsed:.2f} s ({elapsed:.2f} ms each)")
    assert elapsed < 10
    assert f"intact: {already + 1000} events" in verify()
