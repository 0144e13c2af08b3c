"""Counts, discrepancies and corrections: the register checked against the shelf."""

from django.db import transaction
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role
from kapclinic.clinic.signing import password_confirms

from .models import Balance, Discrepancy, Kind, LedgerEntry
from .writes import REVERSIBLE, StockError, audit, colleague, lock_balances, mg, recorder, write


def count(location, by, counted, *, witness, witness_password, at=None):
    """A count of every lot at one location: {balance id: counted mg}, before a witness who
    confirms with their own password (two people, as DEA and UK CD rules expect of a count).

    Each lot gets a count entry (expected vs counted) naming the witness; a difference adjusts
    the balance to what is there and opens a discrepancy for a prescriber who neither counted
    nor witnessed to investigate and resolve. The reminders app tells the prescribers at once.
    """
    recorder(by, location.clinic_id, "record a count")
    colleague(witness, witness_password, location.clinic_id, "witnessed the count", not_user=by)
    opened = []
    with transaction.atomic():
        balances = Balance.objects.filter(location=location, lot__clinic_id=location.clinic_id)
        rows = lock_balances(*((b.lot, b.location) for b in balances.select_related("lot")))
        at = at or timezone.now()
        missing = [r for r in rows if counted.get(r.pk) in (None, "")]
        if missing:
            raise StockError(f"Count every lot: {', '.join(r.lot.lot_number for r in missing)}.")
        for row in rows:
            expected, found = row.quantity_mg, mg(counted[row.pk])
            if found < 0:
                raise StockError("A count cannot be below 0 mg.")
            entry = write(
                row, Kind.COUNT, found - expected, by, at=at, counted_mg=found, witnessed_by=witness
            )
            if found != expected:
                opened.append(
                    Discrepancy.objects.create(
                        clinic_id=location.clinic_id,
                        count_entry=entry,
                        lot=row.lot,
                        location=location,
                        expected_mg=expected,
                        counted_mg=found,
                        opened_at=at,
                    )
                )
        audit(by, f"controlled-substance register: count at {location} recorded")
    return opened


def resolve_discrepancy(discrepancy, by, *, reason, password):
    """A prescriber signs the finding: their password now, and the reason in words."""
    recorder(by, discrepancy.clinic_id, "resolve a discrepancy", roles={Role.PRESCRIBER})
    counted = discrepancy.count_entry
    if by.pk in (counted.recorded_by_id, counted.witnessed_by_id):
        # Whoever counted short, or signed for it, may be the one who took it: someone else
        # investigates (separation of duties).
        did = "recorded" if counted.recorded_by_id == by.pk else "witnessed"
        raise StockError(
            f"You {did} this count: another prescriber of the clinic investigates and resolves it."
        )
    if not (reason or "").strip():
        raise StockError("Write what was found and why.", "reason")
    if not password_confirms(by, password):
        raise StockError("Your password is not right.", "password")
    with transaction.atomic():
        row = Discrepancy.objects.select_for_update(no_key=True, of=("self",)).get(
            pk=discrepancy.pk
        )
        if not row.is_open:
            raise StockError("This discrepancy is already resolved.")
        row.resolved_by, row.resolved_at, row.resolution = by, timezone.now(), reason.strip()
        row.save(update_fields=["resolved_by", "resolved_at", "resolution"])
        audit(
            by,
            f"controlled-substance register: discrepancy {row.pk} resolved",
            action=AccessEvent.Action.CHANGE,
        )
    return row


def reverse(entry, by, *, reason, witness, witness_password):
    """Correct a mistaken entry with one that undoes it, with the reason; a transfer is
    reversed on both sides. Administrations are corrected on the dose, which calls
    reverse_administration.

    A witness confirms with their own password, as for waste: reversing a receipt or a
    transfer takes stock out of a balance (one person could otherwise take a delivery and
    strike it as "entered in error", leaving a register that matches the shelf), and
    reversing a waste or return undoes an act two people signed.
    """
    recorder(by, entry.clinic_id, "correct the register")
    if not (reason or "").strip():
        raise StockError("Write why this entry is being reversed.", "reason")
    if entry.kind not in REVERSIBLE or entry.is_reversal:
        raise StockError("Only a receipt, waste, return or transfer can be reversed.")
    colleague(witness, witness_password, entry.clinic_id, "witnessed the correction", not_user=by)
    with transaction.atomic():
        entries = [entry]
        pair = (
            LedgerEntry.objects.filter(counterpart=entry).first()
            if entry.kind == Kind.TRANSFER_OUT
            else entry.counterpart
        )
        if pair is not None:
            entries.append(pair)
        rows = {
            (r.lot_id, r.location_id): r
            for r in lock_balances(*((e.lot, e.location) for e in entries))
        }
        if LedgerEntry.objects.filter(reverses__in=entries).exists():
            raise StockError("This entry is already reversed.")
        # Take stock out before putting it back, so the check sees the real balance.
        made = [
            write(
                rows[(e.lot_id, e.location_id)],
                e.kind,
                -e.quantity_mg,
                by,
                reverses=e,
                reason=reason.strip(),
                witnessed_by=witness,
            )
            for e in sorted(entries, key=lambda e: e.quantity_mg, reverse=True)
        ]
        audit(
            by,
            f"controlled-substance register: entry {entry.pk} reversed",
            action=AccessEvent.Action.CHANGE,
        )
    return made


def reverse_administration(entry, by, *, reason):
    """Give back what a dose recorded in error drew: an entry reversing it, in the caller's
    transaction (the dose's "entered in error" mark, sessions.dose_errors).

    The amount goes back into the balance; the part-used unit's remainder stops being an open
    task (open_remainders leaves out a reversed administration), so the whole unit is sealed
    stock again. A remainder already wasted or returned is refused: that unit really was
    opened, so the waste is reversed first (or the dose stays), never silently both.
    """
    recorder(by, entry.clinic_id, "correct the register")
    if not (reason or "").strip():
        raise StockError("Write why this dose is being given back to stock.", "reason")
    if entry.kind != Kind.ADMINISTRATION or entry.is_reversal:
        raise StockError("Only a dose's administration entry is given back this way.")
    with transaction.atomic():
        (row,) = lock_balances((entry.lot, entry.location))
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise StockError("This administration is already reversed.")
        settled = LedgerEntry.objects.filter(settles=entry, reversed_by=None).first()
        if settled is not None:
            done = "wasted" if settled.kind == Kind.WASTE else "returned or destroyed"
            raise StockError(
                f"The remainder of this dose was already {done} (register entry {settled.pk}): "
                "the unit was opened. Correct that entry in the register first."
            )
        made = write(
            row,
            Kind.ADMINISTRATION,
            -entry.quantity_mg,
            by,
            reverses=entry,
            course_id=entry.course_id,
            reason=reason.strip(),
        )
        audit(
            by,
            f"controlled-substance register: administration {entry.pk} reversed",
            patient_id=entry.course.patient_id if entry.course_id else None,
            action=AccessEvent.Action.CHANGE,
        )
    return made
