"""The register's rules, tested through its services on PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from kapclinic.stock import selectors, services, writes
from kapclinic.stock.models import (
    AppendOnlyError,
    Balance,
    Discrepancy,
    Kind,
    LedgerEntry,
    StockForm,
)
from tests.factories import PASSWORD
from tests.record_checks import assert_write_once

from .conftest import fake_dose

pytestmark = pytest.mark.django_db


def test_the_database_refuses_to_update_or_delete_a_ledger_entry(stock):
    stock.receive()
    entry = LedgerEntry.objects.get()
    for sql in (
        "UPDATE stock_ledgerentry SET quantity_mg = 1 WHERE id = %s",
        "DELETE FROM stock_ledgerentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="never changed or deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert_write_once(entry, AppendOnlyError, reason="x")


def test_entries_are_hash_chained(stock):
    balance = stock.receive()
    stock.transfer(balance, stock.cabinet, 50)
    entries = list(LedgerEntry.objects.order_by("pk"))
    assert entries[1].previous_hash == entries[0].row_hash
    assert selectors.chain_break() is None


def test_the_database_refuses_a_negative_balance(stock):
    balance = stock.receive()
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(pk=balance.pk).update(quantity_mg=Decimal("-0.1"))


def test_a_vial_holds_strength_times_volume(stock):
    balance = stock.receive(lot="V-1", form=StockForm.VIAL, units=2)
    assert balance.lot.unit_mg == Decimal("250.0")
    assert balance.quantity_mg == Decimal("500.0")


def test_a_draw_beyond_the_stock_is_refused_beside_the_lot(stock):
    balance = stock.receive(units=1)  # 50 mg
    with pytest.raises(services.StockError) as refused:
        services.draw_for_dose(balance, fake_dose(stock, 100))
    assert "Not enough stock" in refused.value.message_dict["stock_lot"][0]
    balance.refresh_from_db()
    assert balance.quantity_mg == 50


def test_a_part_used_vial_leaves_a_remainder_to_waste_with_a_witness(stock):
    balance = stock.receive(lot="V-1", form=StockForm.VIAL, units=1)  # 250 mg
    dose = services.draw_for_dose(balance, fake_dose(stock, 200))
    assert dose.remainder_mg == 50
    assert list(selectors.open_remainders(stock.clinic.pk)) == [dose]
    # The remainder is not sealed stock: a second 250 mg vial cannot be opened from it.
    with pytest.raises(services.StockError, match="sealed"):
        services.draw_for_dose(balance, fake_dose(stock, 10))
    stock.waste(balance, 50, method="Denaturing pouch", settles=dose)
    assert not selectors.open_remainders(stock.clinic.pk).exists()
    balance.refresh_from_db()
    assert balance.quantity_mg == 0


def test_the_witness_cannot_be_the_person_wasting(stock):
    balance = stock.receive()
    with pytest.raises(services.StockError) as refused:
        stock.waste(balance, 50, witness=stock.nurse)
    assert "someone other" in str(refused.value)
    assert not LedgerEntry.objects.filter(kind=Kind.WASTE).exists()


def test_the_witness_signs_with_their_own_password(stock):
    balance = stock.receive()
    with pytest.raises(services.StockError) as refused:
        stock.waste(balance, 50, password="not it")
    assert refused.value.field == "witness_password"


def test_the_database_refuses_a_waste_witnessed_by_the_waster(stock):
    balance = stock.receive()
    with pytest.raises(IntegrityError), transaction.atomic():
        writes.write(
            balance,
            Kind.WASTE,
            Decimal("-10"),
            stock.nurse,
            witnessed_by=stock.nurse,
            method="Pouch",
        )


def test_a_count_difference_opens_a_discrepancy_a_prescriber_resolves(stock):
    balance = stock.receive()  # 200 mg
    opened = stock.count(stock.safe, {balance.pk: Decimal("150")})
    assert len(opened) == 1
    discrepancy = opened[0]
    assert (discrepancy.expected_mg, discrepancy.counted_mg) == (200, 150)
    balance.refresh_from_db()
    assert balance.quantity_mg == 150
    assert list(selectors.open_discrepancies(stock.clinic.pk)) == [discrepancy]
    with pytest.raises(services.StockError):
        services.resolve_discrepancy(discrepancy, stock.nurse, reason="Found", password=PASSWORD)
    with pytest.raises(services.StockError):
        services.resolve_discrepancy(discrepancy, stock.prescriber, reason="x", password="no")
    services.resolve_discrepancy(
        discrepancy,
        stock.prescriber,
        reason="One troche broken and wasted unrecorded.",
        password=PASSWORD,
    )
    assert not selectors.open_discrepancies(stock.clinic.pk).exists()


def test_a_matching_count_opens_nothing(stock):
    balance = stock.receive()
    assert stock.count(stock.safe, {balance.pk: "200"}) == []
    assert LedgerEntry.objects.filter(kind=Kind.COUNT, quantity_mg=0).count() == 1
    assert not Discrepancy.objects.exists()


def test_a_mistaken_receipt_is_corrected_by_a_reversing_entry(stock):
    stock.receive()
    receipt = LedgerEntry.objects.get(kind=Kind.RECEIPT)
    (reversal,) = stock.reverse(receipt, "Entered twice.")
    assert reversal.quantity_mg == -200 and reversal.reverses == receipt
    with pytest.raises(services.StockError, match="already reversed"):
        stock.reverse(receipt, "Again")


def test_therapists_and_clinic_admins_do_not_record(stock):
    for user in (stock.therapist, stock.admin):
        with pytest.raises(services.StockError):
            stock.nurse, original = user, stock.nurse
            try:
                stock.receive(lot=f"T-{user.pk}")
            finally:
                stock.nurse = original


def test_a_remainder_wasted_from_another_location_of_its_lot_names_the_location(stock):
    """The same lot in the safe and the cabinet: the refusal must not say "not at this lot"
    to a nurse who picked the right lot but the wrong location."""
    in_safe = stock.receive(lot="V-1", form=StockForm.VIAL, units=1)
    in_cabinet = stock.receive(lot="V-1", form=StockForm.VIAL, units=1, location=stock.cabinet)
    assert in_safe.lot_id == in_cabinet.lot_id
    dose = services.draw_for_dose(in_cabinet, fake_dose(stock, 200))
    with pytest.raises(services.StockError) as refused:
        stock.waste(in_safe, 50, settles=dose)
    assert refused.value.message_dict["settles"] == [
        "That remainder is already settled, or is not at this lot and location."
    ]
