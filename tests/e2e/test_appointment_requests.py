"""A patient asks for a time on a phone; the front desk accepts it (issue 21).

The request is not an appointment until accepted: nothing is booked after the patient sends
it, exactly one integration session after staff accept. Every page is checked with axe-core.
"""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from kapclinic.clinic.models import Appointment
from tests.calendar.conftest import dosed_course
from tests.e2e.actions import staff_sign_in
from tests.factories import PASSWORD
from tests.reminders.conftest import run_scan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def integration_sessions(course):
    return Appointment.objects.filter(course=course, kind=Appointment.Kind.INTEGRATION)


def test_patient_requests_a_slot_on_a_phone_and_staff_accept_it(
    live_server, phone_page, page, world, enrol_mfa, totp_code, assert_accessible
):
    dosed = dosed_course(world)
    phone = phone_page
    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_label("Email").fill(dosed.patient.user.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign In").click()
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    assert_accessible(phone)

    phone.get_by_role("link", name="Ask for a time for your next integration session").click()
    phone.wait_for_url(re.compile(r"/calendar/ask/$"))
    assert_accessible(phone)
    phone.locator(f"#slot-{dosed.slot.pk}").check()
    phone.get_by_label("Anything the clinic should know?").fill("Mornings suit me <b>best</b>.")
    phone.get_by_role("button", name="Send my request").click()
    phone.wait_for_url(re.compile(r"/calendar/ask/$"))
    expect(phone.get_by_text("Waiting for the clinic")).to_be_visible()
    expect(phone.get_by_text("Your note: Mornings suit me <b>best</b>.")).to_be_visible()
    assert_accessible(phone)
    assert not integration_sessions(dosed.course).exists()  # a request, not an appointment

    secret = enrol_mfa(dosed.admin.user)
    staff_sign_in(page, live_server, dosed.admin, secret, totp_code)
    page.get_by_role("link", name="Requests", exact=True).click()
    page.wait_for_url(re.compile(r"/calendar/requests/$"))
    expect(page.get_by_role("heading", name=re.compile("1 waiting"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Answer")).click()
    page.wait_for_url(re.compile(r"/calendar/requests/\d+/$"))
    assert_accessible(page)
    page.get_by_role("button", name="Accept and book").click()
    page.wait_for_url(re.compile(r"/calendar/requests/$"))
    expect(page.get_by_text(re.compile("Accepted: booked"))).to_be_visible()
    assert_accessible(page)

    booked = integration_sessions(dosed.course).get()
    assert booked.starts_at == dosed.slot.starts_at
    # The answer's email is a row written with it; the worker (here the scan) sends it.
    run_scan(timezone.now())
    assert [m.to for m in mail.outbox] == [[dosed.patient.email]]

    phone.reload()
    expect(phone.get_by_text(re.compile("Your last request: booked"))).to_be_visible()
    assert_accessible(phone)
