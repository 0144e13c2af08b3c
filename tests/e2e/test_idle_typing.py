"""Someone still typing is not idle: a patient writing a long journal entry on the phone for
forty minutes, with no page sent in between, keeps the session (their typing refreshes it now
and then) and never sees the page hidden as "signed out", which would lose the unsaved text."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .actions import patient_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_typing_a_long_journal_entry_keeps_the_patient_signed_in(
    live_server, phone_page, world, assert_accessible
):
    page = phone_page
    patient_sign_in(page, live_server, world.one.patients[0])
    page.clock.install()
    page.goto(live_server.url + reverse("integration:journal"))
    entry = page.get_by_label("Your entry")
    entry.fill("The music took me back to the workshop. ")

    page.clock.fast_forward("20:00")  # twenty minutes of thinking and typing, nothing sent
    keep_alive = live_server.url + reverse("keep-alive")
    with page.expect_response(lambda response: response.url == keep_alive):
        entry.press_sequentially("I want to remember ")
    page.clock.fast_forward("20:00")  # forty since the page came: past the 30-minute limit

    expect(page.locator("#idle-warning")).to_be_hidden()
    expect(page.locator("html")).not_to_have_class("is-session-expired")
    expect(entry).to_have_value("The music took me back to the workshop. I want to remember ")
    assert_accessible(page)
