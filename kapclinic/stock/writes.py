"""The register's building blocks: refusals, amounts, who may act, locks and the one write.

Every write locks the balance rows it changes (`select_for_update(no_key=True,
of=("self",))`, in id order so two writers never wait on each other crosswise) and chains one
ledger entry per lot and location. The acts themselves are in `services` and `counts`.
"""

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.access import provider_for
from kapclinic.clinic.models import Role
from kapclinic.clinic.signing import password_confirms

from .models import Balance, Kind, LedgerEntry

MAX_UNIT_MG = Decimal("100000")  # a unit column's limit; a real vial holds a few grams at most
RECORDERS = frozenset({Role.NURSE, Role.PRESCRIBER})
WITNESSES = frozenset({Role.NURSE, Role.PRESCRIBER, Role.THERAPIST})
REVERSIBLE = (Kind.RECEIPT, Kind.WASTE, Kind.RETURN, Kind.TRANSFER_OUT, Kind.TRANSFER_IN)


class StockError(ValidationError):
    """A refusal in plain words, beside the form field it concerns (or the whole form)."""

    def __init__(self, message, field=NON_FIELD_ERRORS):
        super().__init__({field: [message]})
        self.field, self.text = field, message

    def __str__(self):
        return self.text


MAX_MG = Decimal("99999999.9")  # what a register column holds; no real stock comes near it


def mg(value, field=NON_FIELD_ERRORS):
    """An amount in mg to one decimal place; anything else (text, NaN, huge) is refused."""
    try:
        amount = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except ArithmeticError:
        raise StockError("Enter the amount in mg as a number.", field) from None
    if not amount.is_finite() or abs(amount) > MAX_MG:
        raise StockError("Enter the amount in mg as a number.", field)
    return amount


def recorder(user, clinic_id, doing, roles=RECORDERS):
    """The user's Provider when they hold one of `roles` at this clinic; else StockError."""
    provider = provider_for(user)
    if provider is None or provider.clinic_id != clinic_id or provider.role not in roles:
        who = " or ".join(sorted(Role(role).label.lower() for role in roles))
        raise StockError(f"Only a {who} of this clinic may {doing}.")
    return provider


def colleague(user, password, clinic_id, doing, *, not_user, field="witness"):
    """A second member of staff who witnesses: of this clinic, not the one acting, and proving
    it is them by typing their own `password` now (every act on the register has one)."""
    if user is None:
        raise StockError(f"Choose who {doing}.", field)
    if user.pk == not_user.pk:
        raise StockError("The witness must be someone other than the person recording.", field)
    provider = provider_for(user)
    if provider is None or provider.clinic_id != clinic_id or provider.role not in WITNESSES:
        raise StockError("The witness must be a clinician of this clinic.", field)
    if not password_confirms(user, password or ""):
        raise StockError("The witness's password is not right.", "witness_password")
    return user


def lock_balances(*pairs):
    """Lock the balance rows of (lot, location) pairs, creating missing ones, in id order."""
    ids = sorted(
        {Balance.objects.get_or_create(lot=lot, location=location)[0].pk for lot, location in pairs}
    )
    rows = {
        row.pk: row
        for row in Balance.objects.select_for_update(no_key=True, of=("self",))
        .select_related("lot", "location")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    return [rows[pk] for pk in ids]


def locked(balance):
    return lock_balances((balance.lot, balance.location))[0]


def write(balance, kind, quantity, by, *, field="quantity_mg", at=None, **fields):
    """Move `quantity` (signed mg) in or out of a locked balance and chain its entry."""
    after = balance.quantity_mg + quantity
    if after < 0:
        raise StockError(
            f"Not enough stock: lot {balance.lot.lot_number} at {balance.location} holds "
            f"{balance.quantity_mg:g} mg, and this needs {-quantity:g} mg.",
            field,
        )
    balance.quantity_mg = after
    balance.save(update_fields=["quantity_mg"])
    entry = LedgerEntry(
        clinic_id=balance.lot.clinic_id,
        lot=balance.lot,
        location=balance.location,
        kind=kind,
        quantity_mg=quantity,
        balance_after_mg=after,
        recorded_by=by,
        at=at or timezone.now(),
        **fields,
    )
    entry.save()
    return entry


def audit(by, what, patient_id=None, action=AccessEvent.Action.CREATE):
    AccessEvent.record(actor=by, action=action, what=what, patient_id=patient_id)


def positive(value, field="quantity_mg"):
    if value in (None, "") or mg(value, field) <= 0:
        raise StockError("Enter an amount above 0 mg.", field)
    return mg(value, field)
