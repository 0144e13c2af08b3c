"""Every write to the controlled-substance register goes through here.

Each function checks who may do it, locks the balance rows it changes
(`select_for_update(no_key=True, of=("self",))`, in id order so two writers never wait on each
other crosswise), writes one chained ledger entry per lot and location, and audit-logs the act,
all in one transaction. A refusal is a StockError: a ValidationError naming the form field it
belongs beside, so the dose form shows "not enough stock" under the lot.
"""

import math
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .counts import count, resolve_discrepancy, reverse, reverse_administration
from .models import (
    NASAL_DEVICE_MG,
    Balance,
    Kind,
    LedgerEntry,
    StockForm,
    StockLot,
)
from .selectors import register_kept_on
from .writes import (
    MAX_MG,
    MAX_UNIT_MG,
    RECORDERS,
    WITNESSES,
    StockError,
    audit,
    colleague,
    lock_balances,
    locked,
    mg,
    positive,
    recorder,
    write,
)

__all__ = [
    "count",
    "resolve_discrepancy",
    "reverse",
    "reverse_administration",
    "RECORDERS",
    "WITNESSES",
    "StockError",
    "mg",
]


# --- Receipt and lots ---------------------------------------------------------------------


def unit_mg_for(form, *, mg_per_ml=None, volume_ml=None, unit_mg=None):
    """mg in one vial, troche or device (a vial: strength × volume; a device: 28 mg)."""
    if form == StockForm.VIAL:
        if not mg_per_ml or not volume_ml:
            raise StockError("A vial needs its strength (mg/mL) and volume (mL).", "mg_per_ml")
        per_unit, field = mg(Decimal(mg_per_ml) * Decimal(volume_ml), "volume_ml"), "volume_ml"
    elif form == StockForm.NASAL_DEVICE:
        return NASAL_DEVICE_MG
    else:
        if not unit_mg:
            raise StockError("A troche needs its mg per unit.", "unit_mg")
        per_unit, field = mg(unit_mg, "unit_mg"), "unit_mg"
    if not 0 < per_unit <= MAX_UNIT_MG:
        raise StockError(f"One unit must hold between 0.1 and {MAX_UNIT_MG:g} mg.", field)
    return per_unit


def receive(
    clinic,
    by,
    *,
    location,
    product,
    form,
    lot_number,
    expiry,
    supplier,
    units,
    witnessed_by,
    witness_password,
    reference="",
    mg_per_ml=None,
    volume_ml=None,
    unit_mg=None,
    at=None,
):
    """A delivery: `units` vials, troches or devices of one lot into one location, checked in
    before a witness who confirms with their own password (what arrived is what is written)."""
    recorder(by, clinic.pk, "receive controlled drugs")
    if location.clinic_id != clinic.pk:
        raise StockError("Choose one of this clinic's storage locations.", "location")
    colleague(
        witnessed_by,
        witness_password,
        clinic.pk,
        "witnessed the delivery",
        not_user=by,
        field="witnessed_by",
    )
    if not units or int(units) < 1:
        raise StockError("Enter how many units were delivered.", "units")
    lot_number = (lot_number or "").strip()
    if not lot_number:
        raise StockError("Enter the lot number.", "lot_number")
    per_unit = unit_mg_for(form, mg_per_ml=mg_per_ml, volume_ml=volume_ml, unit_mg=unit_mg)
    with transaction.atomic():
        lot, created = StockLot.objects.get_or_create(
            clinic=clinic,
            product=product,
            lot_number=lot_number,
            defaults={
                "form": form,
                "expiry": expiry,
                "supplier": supplier,
                "mg_per_ml": mg_per_ml if form == StockForm.VIAL else None,
                "volume_ml": volume_ml if form == StockForm.VIAL else None,
                "unit_mg": per_unit,
            },
        )
        if not created and (lot.form, lot.unit_mg, lot.expiry) != (form, per_unit, expiry):
            raise StockError(
                f"Lot {lot_number} is already in stock as {lot.unit_label}, expiring "
                f"{lot.expiry:%d %b %Y}: check the form, strength and expiry.",
                "lot_number",
            )
        if per_unit * int(units) > MAX_MG:
            raise StockError("That is more than the register can hold in one entry.", "units")
        (balance,) = lock_balances((lot, location))
        entry = write(
            balance,
            Kind.RECEIPT,
            per_unit * int(units),
            by,
            at=at,
            witnessed_by=witnessed_by,
            supplier=supplier,
            reference=(reference or "").strip(),
        )
        audit(by, f"controlled-substance register: receipt {entry.pk} recorded")
    return entry


