"""A patient on a phone accepts an invitation, leaves midway, resumes on another device and
submits; a prescriber reviews and clears. Every page is checked with axe-core."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from intake.models import ConsentDocument
from kapclinic.clinic.models import CourseState, Role, TreatmentCourse
from kapclinic.demo.answers import MEDICAL_QUESTIONS
from tests.reminders.conftest import run_scan

from .actions import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The physical health questions the page shows at first (the "in the last 6 months" follow-up
# appears only after a "Yes" to heart or stroke history).
MEDICAL = [q for q in MEDICAL_QUESTIONS if q != "heart_or_stroke_recent_6_months"]
PSYCHIATRIC = [
    "psychosis_history",
    "psychosis_family_history",
    "bipolar_diagnosis",
    "mania_past_year",
    "trauma_history",
]
NEW_PASSWORD = "a quiet harbour at dawn"


def answer_no(page, fields):
    for field in fields:
        page.locator(f"input[name='{field}'][value='False']").check()


def answer_scale(page, count, value="1"):
    for i in range(1, count + 1):
        page.locator(f"input[name='q{i}'][value='{value}']").check()


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()


def test_invitation_to_cleared_course(
    live_server, browser, page, phone_page, world, enrol_mfa, totp_code, assert_accessible
):
    clinic = world.one.clinic
    ConsentDocument.objects.create(clinic=clinic, version="2.1", body="Consent text for the test.")
    prescriber = world.one.staff[Role.PRESCRIBER]
    secret = enrol_mfa(prescriber.user)

    # Prescriber invites a new patient.
    staff_sign_in(page, live_server, prescriber, secret, totp_code)
    page.get_by_role("link", name="Invite a patient").click()
    assert_accessible(page)
    page.get_by_label("Legal name").fill("Rowan Ashby")
    page.get_by_label("Email").fill("rowan@example.com")
    page.get_by_label("Indication").select_option("depression")
    page.get_by_label(str(prescriber)).check()
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()
    run_scan(timezone.now())  # the worker sends the invitation, with a link on SITE_URL
    path = re.search(r"https?://[^/\s]+(/intake/invitation/[^/\s]+/)", mail.outbox[-1].body)
    link = live_server.url + path.group(1)

    # The patient, on a phone, accepts and starts.
    phone = phone_page
    phone.goto(link)
    assert_accessible(phone)
    phone.get_by_label("Choose a password").fill(NEW_PASSWORD)
    phone.get_by_label("Type it again").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Create my account and start").click()
    phone.wait_for_url(re.compile(r"/intake/step/about/$"))
    assert_accessible(phone)
    phone.get_by_label("Date of birth").fill("1990-04-02")
    phone.locator("input[name='sex_at_birth'][value='female']").check()
    phone.get_by_label("Mobile phone").fill("+44 7700 900321")
    phone.get_by_label("Emergency contact's name").fill("Sam Ashby")
    phone.get_by_label("Emergency contact's relationship to you").fill("Brother")
    phone.get_by_label("Emergency contact's phone number").fill("+44 7700 900322")
    save_and_continue(phone)
    assert "/intake/step/medical/" in phone.url
    assert_accessible(phone)
    answer_no(phone, MEDICAL[:6])
    # Leave in the middle of the medical step, half answered: the draft is kept.
    phone.get_by_role("button", name="Save and finish later").click()
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    assert_accessible(phone)
    phone.context.close()

    # Next day, another device: sign in and resume where they left off.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_label("Email").fill("rowan@example.com")
    phone.get_by_label("Password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Sign In").click()
    phone.get_by_role("link", name="Continue my intake").click()
    phone.wait_for_url(re.compile(r"/intake/step/medical/$"))
    for field in MEDICAL[:6]:  # every answer given yesterday is still there
        assert phone.locator(f"input[name='{field}'][value='False']").is_checked(), field
    assert not phone.locator(f"input[name='{MEDICAL[6]}'][value='False']").is_checked()
    # After "No" to heart problems, "was it in the last 6 months?" is not asked.
    recent = phone.locator("input[name='heart_or_stroke_recent_6_months']").first
    expect(recent).to_be_hidden()
    answer_no(phone, MEDICAL[6:])
    save_and_continue(phone)
    phone.wait_for_url(re.compile(r"/intake/step/psychiatric/$"))
    answer_no(phone, PSYCHIATRIC)
    phone.get_by_label("How many times have you been admitted").fill("0")
    save_and_continue(phone)
    phone.get_by_label("I do not take any regular medicines").check()
    save_and_continue(phone)
    answer_no(phone, ["drug_use_past_year", "substance_use_disorder_history"])
    phone.locator("input[name='prior_ketamine_use'][value='never']").check()
    save_and_continue(phone)
    assert "/intake/step/auditc/" in phone.url
    assert_accessible(phone)
    answer_scale(phone, 3, "0")
    save_and_continue(phone)
    answer_scale(phone, 7)
    save_and_continue(phone)
    answer_scale(phone, 9, "0")
    save_and_continue(phone)
    phone.get_by_label("What would you most like to change").fill("Get my energy back.")
    save_and_continue(phone)
    assert_accessible(phone)
    phone.get_by_label("I have read and understood").check()
    phone.get_by_label("Type your full name to sign").fill("Rowan Ashby")
    save_and_continue(phone)
    phone.wait_for_url(re.compile(r"/intake/check/$"))
    assert_accessible(phone)
    phone.get_by_role("button", name="Send my intake to the clinic").click()
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    assert "with the clinic" in phone.content()
    context.close()

    course = TreatmentCourse.objects.get(patient__email="rowan@example.com")
    assert course.state == CourseState.INTAKE_SUBMITTED

    # The prescriber reviews and clears from one screen.
    page.goto(live_server.url + "/caseload/")
    page.get_by_role("link", name="Rowan Ashby").click()
    page.get_by_role("link", name="Review intake").click()
    page.get_by_role("button", name="Start review").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Clear for treatment").check()
    page.get_by_label("Clinical rationale").fill("No contraindications; PHQ-9 moderate.")
    page.get_by_role("button", name="Sign decision").click()
    page.wait_for_load_state()
    assert "Decision signed" in page.content()
    course.refresh_from_db()
    assert course.state == CourseState.CLEARED
    assert course.treatment_plan.planned_dosing_sessions == 6
