"""Stock leaves the register only before a second person who signs with their own password.

The walk of 7 Dec 2026 (docs/walks/2026-12-07-controlled-drug-register.md): a nurse could
receive 10 vials, take them, and reverse the receipt as "entered in error" alone; the balance
then matched the shelf and nothing flagged. A reversal, like waste, now needs a witness who
types their own password; so does a return or destruction.
"""

import csv
import io
import re

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.stock import services
from kapclinic.stock.models import Kind, LedgerEntry
from tests.factories import PASSWORD, ProviderFactory
from tests.reports.pdf import pdf_text, squeezed

pytestmark = pytest.mark.django_db


def receipt_of(balance):
    return LedgerEntry.objects.get(lot=balance.lot, kind=Kind.RECEIPT)


def test_a_receipt_is_not_reversed_without_a_witness(stock):
    balance = stock.receive(units=4)
    with pytest.raises(services.StockError) as refused:
        stock.reverse(receipt_of(balance), witness=None, password="")
    assert refused.value.field == "witness"
    balance.refresh_from_db()
    assert balance.quantity_mg == 200 and not LedgerEntry.objects.exclude(reverses=None).exists()


def test_the_reversal_witness_signs_with_their_own_password(stock):
    receipt = receipt_of(stock.receive(units=4))
    with pytest.raises(services.StockError) as wrong:
        stock.reverse(receipt, password="not it")
    assert wrong.value.field == "witness_password"
    with pytest.raises(services.StockError, match="someone other than"):
        stock.reverse(receipt, witness=stock.nurse)
    (reversal,) = stock.reverse(receipt)
    assert reversal.witnessed_by == stock.prescriber and reversal.quantity_mg == -200


def test_both_sides_of_a_reversed_transfer_name_the_witness(stock):
    balance = stock.receive(units=4)
    out, _into = stock.transfer(balance, stock.cabinet, 100)
    with pytest.raises(services.StockError):
        stock.reverse(out, witness=None, password="")
    made = stock.reverse(out, "Wrong safe.")
    assert len(made) == 2 and {e.witnessed_by for e in made} == {stock.prescriber}


def test_a_witnessed_waste_is_not_undone_by_one_person(stock):
    balance = stock.receive(units=4)
    wasted = stock.waste(balance, 50)
    with pytest.raises(services.StockError) as refused:
        stock.reverse(wasted, witness=None, password="")
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
    (discrepancy,) = stock.count(stock.safe, {balance.pk: "150"}, by=stock.prescriber)
    with pytest.raises(services.StockError, match="another prescriber"):
        services.resolve_discrepancy(
            discrepancy, stock.prescriber, reason="Miscounted.", password=PASSWORD
        )
    colleague = ProviderFactory(clinic=stock.clinic, role=Role.PRESCRIBER).user
    resolved = services.resolve_discrepancy(
        discrepancy, colleague, reason="One troche broken, wasted unrecorded.", password=PASSWORD
    )
    assert resolved.resolved_by == colleague


def test_a_reversal_and_the_entry_it_reverses_point_at_each_other_on_screen_and_paper(
    stock, staff_client
):
    """An inspector reading any one of the two rows learns of the other (walk, 7 Dec)."""
    balance = stock.receive(units=4)
    receipt = receipt_of(balance)
    (reversal,) = stock.reverse(receipt)
    client = staff_client(stock.world.one.staff[Role.PRESCRIBER])
    for page in (reverse("stock:lot", args=[balance.lot.pk]), reverse("stock:register")):
        html = client.get(page).content.decode()
        assert f'id="entry-{receipt.pk}"' in html
        assert f"Reversed by entry {reversal.pk}" in html
        assert f"Reverses entry {receipt.pk}" in html
    response = client.get(reverse("reports:stock-register", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    columns = rows[1]
    by_entry = {r[columns.index("Entry")]: dict(zip(columns, r, strict=True)) for r in rows[2:4]}
    assert by_entry[str(receipt.pk)]["Reversed by entry"] == str(reversal.pk)
    assert by_entry[str(reversal.pk)]["Reverses entry"] == str(receipt.pk)
    pdf = client.get(reverse("reports:stock-register", args=["pdf"]))
    text = squeezed(pdf_text(b"".join(pdf.streaming_content)))
    assert squeezed(f"reversed by entry {reversal.pk}") in text
    assert squeezed(f"reverses entry {receipt.pk}") in text


def test_a_correction_sent_twice_with_the_pages_one_time_key_is_written_once(stock, staff_client):
    """The browser sends the form's one-time key; the page used to fail (a server error) on
    it, because a reversal is one or two entries (walk, 7 Dec)."""
    balance = stock.receive(units=4)
    out, _into = stock.transfer(balance, stock.cabinet, 100)
    url = reverse("stock:reverse", args=[out.pk])
    client = staff_client(stock.world.one.staff[Role.NURSE])
    key = re.search(r'name="request_key" value="([0-9a-f-]{36})"', client.get(url).content.decode())
    data = {
        "reason": "Wrong safe.",
        "witness": stock.prescriber.pk,
        "witness_password": PASSWORD,
        "request_key": key.group(1),
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert again.status_code == 200
    assert LedgerEntry.objects.exclude(reverses=None).count() == 2  # both sides, once


def test_the_delivery_witness_signs_with_their_own_password(stock):
    """A witness named but never asked let one person record 8 of 10 vials delivered."""
    with pytest.raises(services.StockError) as refused:
        stock.receive(lot="K-9", units=8, witness_password="a guess")
    assert refused.value.field == "witness_password"
    assert not LedgerEntry.objects.exists()
    balance = stock.receive(lot="K-9", units=8)
    assert receipt_of(balance).witnessed_by == stock.prescriber
