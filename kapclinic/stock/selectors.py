"""Reads of the register: who may read it, balances, period totals, inventory at a moment.

The period totals are what an inspector checks: opening balance + received − administered −
wasted − returned ± transfers ± count adjustments must equal the closing balance that the
ledger's own running balance says, for every lot and location (difference 0).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from kapclinic.clinic.access import provider_for
from kapclinic.clinic.models import Role
from kapclinic.clinic.statements import compiled

from .models import Balance, ControlledRegister, Discrepancy, Kind, LedgerEntry

READERS = frozenset({Role.NURSE, Role.PRESCRIBER, Role.CLINIC_ADMIN})
ZERO = Decimal("0.0")
# What a register row shows beside its entry (people, patient, the entry reversing it), read
# in the same query by every page and download that lists entries.
SHOWN_WITH = ("lot", "location", "recorded_by", "witnessed_by", "course__patient", "reversed_by")


def register_kept_on(clinic, day):
    """Does this clinic keep the register on this date (doses must then draw from stock)?
    Asked by every load of the session screen: its SQL built once."""
    return bool(compiled("register kept on", [clinic.pk, day], _register_from))


def _register_from(clinic_id, day):
    kept = ControlledRegister.objects.filter(clinic_id=clinic_id, kept_from__lte=day)
    return kept.values_list("pk", flat=True)[:1]


def reader_clinic_id(user):
    """The clinic whose register this user may read, or None: nurses, prescribers and clinic
    admins read it; therapists (they handle no drugs), patients and superusers do not."""
    provider = provider_for(user)
    if provider is None or provider.role not in READERS:
        return None
    return provider.clinic_id


def balances(clinic_id, location=None):
    rows = Balance.objects.filter(lot__clinic_id=clinic_id).select_related("lot", "location")
    if location is not None:
        rows = rows.filter(location=location)
    return rows


def open_discrepancies(clinic_id):
    return Discrepancy.objects.filter(clinic_id=clinic_id, resolved_at=None)


def discrepancies_for(provider):
    """Open count discrepancies a prescriber of the clinic must resolve (0 for other roles)."""
    if provider is None or provider.role != Role.PRESCRIBER:
        return 0
    return open_discrepancies(provider.clinic_id).count()


def open_remainders_of(doses):
    """The open remainders of these doses (objects with `stock_entry_id`), for the session
    screen; no query when none of them drew from the register."""
    ids = [dose.stock_entry_id for dose in doses if dose.stock_entry_id]
    if not ids:
        return []
    return list(LedgerEntry.objects.open_remainders().filter(pk__in=ids).select_related("lot"))


def open_remainders(clinic_id):
    return (
        LedgerEntry.objects.open_remainders()
        .filter(clinic_id=clinic_id)
        .select_related("lot", "location", "course__patient", "recorded_by")
    )


@dataclass
class LotTotals:
    lot: object
    location: object
    opening: Decimal = ZERO
    received: Decimal = ZERO
    administered: Decimal = ZERO
    wasted: Decimal = ZERO
    returned: Decimal = ZERO
    transferred_in: Decimal = ZERO
    transferred_out: Decimal = ZERO
    adjusted: Decimal = ZERO
    closing: Decimal = ZERO  # the ledger's own running balance after the period's last entry
    entries: list = field(default_factory=list)

    @property
    def expected_closing(self):
        return (
            self.opening
            + self.received
            - self.administered
            - self.wasted
            - self.returned
            + self.transferred_in
            - self.transferred_out
            + self.adjusted
        )

    @property
    def difference(self):
        return self.closing - self.expected_closing


# Kind → (LotTotals attribute, sign as reported: out-of-stock kinds are shown as positives).
COLUMNS = {
    Kind.RECEIPT: ("received", 1),
    Kind.ADMINISTRATION: ("administered", -1),
    Kind.WASTE: ("wasted", -1),
    Kind.RETURN: ("returned", -1),
    Kind.TRANSFER_IN: ("transferred_in", 1),
    Kind.TRANSFER_OUT: ("transferred_out", -1),
    Kind.COUNT: ("adjusted", 1),
}


def narrowed_to(product="", lot="", location=None, **_others):
    """The register's filter by product, lot number and place, as its screen takes it (the
    filter form's cleaned data): one Q for entries and balances alike, so the screen and its
    downloads list the same lots and places."""
    where = Q()
    if product:
        where &= Q(lot__product=product)
    if (lot or "").strip():
        where &= Q(lot__lot_number__iexact=lot.strip())
    if location is not None:
        where &= Q(location=location)
    return where


def period_totals(clinic_id, start, end, *, where=None, kind=""):
    """Totals per lot and location for entries at or after `start` and before `end`.

    `where` (narrowed_to) keeps some lots and places; `kind` lists only entries of that kind,
    while the totals still add up every kind, so opening + movements = closing still holds.
    Two queries: the opening balances (sum of every earlier entry) and the period's entries.
    """
    where = where or Q()
    totals = {}

    def row(lot, location):
        key = (lot.pk, location.pk)
        if key not in totals:
            totals[key] = LotTotals(lot=lot, location=location)
        return totals[key]

    before = (
        LedgerEntry.objects.filter(where, clinic_id=clinic_id, at__lt=start)
        .values("lot", "location")
        .annotate(total=Sum("quantity_mg"))
    )
    opening = {(r["lot"], r["location"]): r["total"] for r in before}
    entries = (
        LedgerEntry.objects.filter(where, clinic_id=clinic_id, at__gte=start, at__lt=end)
        .select_related(*SHOWN_WITH)
        .order_by("at", "pk")
    )
    for entry in entries:
        totals_row = row(entry.lot, entry.location)
        name, sign = COLUMNS[entry.kind]
        setattr(totals_row, name, getattr(totals_row, name) + sign * entry.quantity_mg)
        totals_row.closing = entry.balance_after_mg
        if not kind or entry.kind == kind:
            totals_row.entries.append(entry)
    if opening:
        quiet = [key for key in opening if key not in totals]
        for balance in Balance.objects.filter(where, lot__clinic_id=clinic_id).select_related(
            "lot", "location"
        ):
            key = (balance.lot_id, balance.location_id)
            if key in quiet:
                row(balance.lot, balance.location).closing = opening[key]
    for key, value in opening.items():
        if key in totals:
            totals[key].opening = value
    return sorted(totals.values(), key=lambda t: (t.lot.product, t.lot.lot_number, t.location.name))


def inventory_at(clinic_id, moment):
    """Every lot's quantity on hand at each location at `moment` (the periodic inventory)."""
    sums = (
        LedgerEntry.objects.filter(clinic_id=clinic_id, at__lte=moment)
        .values("lot", "location")
        .annotate(total=Sum("quantity_mg"))
    )
    on_hand = {(r["lot"], r["location"]): r["total"] for r in sums}
    rows = []
    for balance in balances(clinic_id).order_by("lot__product", "lot__lot_number", "location"):
        quantity = on_hand.get((balance.lot_id, balance.location_id))
        if quantity is not None:
            rows.append((balance.lot, balance.location, quantity))
    return rows


def history(lot, location=None):
    entries = lot.entries.select_related(*SHOWN_WITH, "reverses", "settles")
    if location is not None:
        entries = entries.filter(location=location)
    return entries.order_by("at", "pk")


def chain_break():
    """The first entry whose hash links do not hold, or None."""
    from . import chain

    rows = LedgerEntry.objects.order_by("pk").values(
        "pk", "previous_hash", "row_hash", *chain.CHAINED_FIELDS
    )
    return chain.first_break(rows)