# --- Doses --------------------------------------------------------------------------------


def dose_source(clinic, balance, given_at):
    """The lot and location a dose draws from, or None where the register is not kept.

    Where the clinic keeps the register on the dose's date, a dose must name one of the
    clinic's lots at a location; its lot number and expiry then come from that lot.
    """
    day = timezone.localtime(given_at, clinic.tz).date()
    if not register_kept_on(clinic, day):
        return None
    if balance is None:
        raise StockError("Choose the lot and location this dose is drawn from.", "stock_lot")
    if not isinstance(balance, Balance):
        balance = Balance.objects.select_related("lot", "location").filter(pk=balance).first()
    if balance is None or balance.lot.clinic_id != clinic.pk:
        raise StockError("Choose one of this clinic's lots.", "stock_lot")
    return balance


def _entry_time(balance, wanted):
    """When the dose was given, unless an entry of this lot and place was written after that
    time (a dose recorded late): then now. Per lot and place, the register's time order is
    always its write order, so each entry's running balance is the balance at its time."""
    now = timezone.now()
    if wanted is None or wanted > now:
        return now
    later = LedgerEntry.objects.filter(
        lot_id=balance.lot_id, location_id=balance.location_id, at__gt=wanted
    ).exists()
    return now if later else wanted


def draw_for_dose(balance, dose, *, at=None):
    """The dose's administration entry, inside record_dose's transaction.

    Whole units are opened (a vial, a troche, a device); the part of a unit not given is a
    remainder that stays an open task until wasted with a witness or returned. Only sealed
    stock can be opened: the balance less the remainders still waiting.
    """
    balance = locked(balance)
    lot, amount = balance.lot, mg(dose.amount_mg)
    units = math.ceil(amount / lot.unit_mg)
    opened = lot.unit_mg * units
    waiting = sum(
        e.remainder_mg
        for e in LedgerEntry.objects.open_remainders().filter(
            lot=balance.lot, location=balance.location
        )
    )
    sealed = balance.quantity_mg - waiting
    if getattr(dose, "product", None) and lot.product != dose.product:
        raise StockError(
            f"Lot {lot.lot_number} is {lot.get_product_display()}, not the product given.",
            "stock_lot",
        )
    if sealed < opened:
        raise StockError(
            f"Not enough stock: lot {lot.lot_number} at {balance.location} has {sealed:g} mg "
            f"in sealed units, and this dose opens {units} × {lot.unit_mg:g} mg. Choose another "
            "lot or receive stock first.",
            "stock_lot",
        )
    course = dose.session.course
    entry = write(
        balance,
        Kind.ADMINISTRATION,
        -amount,
        dose.given_by,
        field="stock_lot",
        at=at or _entry_time(balance, dose.given_at),
        witnessed_by=dose.witnessed_by,
        course=course,
        remainder_mg=opened - amount,
    )
    audit(
        dose.recorded_by,
        f"controlled-substance register: administration {entry.pk} drawn for a dose",
        course.patient_id,
    )
    return entry


# --- Waste, return, transfer ---------------------------------------------------------------


def _open_remainder(settles, balance, amount):
    """The dose whose part-used unit `amount` empties: still open, at this lot and location,
    and `amount` exactly what it left (None when nothing is settled)."""
    if settles is None:
        return None
    settles = LedgerEntry.objects.open_remainders().filter(pk=getattr(settles, "pk", settles))
    settles = settles.first()
    if settles is None or (settles.lot_id, settles.location_id) != (
        balance.lot_id,
        balance.location_id,
    ):
        raise StockError(
            "That remainder is already settled, or is not at this lot and location.", "settles"
        )
    if amount != settles.remainder_mg:
        raise StockError(f"The remainder of that dose is {settles.remainder_mg:g} mg.", "amount_mg")
    return settles


