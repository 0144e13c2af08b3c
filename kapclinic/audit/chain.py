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

# Every writer of audit rows takes one advisory lock, an arbitrary fixed key ("KAPAUDIT" in
# ASCII as a 64-bit integer), so "read the last hash, insert the next row" happens one writer
# at a time and the chain cannot fork.
LOCK_KEY = 5422703667864422740


class HashChain:
    """One append-only table whose rows each carry the hash of the row before (`previous_hash`)
    and the SHA-256 of their own fields plus that hash (`row_hash`): this trail, and the
    controlled-substance register (stock/chain.py).

    `prepare(values)` turns a row's chained fields into what is written out (times and amounts
    as text); `broken_link(pk before, or None)` words a missing link for the verifier.
    """

    def __init__(self, *, table, lock_key, fields, prepare, broken_link):
        self.fields = fields
        self.prepare = prepare
        self.broken_link = broken_link
        # `table` is one of ours, named in code, never input.
        self.read_head = f"SELECT row_hash FROM {table} ORDER BY id DESC LIMIT 1"  # noqa: S608
        self.lock_then_read_head = f"SELECT pg_advisory_xact_lock({lock_key}); {self.read_head}"

    def canonical(self, row, previous_hash):
        """The exact bytes hashed for one row: sorted-key JSON of its fields and the link."""
        values = self.prepare({name: row[name] for name in self.fields})
        values["previous_hash"] = previous_hash
        return json.dumps(
            values, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()

    def digest(self, row, previous_hash):
        return hashlib.sha256(self.canonical(row, previous_hash)).hexdigest()

    def lock_and_read_head(self, connection):
        """Take the chain's lock, then read the last row's hash (None for an empty chain).

        On PostgreSQL the transaction-level advisory lock is held until the surrounding
        transaction ends, so the next writer waits and then reads this writer's row. Both
        statements travel in one round trip (no parameters, so the driver sends them as one
        simple query); each takes its own snapshot, so the read sees rows committed while this
        writer waited for the lock. SQLite already lets one writer at a time into the database.
        """
        with connection.cursor() as cursor:
            postgresql = connection.vendor == "postgresql"
            cursor.execute(self.lock_then_read_head if postgresql else self.read_head)
            row = cursor.fetchone()
        return row[0] if row else None

    def first_break(self, rows):
        """The first row whose links do not hold, as (pk, reason), or None if the chain is whole.

        `rows` are mappings in insertion (pk) order with the chained fields, `pk`,
        `previous_hash` and `row_hash`.
        """
        expected, before = GENESIS, None
        for row in rows:
            if row["previous_hash"] != expected:
                return row["pk"], self.broken_link(before)
            if self.digest(row, row["previous_hash"]) != row["row_hash"]:
                return row["pk"], "its content no longer matches its hash: it was changed"
            expected, before = row["row_hash"], row["pk"]
        return None


def utc_text(at):
    """A time as the chains write it: UTC, to the microsecond."""
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _prepare(values):
    """UTC times; an IP address in its one short form."""
    ip = values["ip_address"]
    ip = ipaddress.ip_address(ip).compressed if ip else None
    return {**values, "at": utc_text(values["at"]), "ip_address": ip}


def _broken_link(before):
    after = f"event #{before}" if before is not None else "the start of the trail"
    return f"its link to {after} is broken: an event was deleted or inserted between them"


TRAIL = HashChain(
    table="audit_accessevent",
    lock_key=LOCK_KEY,
    fields=CHAINED_FIELDS,
    prepare=_prepare,
    broken_link=_broken_link,
)

# The model, the migration that backfilled old rows and `verify_audit` call these.
canonical = TRAIL.canonical
digest = TRAIL.digest
lock_and_read_head = TRAIL.lock_and_read_head
first_break = TRAIL.first_break
