"""The suicide-risk workflow in real browsers (issue 15): a check-in with PHQ-9 item 9 above 0
on a phone, the risk review and the safety plan by a therapist on a desktop, then the
patient reads the plan on the phone. Every page is checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from kapclinic.clinic.models import RiskReview, Role, SafetyFlag, SafetyPlan

from .actions import booked_at_13, check_in_answers, late_morning, patient_sign_in, staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PEOPLE_TO_ASK = "PLAN-MARKER-e2e-91c4: my sister Ana, 07700 900123"


def test_item_9_check_in_to_risk_review_to_safety_plan_on_the_phone(
    live_server, page, phone_page, world, enrol_mfa, totp_code, assert_accessible
):
    side = late_morning(world)
    clinic = side.clinic
    prescriber, therapist = side.staff[Role.PRESCRIBER], side.staff[Role.THERAPIST]
    therapist.licence_number = "LCSW-42"
    therapist.save()
    course = side.courses[0]
    patient = course.patient
    booked_at_13(clinic, course, prescriber)

    # --- The patient checks in on a phone and answers item 9 above 0 ------------------------
    phone = phone_page
    patient_sign_in(phone, live_server, patient)
    phone.goto(live_server.url + "/my-journey/")
    expect(phone.get_by_role("link", name="Open my safety plan")).to_have_count(0)
    phone.get_by_role("link", name="Check in for today's session").click()
    phone.wait_for_url(re.compile(r"/check-in/since-last-visit/$"))
    check_in_answers(phone, assert_accessible, phq9_item_9="1")  # item 9 at "several days"
    phone.wait_for_url(re.compile(r"/check-in/support/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    assert_accessible(phone)
    flag = SafetyFlag.objects.get(course=course)
    assert flag.is_suicide_risk and flag.is_open

    # --- The therapist reviews the risk on a desktop ----------------------------------------
    secret = enrol_mfa(therapist.user)
    staff_sign_in(page, live_server, therapist, secret, totp_code)
    page.goto(live_server.url + f"/patients/{patient.pk}/")
    page.get_by_role("link", name=re.compile(r"^Risk review of the")).click()
    page.wait_for_url(re.compile(rf"/flags/{flag.pk}/risk-review/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Risk review")
    assert_accessible(page)
    page.locator("input[name='screen-q1'][value='1']").check()
    page.locator("input[name='screen-q2'][value='0']").check()
    page.locator("input[name='screen-q6'][value='0']").check()
    page.get_by_label("Protective factors").fill("Her sister; her dog; engaged in care.")
    page.get_by_label("Risk formulation").fill("Passive wish to be dead; no method or intent.")
    page.get_by_label("Continue treatment as planned").check()
    page.get_by_label("A safety plan was written or reviewed with the patient").check()
    page.get_by_role("button", name="Record risk review and resolve the flag").click()
    page.wait_for_url(re.compile(rf"/flags/{flag.pk}/risk-review/$"))
    expect(page.get_by_text("Risk review recorded; the flag is resolved.")).to_be_visible()
    expect(page.get_by_text("Low risk")).to_be_visible()
    assert_accessible(page)
    review = RiskReview.objects.get(flag=flag)
    assert review.reviewed_by == therapist.user and not review.needs_psychiatric_review

    page.get_by_role("link", name="Safety plan").click()
    page.wait_for_url(re.compile(rf"/courses/{course.pk}/safety-plan/$"))
    assert_accessible(page)
    page.get_by_label("Warning signs that a crisis may be coming").fill("Not sleeping.")
    page.get_by_label("Things I can do on my own").fill("Walk the dog.")
    page.get_by_label("People and places that help me feel better").fill("The library.")
    page.get_by_label("People I can ask for help").fill(PEOPLE_TO_ASK)
    page.get_by_label("Professionals and crisis lines").fill("The clinic; Samaritans 116 123.")
    page.get_by_label("Making my surroundings safer").fill("Medicines kept by my partner.")
    page.get_by_label("I wrote this plan together with the patient").check()
    page.get_by_role("button", name="Save safety plan").click()
    expect(page.get_by_text("Safety plan version 1 saved.")).to_be_visible()
    assert_accessible(page)
    assert SafetyPlan.objects.get(patient=patient).people_to_ask == PEOPLE_TO_ASK

    # --- The patient reads the plan on the phone --------------------------------------------
    phone.goto(live_server.url + "/my-journey/")
    phone.get_by_role("link", name="Open my safety plan").click()
    phone.wait_for_url(re.compile(r"/my-safety-plan/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("My safety plan")
    expect(phone.get_by_text(PEOPLE_TO_ASK)).to_be_visible()
    assert_accessible(phone)
