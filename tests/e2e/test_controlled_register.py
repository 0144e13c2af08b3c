"""The controlled-substance register in a real browser (issue 17): a nurse's colleague, the
prescriber, receives a vial, gives a dose that draws from it, wastes the remainder before the
nurse (who signs with her password), counts the safe with her (she signs again) and downloads
the register. Every page is checked with axe-core."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from kapclinic.stock.models import ControlledRegister, Kind, LedgerEntry, StorageLocation
from sessions.models import Administration
from tests.factories import PASSWORD

from .test_dosing_session import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_receive_dose_waste_count_and_download_the_register(
    live_server,
    page,
    ready,  # noqa: F811
    enrol_mfa,
    totp_code,
    assert_accessible,  # noqa: F811
):
    side = ready.world.one
    ControlledRegister.objects.create(
        clinic=side.clinic, kept_from=timezone.localdate() - datetime.timedelta(days=1)
    )
    safe = StorageLocation.objects.create(clinic=side.clinic, name="Safe A")
    ready.vitals(ready.session, timezone.now() - datetime.timedelta(minutes=2))
    prescriber = side.staff["prescriber"]
    nurse = ready.nurse
    staff_sign_in(page, live_server, prescriber, enrol_mfa(prescriber.user), totp_code)

    # --- Receive one 5 mL vial of 50 mg/mL, witnessed by the nurse ----------------------
    page.get_by_role("link", name="Controlled drugs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controlled-substance register")
    assert_accessible(page)
    page.get_by_role("link", name="Receive", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Into storage location").select_option(str(safe.pk))
    page.get_by_label("Product").select_option("racemic_ketamine")
    page.get_by_label("Form").select_option("vial")
    page.get_by_label("Lot number").fill("V-E2E")
    page.get_by_label("Expiry").fill(
        (timezone.localdate() + datetime.timedelta(days=200)).isoformat()
    )
    page.get_by_label("Supplier").fill("Wholesale Ltd")
    page.get_by_label("Invoice or order number").fill("INV-77")
    page.get_by_label("Strength (mg/mL)").fill("50")
    page.get_by_label("Volume per vial (mL)").fill("5")
    page.get_by_label("Units received").fill("1")
    page.get_by_label("Witnessed by").select_option(str(nurse.pk))
    page.get_by_label("Witness's password").fill(PASSWORD)
    page.get_by_role("button", name="Receive into stock").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controlled-substance register")
    in_stock = page.get_by_role("table", name="Quantity on hand per lot and storage location")
    expect(in_stock).to_contain_text("V-E2E")
    expect(in_stock).to_contain_text("250")

    # --- A 200 mg dose drawn from the vial on the session screen --------------------------
    page.goto(live_server.url + reverse("dosing:session", args=[ready.appointment.pk]))
    dose = page.locator("#dose-form")
    dose.get_by_label("Route").select_option("sublingual")
    dose.get_by_label("Amount (mg)").fill("200")
    lots = dose.get_by_label("Drawn from (lot and location)")
    vial = lots.locator("option", has_text="V-E2E").get_attribute("value")
    lots.select_option(vial)
    dose.get_by_label("Witnessed by").select_option(str(nurse.pk))
    dose.get_by_role("button", name="Record dose").click()
    expect(page.get_by_role("region", name="Doses given")).to_contain_text("V-E2E")
    remainder = page.get_by_text("50 mg left in the opened unit of lot V-E2E")
    expect(remainder).to_be_visible()
    assert_accessible(page)

    # --- The remainder wasted before the nurse, who signs with her password -------------
    page.get_by_role("link", name="waste it with a witness").click()
    assert_accessible(page)
    expect(page.get_by_label("Amount wasted (mg)")).to_have_value("50.0")
    page.get_by_label("Method").fill("Drawn into a denaturing disposal pouch")
    page.get_by_label(re.compile(r"^Witness:?$")).select_option(str(nurse.pk))
    page.get_by_label("Witness's password").fill(PASSWORD)
    page.get_by_role("button", name="Record waste").click()
    expect(page.get_by_text("Waste recorded with its witness.")).to_be_visible()
    expect(page.get_by_text("Part-used units to waste or return")).to_have_count(0)

    # --- Count the safe: nothing left, as the register says --------------------------------
    page.get_by_role("link", name="Safe A").click()
    assert_accessible(page)
    page.get_by_label(re.compile("lot V-E2E")).fill("0")
    page.get_by_label(re.compile(r"^Witness \(counts with you\)")).select_option(str(nurse.pk))
    page.get_by_label("Witness's password").fill(PASSWORD)
    page.get_by_role("button", name="Save count").click()
    expect(page.get_by_text("every lot matches the register")).to_be_visible()

    # --- Download the register ---------------------------------------------------------------
    with page.expect_download() as download:
        page.get_by_role("link", name="Download register (CSV)").click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(text)))
    header = rows.index(["Period totals (mg)"]) + 1
    totals = dict(zip(rows[header], rows[header + 1], strict=True))
    assert totals["Lot"] == "V-E2E"
    assert (totals["Received"], totals["Administered"], totals["Wasted"]) == (
        "250.0",
        "200.0",
        "50.0",
    )
    assert (totals["Closing"], totals["Difference"]) == ("0.0", "0.0")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download register (PDF)").click()
    assert pdf.value.suggested_filename.endswith(".pdf")

    dose_row = Administration.objects.get()
    assert dose_row.lot_number == "V-E2E" and dose_row.stock_entry.quantity_mg == Decimal("-200")
    kinds = list(LedgerEntry.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [Kind.RECEIPT, Kind.ADMINISTRATION, Kind.WASTE, Kind.COUNT]
