"""The long session screen in a real browser (issue 18): the section menu stays in view while
scrolling, and finished sections are folded, opened again by keyboard or from the menu."""

import pytest
from playwright.sync_api import expect

from kapclinic.clinic.models import Role
from kapclinic.demo.builder import Build
from sessions.discharge import discharge

from .test_dosing_session import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_menu_stays_in_view_and_finished_sections_fold(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    build = Build(world)
    session = build()
    dose = build.dose(session)
    build.recheck(session)
    discharge(session, build.nurse, build.discharge_data())
    prescriber = world.one.staff[Role.PRESCRIBER]
    staff_sign_in(page, live_server, prescriber, enrol_mfa(prescriber.user), totp_code)
    page.goto(f"{live_server.url}/sessions/appointments/{session.appointment_id}/session/")

    # The patient has gone home: what is left is the signature, so the dosing record is folded.
    doses = page.locator("#doses")
    fold = doses.locator("details.section-fold")
    expect(fold).not_to_have_attribute("open", "")
    expect(doses.get_by_role("heading", name="Doses")).to_be_visible()
    expect(doses.get_by_text(f"{dose.lot_number}")).to_be_hidden()
    expect(page.locator("#signature")).to_be_visible()
    assert_accessible(page)

    # Scrolled to the foot of the page, the section menu is still on screen.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("window.scrollY > 0")
    menu = page.get_by_role("navigation", name="Sections of this session")
    box = menu.bounding_box()
    assert box is not None and 0 <= box["y"] < 120, box
    expect(menu.get_by_role("link", name="Signature")).to_be_in_viewport()

    # A folded section opens from the keyboard.
    summary = fold.locator(":scope > summary")  # its own, not a dose's "Entered in error…"
    summary.focus()
    page.keyboard.press("Enter")
    expect(fold).to_have_attribute("open", "")
    expect(doses.get_by_text(f"{dose.lot_number}")).to_be_visible()

    # Following the menu to a folded section opens it, and its heading lands below the menu.
    monitoring = page.locator("#monitoring details.section-fold")
    expect(monitoring).not_to_have_attribute("open", "")
    menu.get_by_role("link", name="Monitoring").click()
    expect(monitoring).to_have_attribute("open", "")
    # (The page may scroll smoothly: wait for it to settle with the heading below the menu.)
    page.wait_for_function(
        """() => {
            const heading = document.getElementById("monitoring-h").getBoundingClientRect();
            const menu = document.getElementById("session-nav").getBoundingClientRect();
            return heading.top >= menu.bottom - 1 && heading.bottom <= window.innerHeight;
        }"""
    )
    assert_accessible(page)
