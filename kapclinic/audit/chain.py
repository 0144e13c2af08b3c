"""The hash chain that makes an edit to the audit trail detectable.

Each event stores the hash of the event before it (`previous_hash`) and the SHA-256 of its own
fields plus that hash (`row_hash`). Changing, removing or slipping in a row in the middle of
the trail breaks a link that `manage.py verify_audit` finds. The functions here work on plain
mappings so the model, the migration that backfilled old rows and the verify command all
hash exactly the same bytes.
"""

import datetime
import hashlib
import ipaddress
import json

GENESIS = "0" * 64  # the "previous hash" of the first event

# The columns a hash covers, in the order they are written out.
CHAINED_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "patient_id",
    "action",
    "what",
    "path",
    "ip_address",
    "user_agent",
)

# The newest event's hash, and the same after taking the audit lock: an arbitrary fixed key
# ("KAPAUDIT" in ASCII as a 64-bit integer) that every writer of audit rows takes, so "read the
# last hash, insert the next row" happens one writer at a time and the chain cannot fork.
READ_HEAD = "SELECT row_hash FROM audit_accessevent ORDER BY id DESC LIMIT 1"
LOCK_THEN_READ_HEAD = f"SELECT pg_advisory_xact_lock(5422703667864422740); {READ_HEAD}"


def _canonical_ip(value):
    return ipaddress.ip_address(value).compressed if value else None


def canonical(row, previous_hash):
    """The exact bytes hashed for one event: sorted-key JSON of its fields, UTC times."""
    values = {name: row[name] for name in CHAINED_FIELDS}
    values["at"] = row["at"].astimezone(datetime.UTC).isoformat(timespec="microseconds")
    values["ip_address"] = _canonical_ip(row["ip_address"])
    values["previous_hash"] = previous_hash
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(row, previous_hash):
    return hashlib.sha256(canonical(row, previous_hash)).hexdigest()


def lock_and_read_head(connection):
    """Take the audit lock, then read the last event's hash (None for an empty trail).

    On PostgreSQL the transaction-level advisory lock is held until the surrounding
    transaction ends, so the next writer waits and then reads this writer's row. Both
    statements travel in one round trip (no parameters, so the driver sends them as one
    simple query); each takes its own snapshot, so the read sees rows committed while this
    writer waited for the lock. SQLite already lets one writer at a time into the database.
    """
    with connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        cursor.execute(LOCK_THEN_READ_HEAD if postgresql else READ_HEAD)
        row = cursor.fetchone()
    return row[0] if row else None


def first_break(rows):
    """The first event whose links do not hold, as (pk, reason), or None if the chain is whole.

    `rows` are mappings in insertion (pk) order with the chained fields, `pk`,
    `previous_hash` and `row_hash`.
    """
    expected, before = GENESIS, None
    for row in rows:
        if row["previous_hash"] != expected:
            after = f"event #{before}" if before is not None else "the start of the trail"
            return row["pk"], (
                f"its link to {after} is broken: an event was deleted or inserted between them"
            )
        if digest(row, row["previous_hash"]) != row["row_hash"]:
            return row["pk"], "its content no longer matches its hash: it was changed"
        expected, before = row["row_hash"], row["pk"]
    return None
