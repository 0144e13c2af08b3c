"""Staff pages at 200% zoom (a 1280-pixel-wide screen zoomed twice: 640 CSS pixels). A table
wider than the screen scrolls inside its own box; the page itself never scrolls sideways,
even with text for screen readers hidden in the table's last column. Checked with axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kapclinic.clinic.models import Role
from tests.stock.conftest import stock  # noqa: F401  the fixture

from .actions import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ZOOMED_200 = {"width": 640, "height": 400}


def sideways_scroll(page, selector="html"):
    return page.eval_on_selector(selector, "e => e.scrollWidth - e.clientWidth")


@pytest.mark.parametrize("page", [ZOOMED_200], indirect=True)
def test_a_lots_history_scrolls_in_its_table_and_the_page_does_not_at_200_percent_zoom(
    live_server,
    page,
    stock,  # noqa: F811
    enrol_mfa,
    totp_code,
    assert_accessible,
):
    balance = stock.receive()
    prescriber = stock.world.one.staff[Role.PRESCRIBER]
    staff_sign_in(page, live_server, prescriber, enrol_mfa(prescriber.user), totp_code)
    page.goto(live_server.url + reverse("stock:lot", args=[balance.lot_id]))
    expect(page.get_by_role("link", name="Correct this receipt")).to_be_attached()
    assert sideways_scroll(page, ".table-wrap") > 0  # the table is wider than the screen
    assert sideways_scroll(page) == 0
    assert_accessible(page)