def _write_out(
    balance, kind, amount, by, settles, reason, *, audited, with_dose_course=False, **fields
):
    """Stock leaving the register as waste or a return, in one transaction under the balance's
    lock: `settles` (the dose whose part-used unit this empties, or None) checked against the
    locked balance, the entry written, and the audit row saying it was `audited` ("witnessed").
    `with_dose_course`: the entry carries the course of the dose it settles.
    """
    with transaction.atomic():
        balance = locked(balance)
        settles = _open_remainder(settles, balance, amount)
        if with_dose_course and settles is not None:
            fields["course_id"] = settles.course_id
        reason = (reason or "").strip()
        entry = write(
            balance, kind, -amount, by, field="amount_mg", settles=settles, reason=reason, **fields
        )
        audit(by, f"controlled-substance register: {kind} {entry.pk} {audited}")
    return entry


def waste(
    balance, by, *, amount_mg, method, witness, witness_password, settles=None, reason="", at=None
):
    """Waste in front of a witness, who confirms with their own password (two people, never
    the same one). `settles` is the administration whose part-used unit this empties."""
    clinic_id = balance.lot.clinic_id
    recorder(by, clinic_id, "record waste")
    colleague(witness, witness_password, clinic_id, "witnessed the waste", not_user=by)
    amount = positive(amount_mg, "amount_mg")
    if not (method or "").strip():
        raise StockError("Say how it was wasted.", "method")
    return _write_out(
        balance,
        Kind.WASTE,
        amount,
        by,
        settles,
        reason,
        audited="witnessed",
        with_dose_course=True,
        at=at,
        witnessed_by=witness,
        method=method.strip(),
    )


def return_stock(
    balance,
    by,
    *,
    amount_mg,
    witness,
    witness_password,
    reference="",
    settles=None,
    reason="",
    at=None,
):
    """Back to a reverse distributor (its number) or destroyed, before a witness who confirms
    with their own password: stock leaving the register always has a second person."""
    clinic_id = balance.lot.clinic_id
    recorder(by, clinic_id, "record a return")
    colleague(
        witness, witness_password, clinic_id, "witnessed the return or destruction", not_user=by
    )
    amount = positive(amount_mg, "amount_mg")
    return _write_out(
        balance,
        Kind.RETURN,
        amount,
        by,
        settles,
        reason,
        audited="witnessed",
        at=at,
        witnessed_by=witness,
        reference=(reference or "").strip(),
    )


def transfer(balance, to_location, by, *, amount_mg, witness, witness_password, reason="", at=None):
    """Move stock of one lot from one safe to another before a witness who confirms with their
    own password: two entries, one each side, both naming the witness."""
    clinic_id = balance.lot.clinic_id
    recorder(by, clinic_id, "transfer stock")
    if to_location.clinic_id != clinic_id or to_location.pk == balance.location_id:
        raise StockError("Choose another of this clinic's storage locations.", "to_location")
    colleague(witness, witness_password, clinic_id, "witnessed the transfer", not_user=by)
    amount = positive(amount_mg, "amount_mg")
    with transaction.atomic():
        rows = lock_balances((balance.lot, balance.location), (balance.lot, to_location))
        at = at or timezone.now()  # after the locks: per lot and place, time order = write order
        source = next(r for r in rows if r.location_id == balance.location_id)
        target = next(r for r in rows if r.location_id == to_location.pk)
        out = write(
            source,
            Kind.TRANSFER_OUT,
            -amount,
            by,
            field="amount_mg",
            at=at,
            witnessed_by=witness,
            reason=(reason or "").strip(),
        )
        into = write(
            target,
            Kind.TRANSFER_IN,
            amount,
            by,
            at=at,
            witnessed_by=witness,
            counterpart=out,
            reason=(reason or "").strip(),
        )
        audit(by, f"controlled-substance register: transfer {out.pk}/{into.pk} recorded")
    return out, into
