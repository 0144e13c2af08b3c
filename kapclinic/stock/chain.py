"""The controlled-substance register's hash chain, built like the audit trail's (audit/chain.py).

Each entry stores the hash of the entry before it and the SHA-256 of its own fields plus that
hash, so an entry changed, removed or slipped in by someone who got past the database trigger
breaks a link that `verify` finds. Writers take one advisory lock (a fixed key, "KAPSTOCK" as a
64-bit integer) so "read the last hash, insert the next entry" happens one at a time.
"""

from kapclinic.audit.chain import GENESIS as GENESIS  # the register starts where the trail does
from kapclinic.audit.chain import HashChain, utc_text

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

LOCK_KEY = 5422703667864429387  # "KAPSTOCK"

AMOUNTS = ("quantity_mg", "balance_after_mg", "remainder_mg", "counted_mg")


def _prepare(values):
    """UTC times; amounts as text to one decimal, as the register writes them."""
    amounts = {name: f"{values[name]:.1f}" for name in AMOUNTS if values[name] is not None}
    return {**values, "at": utc_text(values["at"]), **amounts}


REGISTER = HashChain(
    table="stock_ledgerentry",
    lock_key=LOCK_KEY,
    fields=CHAINED_FIELDS,
    prepare=_prepare,
    broken_link=lambda before: "its link to the entry before is broken (deleted or inserted)",
)

# The ledger entry (models.py) and `verify` (selectors.py) call these.
canonical = REGISTER.canonical
digest = REGISTER.digest
lock_and_read_head = REGISTER.lock_and_read_head
first_break = REGISTER.first_break
