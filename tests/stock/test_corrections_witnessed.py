"""Stock leaves the register only before a second person who signs with their own password.

The walk of 7 Dec 2026 (docs/walks/2026-12-07-controlled-drug-register.md): a nurse could
receive 10 vials, take them, and reverse the receipt as "entered in error" alone; the balance
then matched the shelf and nothing flagged. A reversal, like waste, now needs a witness who
types their own password; so does a return or destruction.
"""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.stock import services
from kapclinic.stock.models import Kind, LedgerEntry
from tests.factories import PASSWORD, ProviderFactory

pytestmark = pytest.mark.django_db


def receipt_of(balance):
    return LedgerEntry.objects.get(lot=balance.lot, kind=Kind.RECEIPT)


def test_a_receipt_is_not_reversed_without_a_witness(stock):
    balance = stock.receive(units=4)
    with pytest.raises(services.StockError) as refused:
        services.reverse(
            receipt_of(balance),
            stock.nurse,
            reason="Entered twice.",
            witness=None,
            witness_password="",
        )
    assert refused.value.field == "witness"
    balance.refresh_from_db()
    assert balance.quantity_mg == 200 and not LedgerEntry.objects.exclude(reverses=None).exists()


def test_the_reversal_witness_signs_with_their_own_password(stock):
    receipt = receipt_of(stock.receive(units=4))
    with pytest.raises(services.StockError) as wrong:
        services.reverse(
            receipt,
            stock.nurse,
            reason="Entered twice.",
            witness=stock.prescriber,
            witness_password="not it",
        )
    assert wrong.value.field == "witness_password"
    with pytest.raises(services.StockError, match="someone other than"):
        services.reverse(
            receipt,
            stock.nurse,
            reason="Entered twice.",
            witness=stock.nurse,
            witness_password=PASSWORD,
        )
    (reversal,) = services.reverse(
        receipt,
        stock.nurse,
        reason="Entered twice.",
        witness=stock.prescriber,
        witness_password=PASSWORD,
    )
    assert reversal.witnessed_by == stock.prescriber and reversal.quantity_mg == -200


def test_both_sides_of_a_reversed_transfer_name_the_witness(stock):
    balance = stock.receive(units=4)
    out, _into = services.transfer(balance, stock.cabinet, stock.nurse, amount_mg=100)
    with pytest.raises(services.StockError):
        services.reverse(out, stock.nurse, reason="Wrong safe.", witness=None, witness_password="")
    made = services.reverse(
        out, stock.nurse, reason="Wrong safe.", witness=stock.prescriber, witness_password=PASSWORD
    )
    assert len(made) == 2 and {e.witnessed_by for e in made} == {stock.prescriber}


def test_a_witnessed_waste_is_not_undone_by_one_person(stock):
    balance = stock.receive(units=4)
    wasted = stock.waste(balance, 50)
    with pytest.raises(services.StockError) as refused:
        services.reverse(
            wasted, stock.nurse, reason="Not wasted.", witness=None, witness_password=""
        )
    assert refused.value.field == "witness"


def test_the_correction_page_asks_for_the_witness_and_shows_a_refusal_beside_the_field(
    stock, staff_client
):
    balance = stock.receive(units=4)
    url = reverse("stock:reverse", args=[receipt_of(balance).pk])
    client = staff_client(stock.world.one.staff[Role.NURSE])
    page = client.get(url).content.decode()
    assert 'name="witness"' in page and 'name="witness_password"' in page
    data = {"reason": "Entered twice.", "witness": stock.prescriber.pk}
    refused = client.post(url, {**data, "witness_password": "not it"})
    assert refused.status_code == 422
    assert "password is not right" in str(refused.context["form"].errors["witness_password"])
    balance.refresh_from_db()
    assert balance.quantity_mg == 200
    assert client.post(url, {**data, "witness_password": PASSWORD}).status_code == 302
    balance.refresh_from_db()
    assert balance.quantity_mg == 0


def test_a_return_with_only_a_reference_is_refused(stock):
    balance = stock.receive(units=4)
    with pytest.raises(services.StockError) as refused:
        services.return_stock(
            balance, stock.nurse, amount_mg=50, reference="RD-1", witness=None, witness_password=""
        )
    assert refused.value.field == "witness"


def test_a_destruction_witness_signs_with_their_own_password(stock):
    balance = stock.receive(units=4)
    with pytest.raises(services.StockError) as refused:
        services.return_stock(
            balance, stock.nurse, amount_mg=50, witness=stock.prescriber, witness_password="no"
        )
    assert refused.value.field == "witness_password"
    entry = services.return_stock(
        balance,
        stock.nurse,
        amount_mg=50,
        reference="RD-1",
        witness=stock.prescriber,
        witness_password=PASSWORD,
    )
    assert entry.witnessed_by == stock.prescriber and entry.quantity_mg == -50


def test_the_prescriber_who_counted_does_not_resolve_their_own_discrepancy(stock):
    balance = stock.receive(units=4)
    (discrepancy,) = services.count(stock.safe, stock.prescriber, {balance.pk: "150"})
    with pytest.raises(services.StockError, match="another prescriber"):
        services.resolve_discrepancy(
            discrepancy, stock.prescriber, reason="Miscounted.", password=PASSWORD
        )
    colleague = ProviderFactory(clinic=stock.clinic, role=Role.PRESCRIBER).user
    resolved = services.resolve_discrepancy(
        discrepancy, colleague, reason="One troche broken, wasted unrecorded.", password=PASSWORD
    )
    assert resolved.resolved_by == colleague
