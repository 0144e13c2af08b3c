"""Marking a wrong reading "entered in error" on the live session screen, in a real browser:
the reason is required, the row swaps in place struck through, the page is not reloaded."""

import datetime

import pytest
from playwright.sync_api import expect

from kapclinic.clinic.models import Role
from kapclinic.demo.builder import Build
from sessions.models import Administration, VitalSigns

from .actions import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_screen(page, live_server, staff, session, secret, totp_code):
    """`staff` signs in and opens the session's live screen."""
    staff_sign_in(page, live_server, staff, secret, totp_code)
    page.goto(f"{live_server.url}/sessions/appointments/{session.appointment_id}/session/")


def strike(page, row_id, reason):
    """Mark the entry in row `row_id` entered in error with `reason`; the row as redrawn."""
    row = page.locator(f"#{row_id}")
    row.get_by_label("Why is this entry in error?").fill(reason)
    row.get_by_role("button", name="Mark entered in error").click()
    row = page.locator(f"#{row_id}")
    expect(row).to_have_class("entry--in-error")
    expect(row).to_contain_text(reason)
    expect(row.locator("td").nth(2)).to_have_css("text-decoration-line", "line-through")
    return row


def test_a_wrong_reading_is_struck_through_with_its_reason(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    build = Build(world)
    session = build()
    slip = build.vitals(session, build.start + datetime.timedelta(minutes=10), systolic=190)
    nurse = world.one.staff[Role.NURSE]
    open_screen(page, live_server, nurse, session, enrol_mfa(nurse.user), totp_code)
    expect(page.locator("#dose-hold")).to_contain_text("Dosing is on hold")
    page.evaluate("window.sameScreen = true")

    row = page.locator(f"#vitals-{slip.pk}")
    row.get_by_text("Entered in error…").click()
    assert_accessible(page)
    row.get_by_role("button", name="Mark entered in error").click()
    # No reason: the error is beside the field, and nothing was marked.
    row = page.locator(f"#vitals-{slip.pk}")
    expect(row.locator(".errorlist")).to_have_text("Say why this entry is in error.")
    assert not VitalSigns.entries.get(pk=slip.pk).entered_in_error

    strike(page, f"vitals-{slip.pk}", "BP typed as 190, was 130.")
    # The out-of-band parts came along: the hold lifted without a reload.
    expect(page.locator("#dose-hold")).not_to_contain_text("Dosing is on hold")
    assert page.evaluate("window.sameScreen") is True
    assert_accessible(page)


def test_a_wrong_dose_is_struck_through_and_the_session_total_drops(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    build = Build(world)
    session = build()
    dose = build.dose(session, amount_mg="175")
    build.vitals(session, build.dose_at + datetime.timedelta(minutes=35))  # before the booster
    build.dose(session, amount_mg="50", given_at=build.dose_at + datetime.timedelta(minutes=40))
    prescriber = world.one.staff[Role.PRESCRIBER]
    open_screen(page, live_server, prescriber, session, enrol_mfa(prescriber.user), totp_code)
    expect(page.locator("#dose-list")).to_contain_text("Session total: 225 mg")
    page.evaluate("window.sameScreen = true")

    page.locator(f"#dose-{dose.pk}").get_by_text("Entered in error…").click()
    strike(page, f"dose-{dose.pk}", "175 typed; 125 was given.")
    expect(page.locator("#dose-list")).to_contain_text("Session total: 50 mg")
    expect(page.locator(f"#dose-{dose.pk}")).to_contain_text("Not counted")
    assert page.evaluate("window.sameScreen") is True
    assert Administration.entries.get(pk=dose.pk).entered_in_error
    assert_accessible(page)
