"""A clinician who leaves a chart open: a minute before the idle limit the page asks "Still
there?"; "Stay signed in" keeps the session through the keep-alive URL, which opens no record
(the patient's "Who viewed my record" gains no line); left alone past the limit, the chart is
hidden from whoever walks past the screen."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role

from .actions import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_chart_left_open_warns_keeps_alive_without_a_view_then_hides(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    prescriber = world.one.staff[Role.PRESCRIBER]
    patient = world.one.courses[0].patient
    staff_sign_in(page, live_server, prescriber, enrol_mfa(prescriber.user), totp_code)
    page.clock.install()
    page.goto(live_server.url + reverse("clinic:patient-chart", args=[patient.pk]))
    views = AccessEvent.objects.filter(patient=patient).count()
    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()

    page.clock.fast_forward("29:10")  # the limit is 30 minutes: warned a minute before
    expect(warning).to_contain_text("Still there?")
    assert_accessible(page)
    keep_alive = live_server.url + reverse("keep-alive")
    with page.expect_response(lambda response: response.url == keep_alive):
        page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    assert AccessEvent.objects.filter(patient=patient).count() == views

    page.clock.fast_forward("30:10")  # nothing happens for longer than the limit
    expect(warning).to_contain_text("You have been signed out")
    expect(page.locator("html")).to_have_class("is-session-expired")
    expect(page.locator("main")).to_be_hidden()
