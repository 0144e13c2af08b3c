"""The demo clinic keeps the register: stock received, its dose drawn, a week of entries that
reconcile, and nothing left open."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kapclinic.clinic.models import Clinic
from kapclinic.stock import selectors
from kapclinic.stock.models import Balance, Kind, LedgerEntry
from sessions.models import Administration

pytestmark = pytest.mark.django_db


def test_the_demo_seed_keeps_a_consistent_register():
    call_command("seed_demo", stdout=StringIO())
    clinic = Clinic.objects.get()
    entries = LedgerEntry.objects.filter(clinic=clinic)
    kinds = set(entries.values_list("kind", flat=True))
    assert {Kind.RECEIPT, Kind.ADMINISTRATION, Kind.TRANSFER_OUT, Kind.WASTE, Kind.COUNT} <= kinds
    week_ago = timezone.now() - datetime.timedelta(days=7, hours=2)
    assert entries.filter(at__gte=week_ago).count() >= 10
    # Each dose given since the register's first day drew from it, and only those.
    drawn = Administration.objects.filter(stock_entry__isnull=False)
    assert drawn.count() == entries.filter(kind=Kind.ADMINISTRATION).count() >= 1
    for dose in drawn.select_related("stock_entry"):
        assert -dose.stock_entry.quantity_mg == dose.amount_mg
        assert dose.stock_entry.at == dose.given_at
    start = timezone.now() - datetime.timedelta(days=60)
    for totals in selectors.period_totals(clinic.pk, start, timezone.now()):
        assert totals.difference == 0
        balance = Balance.objects.get(lot=totals.lot, location=totals.location)
        assert totals.closing == balance.quantity_mg
    assert not selectors.open_discrepancies(clinic.pk).exists()
    assert selectors.chain_break() is None
