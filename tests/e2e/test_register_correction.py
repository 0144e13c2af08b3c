"""The diverter's path of the register walk (7 Dec 2026) in a real browser: a nurse who
received a delivery tries to strike the receipt as "entered in error" alone. The correction
page asks for a witness who types their own password; a wrong one is refused beside the
field and nothing leaves the balance; with the prescriber's password the reversal is written
and each of the two rows names the other. Every page is checked with axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kapclinic.clinic.models import Role
from kapclinic.stock.models import Balance, LedgerEntry
from tests.factories import PASSWORD
from tests.stock.conftest import stock  # noqa: F401  the fixture

from .actions import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_receipt_is_reversed_only_before_a_witness_who_signs(
    live_server,
    page,
    stock,  # noqa: F811
    enrol_mfa,
    totp_code,
    assert_accessible,
):
    balance = stock.receive(lot="K-10", units=10)  # 10 troches of 50 mg
    receipt = LedgerEntry.objects.get(lot=balance.lot)
    nurse = stock.world.one.staff[Role.NURSE]
    staff_sign_in(page, live_server, nurse, enrol_mfa(nurse.user), totp_code)
    page.goto(live_server.url + reverse("stock:lot", args=[balance.lot_id]))
    page.get_by_role("link", name="Correct this receipt").click()
    assert_accessible(page)
    page.get_by_label("Why this entry was wrong").fill("Entered in error.")
    page.get_by_label("Witness (checks the correction)").select_option(str(stock.prescriber.pk))
    page.get_by_label("Witness's password").fill("a guess")
    page.get_by_role("button", name="Reverse this entry").click()
    expect(page.get_by_text("The witness's password is not right.")).to_be_visible()
    assert_accessible(page)
    assert Balance.objects.get(pk=balance.pk).quantity_mg == 500

    page.get_by_label("Witness's password").fill(PASSWORD)
    page.get_by_role("button", name="Reverse this entry").click()
    expect(page.get_by_text("The entry is reversed")).to_be_visible()
    reversal = LedgerEntry.objects.get(reverses=receipt)
    assert reversal.witnessed_by == stock.prescriber
    page.goto(live_server.url + reverse("stock:lot", args=[balance.lot_id]))
    history = page.get_by_role("table", name="Register entries")
    expect(history.locator(f"#entry-{receipt.pk}")).to_contain_text(
        f"Reversed by entry {reversal.pk}"
    )
    expect(history.locator(f"#entry-{reversal.pk}")).to_contain_text(f"Reverses entry {receipt.pk}")
    expect(page.get_by_role("link", name="Correct this receipt")).to_have_count(0)
    assert_accessible(page)
