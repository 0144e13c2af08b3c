"""The walk of 7 Dec 2026 (docs/walks/2026-12-07-suicide-risk-and-consent.md), kept: what the
real pages showed in two tabs and on a phone. Every page is checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from intake.consent import RESIGN_STATEMENT, WITHDRAWAL_FLAG, record_signature
from intake.models import ConsentDocument, ConsentKind
from kapclinic.clinic import risk
from kapclinic.clinic.models import RiskDecision, Role, SafetyFlag
from kapclinic.demo.builder import Build
from sessions.gate import evaluate_gate, failing

from .actions import patient_sign_in, staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INTENT = {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0}


def test_stays_paused_from_a_second_tab_blocks_dosing_again(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    """P1: both tabs opened while blocked; "may resume" in one, then "stays paused" in the
    other. The latest review decides: the course is blocked again and the page says so."""
    side = world.one
    course, prescriber = side.courses[0], side.staff[Role.PRESCRIBER]
    flag, _ = SafetyFlag.raise_for(
        course, source="Check-in PHQ-9", reason="Item 9.", kind=SafetyFlag.Kind.SUICIDE_RISK
    )
    risk.review_risk_flag(
        flag,
        prescriber.user,
        screen_answers=INTENT,
        protective_factors="Engaged in care.",
        formulation="Intent this week, no plan.",
        decision=RiskDecision.PAUSE_DOSING,
        safety_plan_made=True,
    )
    staff_sign_in(page, live_server, prescriber, enrol_mfa(prescriber.user), totp_code)
    url = live_server.url + f"/flags/{flag.pk}/risk-review/"
    second = page.context.new_page()
    page.goto(url)
    second.goto(url)
    assert_accessible(page)

    page.get_by_label("Psychiatric review findings").fill("Seen at 10:00; may resume.")
    page.get_by_label(re.compile("Dosing may resume")).check()
    page.get_by_role("button", name="Record psychiatric review").click()
    expect(page.get_by_text("Psychiatric review recorded.")).to_be_visible()
    expect(page.get_by_text("Dosing is blocked")).to_have_count(0)
    assert risk.dosing_block(course) is None

    second.get_by_label("Psychiatric review findings").fill("Her partner rang: stays paused.")
    second.get_by_role("button", name="Record psychiatric review").click()
    expect(second.get_by_text("Dosing is blocked")).to_be_visible()
    assert_accessible(second)
    assert risk.dosing_block(course) is not None


def test_research_consent_withdrawn_on_a_phone_leaves_treatment_on(
    live_server, phone_page, world, assert_accessible
):
    """C1 and K1: withdrawing an optional consent neither stops dosing nor says it does; the
    clinic's own phone is one tap away on the home page."""
    build = Build(world)
    session = build()
    course = build.course
    course.clinic.phone = "+44 20 7946 0000"
    course.clinic.save()
    research = ConsentDocument.objects.create(
        clinic=course.clinic,
        kind=ConsentKind.RESEARCH,
        title="Use of my records in research",
        version="1.0",
        body="Research text.",
        required_before_dosing=False,
    )
    record_signature(
        course,
        research,
        by=course.patient.user,
        signed_name=course.patient.legal_name,
        statement=RESIGN_STATEMENT,
    )
    phone = phone_page
    patient_sign_in(phone, live_server, course.patient)
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    expect(phone.get_by_role("link", name="+44 20 7946 0000")).to_have_attribute(
        "href", "tel:+442079460000"
    )
    assert_accessible(phone)

    phone.get_by_role("link", name="My consents").click()
    phone.wait_for_url(re.compile(r"/intake/consents/$"))
    research_row = phone.get_by_role("listitem").filter(has_text="research")
    research_row.get_by_role("link", name="Withdraw this consent").click()
    expect(phone.get_by_text("Your treatment is not affected")).to_be_visible()
    expect(phone.get_by_text("No further doses")).to_have_count(0)
    assert_accessible(phone)
    phone.get_by_role("button", name="Withdraw my consent").dblclick()
    phone.wait_for_url(re.compile(r"/intake/consents/$"))
    expect(phone.get_by_text("Your treatment is not affected.")).to_be_visible()
    assert_accessible(phone)
    assert not SafetyFlag.objects.filter(course=course, source=WITHDRAWAL_FLAG).exists()
    assert not failing(evaluate_gate(session))
