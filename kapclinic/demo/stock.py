"""The demo clinic's controlled-substance register: kept from twelve days ago, stock received
then, the doses given since drawing from it (Amara's first dose), and a week of entries a
clinic keeps (daily counts of the safe, a transfer, a witnessed waste, esketamine devices)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kapclinic.clinic.models import Product, Role
from kapclinic.stock import services
from kapclinic.stock.models import Balance, ControlledRegister, StorageLocation

from .data import read

DELIVERIES = read("stock")  # what the register received, and from whom
# The lot the earlier demo doses name (treatment.LOT).
KETAMINE_LOT = DELIVERIES["ketamine"]["lot_number"]


def open_register(clinic, staff, since, witness_password):
    """The register from `since` (a past 09:00), with the first delivery received then."""
    ControlledRegister.objects.create(clinic=clinic, kept_from=timezone.localdate(since))
    safe = StorageLocation.objects.create(clinic=clinic, name="Controlled drugs safe")
    StorageLocation.objects.create(clinic=clinic, name="Treatment room cabinet")
    receive(clinic, staff, safe, DELIVERIES["ketamine"], at=since, password=witness_password)


def receive(clinic, staff, safe, delivery, *, at, password):
    """One of the DELIVERIES into the safe at `at`, the nurse receiving, the prescriber witness."""
    delivery = dict(delivery)
    expiry = (at + timedelta(days=delivery.pop("expires_after_days"))).date()
    services.receive(
        clinic,
        staff[Role.NURSE].user,
        location=safe,
        expiry=expiry,
        witnessed_by=staff[Role.PRESCRIBER].user,
        witness_password=password,
        at=at,
        **delivery,
    )


def ketamine_in_stock(clinic):
    """Where a demo dose draws from (ignored before the register's first day)."""
    return (
        Balance.objects.filter(
            lot__clinic=clinic, lot__product=Product.RACEMIC_KETAMINE, quantity_mg__gte=400
        )
        .select_related("lot", "location")
        .order_by("lot__expiry", "location__name")
        .first()
    )


def week_of_entries(clinic, staff, today_nine, witness_password):
    """Seven days before today: esketamine received, a transfer to the treatment room, a
    damaged troche wasted before a witness, and each evening's count of the safe (all match);
    the prescriber witnesses the transfer and the counts, as the nurse's second person."""
    nurse, prescriber = staff[Role.NURSE].user, staff[Role.PRESCRIBER].user
    safe = StorageLocation.objects.get(clinic=clinic, name="Controlled drugs safe")
    cabinet = StorageLocation.objects.get(clinic=clinic, name="Treatment room cabinet")
    ketamine = Balance.objects.select_related("lot", "location").get(
        lot__clinic=clinic, lot__lot_number=KETAMINE_LOT, location=safe
    )
    for days_ago in range(7, 0, -1):
        day = today_nine - timedelta(days=days_ago)
        if days_ago == 7:
            receive(
                clinic, staff, safe, DELIVERIES["esketamine"], at=day, password=witness_password
            )
        if days_ago == 5:
            services.transfer(
                ketamine,
                cabinet,
                nurse,
                amount_mg=Decimal("400"),
                witness=prescriber,
                witness_password=witness_password,
                reason="Stock for the week's sessions",
                at=day,
            )
        if days_ago == 3:
            services.waste(
                ketamine,
                nurse,
                amount_mg=Decimal("100"),
                method="Crumbled troche into a denaturing disposal pouch",
                witness=prescriber,
                witness_password=witness_password,
                reason="Troche found broken in its blister",
                at=day,
            )
        counted = {b.pk: b.quantity_mg for b in Balance.objects.filter(location=safe)}
        services.count(
            safe,
            nurse,
            counted,
            witness=prescriber,
            witness_password=witness_password,
            at=day + timedelta(hours=9),
        )
