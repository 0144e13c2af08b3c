"""A clinician makes their calendar feed on a phone (issue 21): the address shown once, then
fetched by a calendar app with no sign-in, then replaced. The page is checked with axe-core."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from kapclinic.clinic.models import Role

from .actions import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_clinician_creates_and_replaces_their_feed(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    nurse = world.one.staff[Role.NURSE]
    staff_sign_in(page, live_server, nurse, enrol_mfa(nurse.user), totp_code)
    page.get_by_role("link", name="Calendar", exact=True).click()
    page.get_by_role("link", name="My calendar feed").click()
    page.wait_for_url(re.compile(r"/calendar/my-feed/$"))
    assert_accessible(page)

    page.get_by_role("button", name="Create my feed").click()
    address = page.get_by_label("Feed address")
    expect(address).to_have_value(re.compile(r"/calendar/feed/[\w-]+\.ics$"))
    first = address.input_value()
    assert_accessible(page)
    calendar_app = Client()  # no session: what a calendar app has
    feed = calendar_app.get(first.replace(live_server.url, ""))
    assert feed.status_code == 200 and feed.content.startswith(b"BEGIN:VCALENDAR\r\n")

    page.get_by_role("button", name="Replace the address").click()
    expect(page.get_by_label("Feed address")).not_to_have_value(first)
    assert calendar_app.get(first.replace(live_server.url, "")).status_code == 404
    page.goto(live_server.url + "/calendar/my-feed/")  # the address is not shown again
    expect(page.get_by_label("Feed address")).to_have_count(0)
