"""The register's pages and downloads: wiring, audit rows, query counts, totals that match."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Product, Role
from kapclinic.stock import selectors, services
from kapclinic.stock.models import Discrepancy, Kind, LedgerEntry, StockForm, StorageLocation
from tests.factories import PASSWORD
from tests.reports.pdf import pdf_text, squeezed

from .conftest import fake_dose

pytestmark = pytest.mark.django_db


def busy_week(stock):
    """Receipts, doses, a remainder wasted, a transfer, a return and a count."""
    troches = stock.receive(lot="T-1", units=10, unit_mg=50)
    vials = stock.receive(lot="V-1", form=StockForm.VIAL, units=2)
    services.draw_for_dose(troches, fake_dose(stock, 100))
    drawn = services.draw_for_dose(vials, fake_dose(stock, 35))
    stock.waste(vials, drawn.remainder_mg, settles=drawn)
    stock.transfer(troches, stock.cabinet, 100)
    stock.return_stock(troches, 50, reference="RD-7")
    troches.refresh_from_db()
    stock.count(
        stock.safe,
        {troches.pk: troches.quantity_mg - 50, vials.refresh_from_db() or vials.pk: "250"},
    )
    return troches, vials


def test_the_register_page_runs_a_bounded_number_of_queries(
    stock, staff_client, django_assert_max_num_queries
):
    busy_week(stock)
    client = staff_client(stock.world.one.staff[Role.NURSE])
    client.get(reverse("stock:register"))  # warm the session and caches
    with django_assert_max_num_queries(22):
        response = client.get(reverse("stock:register"))
    assert response.status_code == 200
    assert "T-1" in response.content.decode()


def test_the_register_filter_drawn_once_shows_a_new_location_at_once(stock, staff_client):
    """The unbound filter form is drawn once per process (DrawnOnceMixin), keyed by its choices."""
    client = staff_client(stock.world.one.staff[Role.NURSE])
    for _ in range(2):
        page = client.get(reverse("stock:register")).content.decode()
        assert f'<option value="{stock.safe.pk}">Safe A</option>' in page
    fridge = StorageLocation.objects.create(clinic=stock.world.one.clinic, name="Fridge C")
    page = client.get(reverse("stock:register")).content.decode()
    assert f'<option value="{fridge.pk}">Fridge C</option>' in page
    chosen = client.get(reverse("stock:register"), {"location": fridge.pk}).content.decode()
    assert f'<option value="{fridge.pk}" selected>Fridge C</option>' in chosen


def test_reading_the_register_is_audit_logged(stock, staff_client):
    client = staff_client(stock.world.one.staff[Role.CLINIC_ADMIN])
    assert client.get(reverse("stock:register")).status_code == 200
    assert AccessEvent.objects.filter(
        actor=stock.admin, action="view", what="controlled-substance register viewed"
    ).exists()


def test_a_clinic_admin_reads_but_cannot_record(stock, staff_client):
    client = staff_client(stock.world.one.staff[Role.CLINIC_ADMIN])
    assert client.get(reverse("stock:receive")).status_code == 404


def test_a_therapist_finds_no_register_and_no_link_to_it(stock, staff_client):
    client = staff_client(stock.world.one.staff[Role.THERAPIST])
    assert client.get(reverse("stock:register")).status_code == 404
    assert "Controlled drugs" not in client.get(reverse("dosing:day")).content.decode()


@pytest.mark.parametrize("role", [Role.NURSE, Role.PRESCRIBER, Role.CLINIC_ADMIN])
def test_the_register_is_in_the_navigation_of_those_who_may_read_it(stock, staff_client, role):
    client = staff_client(stock.world.one.staff[role])
    page = client.get(reverse("clinic:caseload")).content.decode()
    assert reverse("stock:register") in page


def test_wasting_a_remainder_on_the_page_needs_the_witness_password(stock, staff_client):
    vials = stock.receive(lot="V-1", form=StockForm.VIAL, units=1)
    drawn = services.draw_for_dose(vials, fake_dose(stock, 40))
    client = staff_client(stock.world.one.staff[Role.NURSE])
    page = client.get(reverse("stock:waste") + f"?remainder={drawn.pk}")
    assert page.status_code == 200
    data = {
        "balance": vials.pk,
        "settles": drawn.pk,
        "amount_mg": "210",
        "method": "Pouch",
        "witness": stock.prescriber.pk,
        "witness_password": "wrong",
    }
    refused = client.post(reverse("stock:waste"), data)
    assert refused.status_code == 422
    assert "password is not right" in refused.content.decode()
    done = client.post(reverse("stock:waste"), {**data, "witness_password": PASSWORD})
    assert done.status_code == 302
    assert not selectors.open_remainders(stock.clinic.pk).exists()


def test_a_count_on_the_page_opens_a_discrepancy(stock, staff_client):
    troches = stock.receive(lot="T-1", units=2, unit_mg=50)
    client = staff_client(stock.world.one.staff[Role.NURSE])
    url = reverse("stock:count", args=[stock.safe.pk])
    assert client.get(url).status_code == 200
    data = {"witness": stock.therapist.pk, "witness_password": PASSWORD}
    response = client.post(url, {f"counted-{troches.pk}": "50", **data})
    assert response.status_code == 302 and response["Location"] == reverse("stock:discrepancies")
    assert Discrepancy.objects.get().difference_mg == -50


def test_the_csv_and_pdf_totals_match_the_ledger(stock, staff_client):
    troches, vials = busy_week(stock)
    client = staff_client(stock.world.one.staff[Role.PRESCRIBER])

    response = client.get(reverse("reports:stock-register", args=["csv"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows.index(["Period totals (mg)"]) + 1
    columns = rows[header]
    totals = {(r[1], r[2]): dict(zip(columns, r, strict=True)) for r in rows[header + 1 :]}
    for balance in (troches, vials):
        balance.refresh_from_db()
        row = totals[(balance.lot.lot_number, balance.location.name)]
        ledger = LedgerEntry.objects.filter(lot=balance.lot, location=balance.location)

        def summed(kind, ledger=ledger):
            return -sum(e.quantity_mg for e in ledger.filter(kind=kind))

        assert Decimal(row["Received"]) == -summed(Kind.RECEIPT)
        assert Decimal(row["Administered"]) == summed(Kind.ADMINISTRATION)
        assert Decimal(row["Wasted"]) == summed(Kind.WASTE)
        assert Decimal(row["Returned"]) == summed(Kind.RETURN)
        assert Decimal(row["Count adjustments"]) == -summed(Kind.COUNT)
        assert Decimal(row["Closing"]) == balance.quantity_mg
        assert Decimal(row["Difference"]) == 0
    cabinet = totals[("T-1", "Cabinet B")]
    assert Decimal(cabinet["Transferred in"]) == 100 and Decimal(cabinet["Difference"]) == 0

    pdf = client.get(reverse("reports:stock-register", args=["pdf"]))
    assert pdf.status_code == 200
    text = squeezed(pdf_text(b"".join(pdf.streaming_content)))
    for t in selectors.period_totals(stock.clinic.pk, *period(stock)):
        line = f"{t.opening}{t.received}{t.administered}{t.wasted}{t.returned}"
        assert line in text
        assert f"{t.closing}{t.difference}" in text
        assert t.difference == 0
    assert AccessEvent.objects.filter(action="export", what__contains="register").count() == 2


def period(stock):
    from django.utils import timezone

    today = timezone.localdate(timezone=stock.clinic.tz)
    from kapclinic.reports.stock_register import period_of

    class Request:
        GET = {}

    _s, _e, since, until = period_of(Request, stock.clinic)
    assert _e == today
    return since, until


def test_the_inventory_lists_every_lot_on_hand(stock, staff_client):
    busy_week(stock)
    client = staff_client(stock.world.one.staff[Role.NURSE])
    response = client.get(reverse("reports:stock-inventory", args=["csv"]))
    body = response.content.decode()
    assert "T-1" in body and "V-1" in body and "Cabinet B" in body
    assert client.get(reverse("stock:inventory")).status_code == 200


def test_a_mistaken_receipt_is_corrected_by_a_reversing_entry_from_the_lot_page(
    stock, staff_client
):
    balance = stock.receive(units=4)
    receipt = LedgerEntry.objects.get(lot=balance.lot, kind="receipt")
    client = staff_client(stock.world.one.staff[Role.NURSE])
    lot_page = client.get(reverse("stock:lot", args=[balance.lot.pk])).content.decode()
    url = reverse("stock:reverse", args=[receipt.pk])
    assert url in lot_page
    witnessed = {"witness": stock.prescriber.pk, "witness_password": PASSWORD}
    refused = client.post(url, {"reason": "", **witnessed})
    assert refused.status_code == 422 and "reason" in refused.context["form"].errors
    assert client.post(url, {"reason": "Wrong lot number typed", **witnessed}).status_code == 302
    reversal = LedgerEntry.objects.get(reverses=receipt)
    assert reversal.quantity_mg == -receipt.quantity_mg and reversal.reason
    balance.refresh_from_db()
    assert balance.quantity_mg == 0
    receipt.refresh_from_db()  # the original stays, unchanged
    again = client.post(url, {"reason": "Twice", **witnessed})
    assert "already reversed" in again.content.decode()


def test_an_administration_is_not_corrected_here(stock, staff_client):
    balance = stock.receive()
    entry = services.draw_for_dose(balance, fake_dose(stock, 50))
    client = staff_client(stock.world.one.staff[Role.PRESCRIBER])
    witnessed = {"witness": stock.nurse.pk, "witness_password": PASSWORD}
    response = client.post(
        reverse("stock:reverse", args=[entry.pk]), {"reason": "Mistake", **witnessed}
    )
    assert "Only a receipt, waste, return or transfer can be reversed" in response.content.decode()


@pytest.mark.parametrize(
    "query", [{"kind": Kind.WASTE}, {"lot": "v-1"}, {"location": "cabinet"}, {"product": "x"}]
)
def test_the_download_from_a_filtered_register_lists_the_entries_on_screen(
    stock, staff_client, query
):
    """The page's download links carry its filter: the CSV lists the entries the screen
    lists, not the whole register, and its totals cover only the lots and places shown."""
    import html
    import re

    busy_week(stock)
    if query.get("location"):
        query = {"location": stock.cabinet.pk}
    if query.get("product"):
        stock.receive(lot="S-1", form=StockForm.NASAL_DEVICE, product=Product.ESKETAMINE)
        query = {"product": Product.ESKETAMINE}
    client = staff_client(stock.world.one.staff[Role.NURSE])
    page = client.get(reverse("stock:register"), query)
    on_screen = {entry.pk for entry in page.context["entries"]}
    assert on_screen and on_screen != set(LedgerEntry.objects.values_list("pk", flat=True))
    link = re.search(r'href="([^"]*register\.csv[^"]*)"', page.content.decode()).group(1)
    rows = list(csv.reader(io.StringIO(client.get(html.unescape(link)).content.decode())))
    top = next(i for i, row in enumerate(rows) if row[:1] == ["When"])
    header, entries = rows[top], rows[top + 1 : rows.index([])]
    assert {int(dict(zip(header, row, strict=True))["Entry"]) for row in entries} == on_screen
    start = rows.index(["Period totals (mg)"]) + 2
    totals = {(row[1], row[2]) for row in rows[start:]}
    if "kind" in query:  # the totals still add every kind up, for every lot and place
        everything = LedgerEntry.objects.select_related("lot", "location")
        assert totals == {(e.lot.lot_number, e.location.name) for e in everything}
    else:
        assert totals == {(e.lot.lot_number, e.location.name) for e in page.context["entries"]}
