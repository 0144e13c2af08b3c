"""Counts and transfers between safes have a second person who signs with their own password.

The walk of 7 Dec 2026 (docs/walks/2026-12-07-controlled-drug-register.md) left them to one
person: a nurse could count a safe alone (or move stock to a cabinet alone), and whoever
witnessed a count could then close the discrepancy it opened. Neither counter nor witness
resolves (separation of duties).
"""

import csv
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from kapclinic.clinic.models import Role
from kapclinic.stock import services, writes
from kapclinic.stock.models import Discrepancy, Kind, LedgerEntry
from tests.factories import PASSWORD, ProviderFactory
from tests.reports.pdf import pdf_text, squeezed

pytestmark = pytest.mark.django_db


def count(stock, counted, *, by=None, witness="the prescriber", password=PASSWORD):
    """The nurse (or `by`) counts the safe, the prescriber (or `witness`) signing."""
    return services.count(
        stock.safe,
        by or stock.nurse,
        counted,
        witness=stock.prescriber if witness == "the prescriber" else witness,
        witness_password=password,
    )


def transfer(stock, balance, amount, *, witness="the prescriber", password=PASSWORD):
    return services.transfer(
        balance,
        stock.cabinet,
        stock.nurse,
        amount_mg=amount,
        witness=stock.prescriber if witness == "the prescriber" else witness,
        witness_password=password,
    )


# --- Counts -------------------------------------------------------------------------------


def test_a_count_by_one_person_is_refused(stock):
    balance = stock.receive(units=4)
    with pytest.raises(services.StockError) as refused:
        count(stock, {balance.pk: "150"}, witness=None, password="")
    assert refused.value.field == "witness"
    with pytest.raises(services.StockError, match="someone other than"):
        count(stock, {balance.pk: "150"}, witness=stock.nurse)
    assert not LedgerEntry.objects.filter(kind=Kind.COUNT).exists()
    assert not Discrepancy.objects.exists()


def test_the_count_witness_signs_with_their_own_password(stock):
    balance = stock.receive(units=4)
    with pytest.raises(services.StockError) as wrong:
        count(stock, {balance.pk: "200"}, password="a guess")
    assert wrong.value.field == "witness_password"
    with pytest.raises(services.StockError, match="clinician of this clinic"):
        count(stock, {balance.pk: "200"}, witness=stock.admin)
    assert count(stock, {balance.pk: "200"}) == []
    entry = LedgerEntry.objects.get(kind=Kind.COUNT)
    assert entry.witnessed_by == stock.prescriber and entry.recorded_by == stock.nurse


def test_the_count_page_asks_for_the_witness_and_shows_a_refusal_beside_the_field(
    stock, staff_client
):
    """Today's page saved a count typed by one person (test first: it failed)."""
    troches = stock.receive(lot="T-1", units=2, unit_mg=50)
    client = staff_client(stock.world.one.staff[Role.NURSE])
    url = reverse("stock:count", args=[stock.safe.pk])
    page = client.get(url).content.decode()
    assert 'name="witness"' in page and 'name="witness_password"' in page
    alone = client.post(url, {f"counted-{troches.pk}": "50"})
    assert alone.status_code == 422
    assert alone.context["form"].errors["witness"]
    data = {f"counted-{troches.pk}": "50", "witness": stock.prescriber.pk}
    wrong = client.post(url, {**data, "witness_password": "a guess"})
    assert wrong.status_code == 422
    assert "password is not right" in str(wrong.context["form"].errors["witness_password"])
    assert 'value="50"' in wrong.content.decode()  # what was counted stays typed
    assert not Discrepancy.objects.exists()
    done = client.post(url, {**data, "witness_password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("stock:discrepancies")
    assert Discrepancy.objects.get().count_entry.witnessed_by == stock.prescriber


def test_neither_the_counter_nor_the_witness_resolves_the_discrepancy(stock):
    balance = stock.receive(units=4)
    (discrepancy,) = count(stock, {balance.pk: "150"})  # witnessed by the prescriber
    with pytest.raises(services.StockError, match="witnessed this count"):
        services.resolve_discrepancy(
            discrepancy, stock.prescriber, reason="Miscounted.", password=PASSWORD
        )
    other = ProviderFactory(clinic=stock.clinic, role=Role.PRESCRIBER).user
    (second,) = count(stock, {balance.pk: "100"}, by=stock.prescriber, witness=stock.nurse)
    with pytest.raises(services.StockError, match="recorded this count"):
        services.resolve_discrepancy(second, stock.prescriber, reason="x", password=PASSWORD)
    resolved = services.resolve_discrepancy(
        discrepancy, other, reason="One troche broken, wasted unrecorded.", password=PASSWORD
    )
    assert resolved.resolved_by == other


def test_the_count_witness_is_on_screen_and_in_the_pdf_and_csv(stock, staff_client):
    balance = stock.receive(units=4)
    witness = ProviderFactory(clinic=stock.clinic, role=Role.THERAPIST).user
    witness.first_name, witness.last_name = "Wendy", "Witnessington"
    witness.save()
    count(stock, {balance.pk: "200"}, witness=witness)
    entry = LedgerEntry.objects.get(kind=Kind.COUNT)
    client = staff_client(stock.world.one.staff[Role.PRESCRIBER])
    html = client.get(reverse("stock:register")).content.decode()
    row = html[html.index(f'id="entry-{entry.pk}"') :]
    assert "Wendy Witnessington" in row[: row.index("</tr>")]
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("reports:stock-register", args=["csv"])).content.decode()
            )
        )
    )
    columns = rows[1]
    (counted,) = [dict(zip(columns, r, strict=True)) for r in rows[2:] if r[1:2] == ["Count"]]
    assert counted["Witness"] == "Wendy Witnessington"
    pdf = client.get(reverse("reports:stock-register", args=["pdf"]))
    assert squeezed("Wendy Witnessington") in squeezed(pdf_text(b"".join(pdf.streaming_content)))


