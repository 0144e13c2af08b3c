"""Record history of a dosing session: who changed what, before and after, and what it costs."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kapclinic.clinic.models import Role
from kapclinic.clinic.records import SignedRecordError
from sessions import services
from sessions.models import DosingSession, VitalSigns
from tests.factories import signed_protocol

from .test_session_views import sign_in, url, vitals_post

pytestmark = pytest.mark.django_db


def changes(record):
    """{field: (before, after)} between a history row and the one before it."""
    delta = record.diff_against(record.prev_record)
    return {change.field: (change.old, change.new) for change in delta.changes}


def test_weight_corrected_on_the_screen_is_kept_with_the_nurse_and_both_values(ready, staff_client):
    client = sign_in(staff_client, ready, Role.NURSE)
    response = client.post(url("record-weight", ready.session), {"weight-weight_kg": "72.5"})
    assert response.status_code in (200, 302)

    latest = ready.session.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == ready.nurse
    assert changes(latest) == {"weight_kg": (Decimal("70.0"), Decimal("72.5"))}


def test_signing_is_in_the_history_and_the_signed_record_still_cannot_change(ready, staff_client):
    ready.dose()
    ready.recheck()
    services.discharge(ready.session, ready.nurse, ready.discharge_data())
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    assert client.post(url("sign-session", ready.session), {}).status_code == 302

    session = DosingSession.objects.get(pk=ready.session.pk)
    statuses = [row.status for row in session.history.order_by("history_date", "history_id")]
    assert statuses[-2:] == ["discharged", "signed"]
    signing = session.history.latest()
    assert signing.history_user == ready.prescriber
    assert changes(signing)["status"] == ("discharged", "signed")
    assert changes(signing)["signed_by"] == (None, ready.prescriber.pk)

    rows = session.history.count(), VitalSigns.history.count()
    session.weight_kg = Decimal("80.0")
    with pytest.raises(SignedRecordError):
        session.save()
    vitals = VitalSigns.objects.filter(session=session).first()
    vitals.systolic = 90
    with pytest.raises(SignedRecordError):
        vitals.save()
    with pytest.raises(SignedRecordError):
        DosingSession.objects.filter(pk=session.pk).update(weight_kg=Decimal("80.0"))
    assert (session.history.count(), VitalSigns.history.count()) == rows
    assert DosingSession.objects.get(pk=session.pk).weight_kg == Decimal("70.0")


def test_dose_outside_the_range_keeps_the_prescribers_reason_as_the_change_reason(build):
    signed_protocol(build.course.clinic, max_session_total=600)
    ready = build
    build()
    reason = "Tolerated 400 mg last time with no rise in BP; agreed with the patient. " * 2
    dose = ready.dose(amount_mg=Decimal("500"), out_of_range_reason=reason)
    row = dose.history.get()
    assert row.history_type == "+"
    assert "above the plan's range" in row.history_change_reason
    assert row.history_change_reason.endswith(reason.strip())  # kept whole, not cut at 100


def test_one_vitals_entry_costs_exactly_one_history_insert(ready, staff_client, settings):
    """Measured cost of history on a screen action: one INSERT per record written."""
    client = sign_in(staff_client, ready, Role.NURSE)

    def post(minutes):
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                url("record-vitals", ready.session), vitals_post(ready, minutes=minutes)
            )
        assert response.status_code in (200, 302)
        return [q["sql"] for q in ctx.captured_queries]

    with_history = post(20)
    inserts = [sql for sql in with_history if sql.startswith("INSERT INTO")]
    history_inserts = [sql for sql in inserts if '"dosing_historicalvitalsigns"' in sql]
    assert len(history_inserts) == 1

    settings.SIMPLE_HISTORY_ENABLED = False
    without = post(25)
    assert VitalSigns.objects.filter(session=ready.session).count() == 3
    assert len(with_history) - len(without) == 1
    print(f"record-vitals POST: {len(with_history)} queries with history, {len(without)} without")
