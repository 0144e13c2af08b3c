"""Property: after any sequence of register operations, every lot's balance at every location
equals receipts − administrations − waste − returns ± transfers ± count adjustments, the
ledger's running balance agrees, and the period totals show a zero difference."""

import itertools
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapclinic.stock import selectors, services
from kapclinic.stock.models import Balance, Kind, LedgerEntry

from .conftest import fake_dose

pytestmark = pytest.mark.django_db

SIGNS = {
    Kind.RECEIPT: 1,
    Kind.ADMINISTRATION: -1,
    Kind.WASTE: -1,
    Kind.RETURN: -1,
    Kind.TRANSFER_IN: 1,
    Kind.TRANSFER_OUT: -1,
    Kind.COUNT: 1,
}
operation = st.tuples(
    st.sampled_from(["receive", "dose", "waste", "return", "transfer", "count"]),
    st.integers(min_value=0, max_value=1),  # which location
    st.integers(min_value=1, max_value=6),  # how many troches / tens of mg
)
EXAMPLE = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(operation, min_size=1, max_size=12))
def test_balance_identity_holds_after_any_sequence(stock, operations):
    lot = f"P-{next(EXAMPLE)}"
    places = [stock.safe, stock.cabinet]
    expected = defaultdict(Decimal)  # what the register should hold, kept by hand
    started = timezone.now()
    for name, where, n in operations:
        place = places[where]
        balance = Balance.objects.filter(lot__lot_number=lot, location=place).first()
        try:
            if name == "receive":
                stock.receive(lot=lot, units=n, unit_mg=25, location=place)
                expected[place.pk] += 25 * n
            elif balance is None:
                continue
            elif name == "dose":
                services.draw_for_dose(balance, fake_dose(stock, 25 * n))
                expected[place.pk] -= 25 * n
            elif name == "waste":
                stock.waste(balance, 10 * n)
                expected[place.pk] -= 10 * n
            elif name == "return":
                stock.return_stock(balance, 10 * n, reference="RD-9")
                expected[place.pk] -= 10 * n
            elif name == "transfer":
                other = places[1 - where]
                stock.transfer(balance, other, 10 * n)
                expected[place.pk] -= 10 * n
                expected[other.pk] += 10 * n
            elif name == "count":
                found = max(Decimal(0), balance.quantity_mg - n)
                stock.count(
                    place,
                    {
                        b.pk: (found if b.pk == balance.pk else b.quantity_mg)
                        for b in Balance.objects.filter(location=place)
                    },
                )
                expected[place.pk] += found - balance.quantity_mg
        except services.StockError as refusal:
            assert "Not enough stock" in str(refusal)  # the only refusal these can meet

    totals = {
        t.location.pk: t
        for t in selectors.period_totals(stock.clinic.pk, started, timezone.now())
        if t.lot.lot_number == lot
    }
    for balance in Balance.objects.filter(lot__lot_number=lot):
        entries = LedgerEntry.objects.filter(lot=balance.lot, location=balance.location)
        by_kind = dict(entries.values_list("kind").annotate(Sum("quantity_mg")))
        identity = sum(by_kind.get(kind, 0) for kind in SIGNS)  # signed already
        assert balance.quantity_mg >= 0
        assert balance.quantity_mg == identity == expected[balance.location_id]
        last = entries.order_by("at", "pk").last()
        assert last.balance_after_mg == balance.quantity_mg
        row = totals[balance.location_id]
        assert row.closing == balance.quantity_mg
        assert row.difference == 0
    assert selectors.chain_break() is None
