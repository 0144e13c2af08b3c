"""Content hash of a signed record: SHA-256 over a canonical serialisation of its rows.

Stored at signing and shown on the signed note and its PDF, so anyone holding a copy can
check it against the database, and `verify_content_hash()` can show that nothing changed
behind the database triggers' back (e.g. a superuser who disabled them).

Canonical form: JSON with sorted keys and no spaces; one object per row holding every
concrete field except the hash itself (foreign keys as their ids); datetimes in UTC ISO 8601,
decimals without trailing zeros; columns added later left out while empty; child rows
grouped by table and ordered by primary key (a table added later left out while it has no
row).
"""

import datetime
import hashlib
import json
import uuid
from decimal import Decimal

HASH_FIELD = "content_hash"
# Columns added after hashes were first kept: left out while empty, so a record signed
# before they existed still hashes to what was signed.
LATER_FIELDS = frozenset({"plan_snapshot", "outside_plan"})
# The same, for one table only: vitals were hashed with their (empty) mark from the start.
IN_ERROR_FIELDS = frozenset(
    {"entered_in_error_at", "entered_in_error_by_id", "entered_in_error_reason"}
)
LATER_FIELDS_OF = {"dosing.administration": IN_ERROR_FIELDS}
# Child tables added after hashes were first kept: left out while the record has no row.
LATER_CHILDREN = frozenset({"identity_check"})


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def row_data(obj):
    """Every stored column of one row, as plain JSON values."""
    data = {
        field.attname: _plain(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.name != HASH_FIELD
    }
    later = LATER_FIELDS | LATER_FIELDS_OF.get(obj._meta.label_lower, frozenset())
    for name in later & data.keys():
        if data[name] in (None, ""):
            del data[name]
    return data


def canonical(record, children=()):
    """The record and its child rows (`(label, rows)` pairs) as canonical JSON bytes."""
    grouped = {
        label: [row_data(row) for row in sorted(rows, key=lambda r: r.pk)]
        for label, rows in children
    }
    document = {
        "record": row_data(record),
        "children": {
            label: rows for label, rows in grouped.items() if rows or label not in LATER_CHILDREN
        },
    }
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def content_hash(record, children=()):
    return hashlib.sha256(canonical(record, children)).hexdigest()


def session_children(session):
    """Every row the dosing record holds, entries in error included (addenda come later)."""
    from .models import (
        Administration,
        AdverseEvent,
        CheckIn,
        Discharge,
        GateOverride,
        IdentityCheck,
        Observation,
        SessionAlert,
        VitalSigns,
    )

    return [
        ("check_in", CheckIn.objects.filter(appointment_id=session.appointment_id)),
        ("doses", Administration.entries.filter(session=session)),
        ("gate_overrides", GateOverride.objects.filter(session=session)),
        ("identity_check", IdentityCheck.objects.filter(session=session)),
        ("vital_signs", VitalSigns.entries.filter(session=session)),
        ("observations", Observation.entries.filter(session=session)),
        ("alerts", SessionAlert.objects.filter(session=session)),
        ("adverse_events", AdverseEvent.entries.filter(session=session)),
        ("discharge", Discharge.objects.filter(session=session)),
    ]


def session_content_hash(session):
    return content_hash(session, session_children(session))
