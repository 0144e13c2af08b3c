"""PostgreSQL itself refuses to change a signed record: raw SQL, behind the models' back."""

import pytest
from django.db import IntegrityError, connection, transaction

from intake.models import ConsentSignature, SuitabilityDecision, TreatmentPlan
from sessions import services
from sessions.models import Addendum, DosingSession

pytestmark = pytest.mark.django_db

# Every table holding a row of the dosing record, and how its rows reach the session.
SESSION_TABLES = [
    "dosing_administration",
    "dosing_gateoverride",
    "dosing_vitalsigns",
    "dosing_observation",
    "dosing_sessionalert",
    "dosing_adverseevent",
    "dosing_discharge",
]


def refused(sql, params=()):  # shared with tests/integration/test_note_integrity.py
    """Run raw SQL; True when the database refused it (the test's transaction survives)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        assert "signed" in str(error) or "never changed" in str(error)
        return True
    return False


def rowcount(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.fixture
def record(build):
    """A full, discharged session (every child table has a row), not yet signed."""
    build.fill_every_record()
    return build


def test_a_signed_session_row_refuses_update_and_delete(record):
    session = record.session
    # Before signing the database lets the services work (e.g. the signature itself).
    assert rowcount("UPDATE dosing_dosingsession SET weight_kg = 71 WHERE id = %s", [session.pk])
    services.sign_session(DosingSession.objects.get(pk=session.pk), record.prescriber)
    assert refused("UPDATE dosing_dosingsession SET weight_kg = 90 WHERE id = %s", [session.pk])
    assert refused("UPDATE dosing_dosingsession SET status = 'open' WHERE id = %s", [session.pk])
    assert refused("DELETE FROM dosing_dosingsession WHERE id = %s", [session.pk])
    assert DosingSession.objects.get(pk=session.pk).weight_kg == 71


@pytest.mark.parametrize("table", SESSION_TABLES)
def test_every_row_of_a_signed_session_refuses_update_delete_and_insert(record, table):
    session = record.session
    where = "WHERE session_id = %s"
    # Unsigned: the same statement goes through (the trigger only guards signed records).
    assert rowcount(f"UPDATE {table} SET id = id {where}", [session.pk]) >= 1
    services.sign_session(DosingSession.objects.get(pk=session.pk), record.prescriber)
    assert refused(f"UPDATE {table} SET id = id {where}", [session.pk])
    assert refused(f"DELETE FROM {table} {where}", [session.pk])
    # Nor can a copy of a row be slipped into the signed record.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} {where} LIMIT 1", [session.pk])
        columns = [c.name for c in cursor.description if c.name != "id"]
    listed = ", ".join(columns)
    copy = f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {table} {where} LIMIT 1"
    assert refused(copy, [session.pk])


def test_the_check_in_of_a_signed_session_refuses_change(record):
    appointment_id = record.session.appointment_id
    sql = "UPDATE dosing_checkin SET companion_name = 'Someone else' WHERE appointment_id = %s"
    assert rowcount(sql, [appointment_id]) == 1
    services.sign_session(DosingSession.objects.get(pk=record.session.pk), record.prescriber)
    assert refused(sql, [appointment_id])
    assert refused("DELETE FROM dosing_checkin WHERE appointment_id = %s", [appointment_id])


def test_a_moved_row_cannot_leave_or_enter_a_signed_session(record, world):
    """Re-pointing a reading at another session is a change to the signed record."""
    signed = services.sign_session(
        DosingSession.objects.get(pk=record.session.pk), record.prescriber
    )
    reading_id = signed.vitals.values_list("pk", flat=True).first()
    other = record.__class__(world, clinic="two")
    unsigned = other()
    sql = "UPDATE dosing_vitalsigns SET session_id = %s WHERE id = %s"
    assert refused(sql, [unsigned.pk, reading_id])
    their_reading = unsigned.vitals.values_list("pk", flat=True).first()
    assert refused(sql, [signed.pk, their_reading])


def test_addenda_are_inserted_after_signing_but_never_changed(record):
    session = services.sign_session(
        DosingSession.objects.get(pk=record.session.pk), record.prescriber
    )
    rows = rowcount(
        "INSERT INTO dosing_addendum (session_id, author_id, written_at, text) "
        "VALUES (%s, %s, now(), 'Late entry: patient rang, well.')",
        [session.pk, record.prescriber.pk],
    )
    assert rows == 1
    addendum = Addendum.objects.get(session=session)
    assert refused("UPDATE dosing_addendum SET text = 'x' WHERE id = %s", [addendum.pk])
    assert refused("DELETE FROM dosing_addendum WHERE id = %s", [addendum.pk])


@pytest.mark.parametrize(
    ("model", "column"),
    [
        (SuitabilityDecision, "rationale"),
        (TreatmentPlan, "goals"),
        (ConsentSignature, "signed_name"),
    ],
)
def test_signed_intake_records_refuse_change(ready, model, column):
    row = model.objects.get(course=ready.course)
    table = model._meta.db_table
    assert refused(f"UPDATE {table} SET {column} = 'Rewritten' WHERE id = %s", [row.pk])
    assert refused(f"DELETE FROM {table} WHERE id = %s", [row.pk])
