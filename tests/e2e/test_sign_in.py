"""Sign-in journeys in a real browser: clinician with MFA, clinician without, patient.

Every page visited is checked with axe-core (no serious or critical violations).
"""

import re

import pytest
from playwright.sync_api import expect

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def open_login(page, live_server, assert_accessible):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to KAP Clinic")
    expect(page.get_by_role("link", name="sign up")).to_have_count(0)
    assert_accessible(page)


def submit_password(page, email, password=PASSWORD):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def sign_in_with_totp(page, live_server, assert_accessible, user, code):
    """Password, then the authenticator's code (`code()`, read when the page asks): the
    caseload opens."""
    open_login(page, live_server, assert_accessible)
    submit_password(page, user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    assert_accessible(page)
    page.get_by_label("Code").fill(code())
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/caseload/$"))


@pytest.fixture
def prescriber_signed_in(live_server, page, world, enrol_mfa, totp_code, assert_accessible):
    """Clinic one's prescriber, enrolled in MFA, signed in with a code: on the caseload."""
    prescriber = world.one.staff[Role.PRESCRIBER]
    secret = enrol_mfa(prescriber.user)
    sign_in_with_totp(
        page, live_server, assert_accessible, prescriber.user, lambda: totp_code(secret)
    )
    return prescriber


def test_clinician_signs_in_with_totp_and_sees_caseload(
    prescriber_signed_in, page, world, assert_accessible
):
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
    caseload = page.get_by_role("table")
    for patient in world.one.patients:
        expect(caseload.get_by_role("link", name=patient.display_name)).to_be_visible()
    for patient in world.two.patients:  # another clinic's patients stay out of sight
        expect(caseload.get_by_role("link", name=patient.display_name)).to_have_count(0)
    expect(page.get_by_role("link", name="Caseload")).to_have_attribute("aria-current", "page")
    assert_accessible(page)

    patient = world.one.patients[0]
    caseload.get_by_role("link", name=patient.display_name).click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.display_name)
    expect(page.get_by_role("heading", name="Current course")).to_be_visible()
    assert_accessible(page)


def test_staff_without_mfa_is_sent_to_set_up_an_authenticator(
    live_server, page, world, totp_code, assert_accessible
):
    nurse = world.one.staff[Role.NURSE]

    open_login(page, live_server, assert_accessible)
    submit_password(page, nurse.user.email)

    # allauth asks for the password again before MFA set-up, even right after sign-in.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.get_by_role("alert")).to_contain_text("need two-factor authentication")
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    assert_accessible(page)

    # Patient records stay closed until an authenticator is enrolled.
    page.goto(f"{live_server.url}/caseload/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))

    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).not_to_have_url(re.compile(r"/totp/activate/"))
    assert_accessible(page)

    page.goto(f"{live_server.url}/caseload/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")


def test_wrong_password_is_refused_accessibly(live_server, page, world, assert_accessible):
    open_login(page, live_server, assert_accessible)
    submit_password(page, world.one.patients[0].user.email, password="not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(
        page.get_by_text("email address and/or password you specified are not correct")
    ).to_be_visible()
    expect(page.get_by_label("Password")).to_be_empty()
    assert_accessible(page)


def test_patient_signs_in_on_a_phone_and_sees_their_journey(
    live_server, phone_page, world, assert_accessible
):
    page = phone_page
    patient = world.one.patients[0]

    open_login(page, live_server, assert_accessible)
    submit_password(page, patient.user.email)

    expect(page).to_have_url(re.compile(r"/my-journey/$"))
    name = patient.preferred_name or patient.legal_name
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    steps = page.get_by_role("list", name="Your journey")
    expect(steps.get_by_role("listitem")).to_have_count(5)
    expect(steps.locator("[aria-current=step]")).to_have_text("Intake")
    expect(page.get_by_role("heading", name="Start your intake")).to_be_visible()
    # A patient is offered no clinician pages.
    expect(page.get_by_role("link", name="Caseload")).to_have_count(0)
    # Nothing is wider than the phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)


def test_patient_opening_a_clinician_page_is_refused(live_server, page, world, assert_accessible):
    patient, other = world.one.patients

    open_login(page, live_server, assert_accessible)
    submit_password(page, patient.user.email)
    expect(page).to_have_url(re.compile(r"/my-journey/$"))

    for path in ("/caseload/", f"/patients/{patient.pk}/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "This page is not available to you"
        )
        expect(page.get_by_role("main")).not_to_contain_text(other.legal_name)
        assert_accessible(page)

    denied = AccessEvent.objects.filter(actor=patient.user, action=AccessEvent.Action.DENIED)
    assert denied.count() == 2

    page.get_by_role("link", name="Go to your home page").click()
    expect(page).to_have_url(re.compile(r"/my-journey/$"))


def test_caseload_search_keeps_the_patients_name_out_of_every_url(
    prescriber_signed_in, page, world, assert_accessible
):
    """Issue 9: the live search POSTs; the address bar and every request carry a token only."""
    from urllib.parse import unquote_plus

    target, other = world.one.patients
    surname = target.legal_name.split()[-1].lower()
    requested = []
    page.on("request", lambda request: requested.append(unquote_plus(request.url).lower()))
    page.get_by_label("Search patients").fill(target.legal_name)
    expect(page).to_have_url(re.compile(r"/caseload/\?search=[\w-]+$"))
    results = page.locator("#caseload-results")
    expect(results.get_by_role("link", name=other.display_name)).to_have_count(0)
    expect(results.get_by_role("link", name=target.display_name)).to_be_visible()
    assert_accessible(page)

    page.reload()  # the token brings the search back, from this session only
    expect(page.get_by_label("Search patients")).to_have_value(target.legal_name)
    expect(
        page.locator("#caseload-results").get_by_role("link", name=other.display_name)
    ).to_have_count(0)
    page.get_by_role("button", name="Filter").click()  # submitting POSTs the same way
    expect(page).to_have_url(re.compile(r"/caseload/\?search=[\w-]+$"))
    assert requested and not [url for url in requested if surname in url]