# --- Transfers ------------------------------------------------------------------------------


def test_a_transfer_by_one_person_is_refused(stock):
    balance = stock.receive(units=4)
    with pytest.raises(services.StockError) as refused:
        transfer(stock, balance, 100, witness=None, password="")
    assert refused.value.field == "witness"
    with pytest.raises(services.StockError) as wrong:
        transfer(stock, balance, 100, password="a guess")
    assert wrong.value.field == "witness_password"
    balance.refresh_from_db()
    assert balance.quantity_mg == 200
    assert not LedgerEntry.objects.filter(kind=Kind.TRANSFER_OUT).exists()


def test_both_entries_of_a_transfer_name_the_witness(stock):
    balance = stock.receive(units=4)
    out, into = transfer(stock, balance, 100)
    assert out.witnessed_by == into.witnessed_by == stock.prescriber
    assert out.recorded_by == into.recorded_by == stock.nurse


def test_the_transfer_page_asks_for_the_witness_and_shows_a_refusal_beside_the_field(
    stock, staff_client
):
    balance = stock.receive(units=4)
    client = staff_client(stock.world.one.staff[Role.NURSE])
    url = reverse("stock:transfer")
    page = client.get(url).content.decode()
    assert 'name="witness"' in page and 'name="witness_password"' in page
    data = {"balance": balance.pk, "to_location": stock.cabinet.pk, "amount_mg": "100"}
    alone = client.post(url, data)
    assert alone.status_code == 422
    assert "witness" in alone.context["form"].errors
    data["witness"] = stock.prescriber.pk
    wrong = client.post(url, {**data, "witness_password": "a guess"})
    assert wrong.status_code == 422
    assert "password is not right" in str(wrong.context["form"].errors["witness_password"])
    assert client.post(url, {**data, "witness_password": PASSWORD}).status_code == 302
    sides = LedgerEntry.objects.filter(kind__in=[Kind.TRANSFER_OUT, Kind.TRANSFER_IN])
    assert {e.witnessed_by for e in sides} == {stock.prescriber} and sides.count() == 2


# --- In the database ------------------------------------------------------------------------


def write_alone(balance, kind, quantity, by, **fields):
    """One entry written past the services (a shell, a future writer that forgets)."""
    with transaction.atomic():
        (row,) = writes.lock_balances((balance.lot, balance.location))
        return writes.write(row, kind, Decimal(quantity), by, **fields)


def test_the_database_refuses_a_new_entry_without_a_witness_but_keeps_the_old_ones(stock):
    """Test first: PostgreSQL took a count or transfer written by one person past the service.
    The rule holds for new rows only (NOT VALID): entries from before keep their place in the
    append-only, hash-chained ledger unwitnessed, as they were written."""
    balance = stock.receive(units=4)
    for kind, quantity, fields in (
        (Kind.COUNT, "0", {"counted_mg": Decimal("200")}),
        (Kind.TRANSFER_IN, "50", {}),
        (Kind.RECEIPT, "50", {}),
    ):
        with pytest.raises(IntegrityError, match="stock_new_entry_is_witnessed"):
            write_alone(balance, kind, quantity, stock.nurse, **fields)
    # A dose's administration names its own witness on the session, or none (a reversed dose).
    assert write_alone(balance, Kind.ADMINISTRATION, "-50", stock.prescriber).pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT convalidated FROM pg_constraint WHERE conname = %s",
            ["stock_new_entry_is_witnessed"],
        )
        assert cursor.fetchone() == (False,)  # never checked against the rows already there


def test_the_count_page_with_its_witness_list_runs_a_bounded_number_of_queries(
    stock, staff_client, django_assert_max_num_queries
):
    for n in range(3):
        stock.receive(lot=f"T-{n}", units=2, unit_mg=50)
    for _ in range(3):
        ProviderFactory(clinic=stock.clinic, role=Role.NURSE)
    client = staff_client(stock.world.one.staff[Role.NURSE])
    url = reverse("stock:count", args=[stock.safe.pk])
    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(6):  # measured 5 (7 Dec): the witnesses in one query
        assert client.get(url).status_code == 200
