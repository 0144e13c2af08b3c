"""The hash chain of the controlled-substance register, like the audit trail's (audit/chain.py).

Each entry stores the hash of the entry before it and the SHA-256 of its own fields plus that
hash, so an entry changed, removed or slipped in by someone who got past the database trigger
breaks a link that `verify` finds. Writers take one advisory lock (a fixed key, "KAPSTOCK" as a
64-bit integer) so "read the last hash, insert the next entry" happens one at a time.
"""

import datetime
import hashlib
import json

GENESIS = "0" * 64

CHAINED_FIELDS = (
    "at",
    "clinic_id",
    "lot_id",
    "location_id",
    "kind",
    "quantity_mg",
    "balance_after_mg",
    "remainder_mg",
    "counted_mg",
    "recorded_by_id",
    "witnessed_by_id",
    "course_id",
    "settles_id",
    "reverses_id",
    "supplier",
    "reference",
    "method",
    "reason",
)

LOCK_THEN_READ_HEAD = (
    "SELECT pg_advisory_xact_lock(5422703667864429387); "
    "SELECT row_hash FROM stock_ledgerentry ORDER BY id DESC LIMIT 1"
)
READ_HEAD = "SELECT row_hash FROM stock_ledgerentry ORDER BY id DESC LIMIT 1"


def canonical(row, previous_hash):
    """The exact bytes hashed for one entry: sorted-key JSON, UTC times, amounts as text."""
    values = {name: row[name] for name in CHAINED_FIELDS}
    values["at"] = row["at"].astimezone(datetime.UTC).isoformat(timespec="microseconds")
    for name in ("quantity_mg", "balance_after_mg", "remainder_mg", "counted_mg"):
        if values[name] is not None:
            values[name] = f"{values[name]:.1f}"
    values["previous_hash"] = previous_hash
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(row, previous_hash):
    return hashlib.sha256(canonical(row, previous_hash)).hexdigest()


def lock_and_read_head(connection):
    """Take the register lock (held to the end of the transaction), then read the last hash."""
    with connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        cursor.execute(LOCK_THEN_READ_HEAD if postgresql else READ_HEAD)
        row = cursor.fetchone()
    return row[0] if row else None


def first_break(rows):
    """The first entry whose links do not hold, as (pk, reason), or None if the chain is whole."""
    expected = GENESIS
    for row in rows:
        if row["previous_hash"] != expected:
            return row["pk"], "its link to the entry before is broken (deleted or inserted)"
        if digest(row, row["previous_hash"]) != row["row_hash"]:
            return row["pk"], "its content no longer matches its hash: it was changed"
        expected = row["row_hash"]
    return None
