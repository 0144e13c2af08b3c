"""What a newcomer sees first: the patient's main action on a phone's first screen, and a
decision form that shows each field only for the decision it belongs to."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from kapclinic.clinic.models import CourseState, Role
from kapclinic.demo.builder import publish_consent
from tests.factories import PASSWORD
from tests.intake.helpers import fill_intake
from tests.sessions.test_check_in_views import late_morning_zone

from .actions import booked_at_13, staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_HEIGHT = 844


def patient_sign_in(page, live_server, patient):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(patient.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def assert_on_first_screen(page, locator):
    """The element is in view at the top of the page, with no scrolling either way."""
    page.evaluate("window.scrollTo(0, 0)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url}: the page is {width}px wide on a 390px phone"
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE_HEIGHT, (
        f"{page.url}: the main action ends at {box['y'] + box['height']:.0f}px, "
        f"below the {PHONE_HEIGHT}px first screen"
    )


@pytest.mark.parametrize("demo_banner", [True, False])
def test_the_patients_main_action_is_on_the_phones_first_screen(
    live_server, phone_page, world, settings, demo_banner, assert_accessible
):
    settings.KAP_REQUIRE_STAFF_MFA = not demo_banner
    patient, course = world.one.patients[0], world.one.courses[0]
    course.start_intake(patient.user)
    phone = phone_page
    patient_sign_in(phone, live_server, patient)  # lands on their journey, with a message
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    assert_on_first_screen(phone, phone.get_by_role("link", name=re.compile("intake", re.I)))
    assert_accessible(phone)

    phone.goto(live_server.url + reverse("integration:journal"))
    assert_on_first_screen(phone, phone.get_by_role("heading", level=1))
    assert_on_first_screen(phone, phone.locator("main textarea").first)

    phone.goto(live_server.url + reverse("audit:who-viewed"))
    assert_on_first_screen(phone, phone.get_by_role("heading", level=1))

    phone.goto(live_server.url + reverse("intake:step", args=["about"]))
    assert_on_first_screen(phone, phone.get_by_role("heading", level=1))
    assert_on_first_screen(phone, phone.locator("main form input:not([type=hidden])").first)


def test_the_decision_form_shows_each_field_for_its_decision(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    clinic = world.one.clinic
    publish_consent(clinic)
    patient, course = world.one.patients[0], world.one.courses[0]
    course.start_intake(patient.user)
    filler = Client()
    filler.force_login(patient.user)
    fill_intake(filler, patient)
    filler.post(reverse("intake:check"))
    prescriber = world.one.staff[Role.PRESCRIBER]
    course.refresh_from_db()
    course.begin_review(prescriber.user)
    secret = enrol_mfa(prescriber.user)

    staff_sign_in(page, live_server, prescriber, secret, totp_code)
    page.goto(live_server.url + reverse("intake:review", args=[course.pk]))

    message = page.get_by_label("Message to the patient")
    override = page.get_by_label("Reason for clearing despite an absolute contraindication")
    dose = page.get_by_label("Planned dose from")
    rationale = page.get_by_label("Clinical rationale")
    # Nothing chosen yet: only what every decision needs.
    expect(rationale).to_be_visible()
    for field in (message, override, dose):
        expect(field).to_be_hidden()
    assert_accessible(page)

    page.get_by_label("Ask the patient for more information").check()
    expect(message).to_be_visible()
    expect(dose).to_be_hidden()
    expect(override).to_be_hidden()

    page.get_by_label("Clear for treatment").check()
    expect(dose).to_be_visible()
    expect(message).to_be_hidden()
    expect(override).to_be_hidden()  # no absolute contraindication fired
    assert_accessible(page)

    page.get_by_label("Decline").check()
    for field in (message, override, dose):
        expect(field).to_be_hidden()
    rationale.fill("Not suitable now.")
    page.get_by_role("button", name="Sign decision").click()
    page.wait_for_load_state()
    course.refresh_from_db()
    assert course.state == CourseState.DECLINED


def test_check_in_is_on_the_phones_first_screen_on_the_day(
    live_server, phone_page, world, settings, assert_accessible
):
    settings.KAP_REQUIRE_STAFF_MFA = False  # the demo banner shows too
    side = world.one
    clinic = side.clinic
    clinic.time_zone = late_morning_zone()  # "today" has hours either side of now
    clinic.save()
    course, prescriber = side.courses[0], side.staff[Role.PRESCRIBER]
    booked_at_13(clinic, course, prescriber)
    phone = phone_page
    patient_sign_in(phone, live_server, course.patient)
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    assert_on_first_screen(phone, phone.get_by_role("link", name="Check in for today's session"))
    assert_accessible(phone)
