"""The content hash stored at signing: it matches a recomputation, is shown on the signed
session and in its PDF, and exposes a change made behind the database trigger's back."""

import hashlib

import pytest
from django.db import connection
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.reports.kinds import KINDS
from sessions import services
from sessions.integrity import canonical, session_children, session_content_hash
from sessions.models import DosingSession
from tests.reports.pdf import pdf_text, squeezed

from .test_signed_triggers import refused
from .test_signing import signed  # noqa: F401  (the fixture: a full record, signed)

pytestmark = pytest.mark.django_db


def stored(build):
    return DosingSession.objects.get(pk=build.session.pk)


def test_signing_stores_the_hash_of_the_canonical_record(signed):  # noqa: F811
    session = stored(signed)
    assert len(session.content_hash) == 64
    expected = hashlib.sha256(canonical(session, session_children(session))).hexdigest()
    assert session.content_hash == expected == session_content_hash(session)
    assert session.verify_content_hash() is True
    # The canonical text holds the record and every child table, with values as stored.
    text = canonical(session, session_children(session)).decode()
    for label in ("doses", "vital_signs", "observations", "adverse_events", "discharge"):
        assert f'"{label}":[{{' in text
    assert '"systolic":185' in text and '"amount_mg":"200"' in text


def test_an_unsigned_session_has_no_hash_to_verify(ready):
    assert stored(ready).content_hash == ""
    assert ready.session.verify_content_hash() is None


def test_addenda_after_signing_leave_the_hash_valid(signed):  # noqa: F811
    services.add_addendum(signed.session, signed.prescriber, "Late entry: slept well.")
    assert stored(signed).verify_content_hash() is True


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("dosing_vitalsigns", "systolic = 140"),
        ("dosing_administration", "amount_mg = 100"),
        ("dosing_adverseevent", "severity = 'moderate'"),
        ("dosing_dosingsession", "weight_kg = 80"),
    ],
)
def test_a_change_made_behind_the_trigger_is_detected(signed, table, change):  # noqa: F811
    key = "id" if table == "dosing_dosingsession" else "session_id"
    sql = f"UPDATE {table} SET {change} WHERE {key} = %s"
    assert refused(sql, [signed.session.pk])  # the trigger stops it
    with connection.cursor() as cursor:
        # As a database superuser could: switch triggers off for the session, rewrite.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, [signed.session.pk])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    assert stored(signed).verify_content_hash() is False


def test_the_signed_screen_and_the_pdf_show_the_hash(signed, staff_client):  # noqa: F811
    session = stored(signed)
    client = staff_client(signed.world.one.staff[Role.PRESCRIBER])
    page = client.get(reverse("dosing:session", args=[session.appointment_id])).content.decode()
    assert session.content_hash in page
    pdf = KINDS["session"].render(session, generated_by="Dr Test").pdf
    assert session.content_hash in squeezed(pdf_text(pdf))
