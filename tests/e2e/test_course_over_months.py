"""The course over months in a real browser (issue 20): an induction block, the prescriber's
re-evaluation from "My day" (outcome so far, decision, new signed plan), two maintenance
sessions, the re-evaluation due again, the patient downloading a superbill of those visits on
a phone, then integration and a relapse: dosing resumed from the chart by a re-evaluation.
Every page is checked with axe-core.

The dosing sessions themselves run through the real services (the builder's Team): the
session screen has its own browser test (test_dosing_session.py).
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from intake.plans import plan_in_force, revise_plan
from kapclinic.billing import services as billing
from kapclinic.clinic.diagnoses import add_diagnosis
from kapclinic.clinic.models import CourseState, Reevaluation, Role
from kapclinic.demo.builder import Team, dosing_session, start_course
from sessions.models import DosingError
from tests.reports.pdf import pdf_text

from .actions import patient_sign_in, staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIGHT = {"boosters": 0, "observations": False, "events": False, "addendum": False}
RATIONALE = "PHQ-9 20 → 8: responding. Maintenance every four weeks."


def answer_the_screen(page):
    """The long-term safety screen: nothing found."""
    page.get_by_role("group", name="New or worse urinary symptoms").get_by_label("No").check()
    page.get_by_role("group", name="Signs of misuse or dependence").get_by_label("No").check()
    page.get_by_role("group", name="Memory or concentration").get_by_label("No").check()
    page.get_by_role("group", name="Liver function tests").get_by_label("Not indicated").check()


def test_induction_reevaluation_two_maintenance_sessions_and_a_superbill(
    live_server, page, phone_page, world, enrol_mfa, totp_code, assert_accessible
):
    team = Team.of(world.one)
    course = team.course
    start_course(team, baseline_phq9=20)
    revise_plan(course, team.prescriber, {"planned_dosing_sessions": 2}, "Two-session induction.")
    first = (timezone.now() - timedelta(days=40)).replace(hour=9, minute=30, second=0)
    for number, total in enumerate((14, 8)):
        dosing_session(team, first + timedelta(days=7 * number), phq9_total=total, **LIGHT)
    # The induction is done: a third session's dose waits for the re-evaluation.
    with pytest.raises(DosingError, match="must re-evaluate"):
        dosing_session(team, first + timedelta(days=14), **LIGHT)

    # --- The prescriber: My day → the re-evaluation -----------------------------------------
    staff_sign_in(page, live_server, team.prescriber, enrol_mfa(team.prescriber), totp_code)
    page.get_by_role("link", name="My day").click()
    due = page.get_by_role("region", name="Re-evaluations due")
    expect(due).to_contain_text("all 2 planned sessions given")
    assert_accessible(page)
    due.get_by_role("link", name=course.patient.display_name).click()
    page.wait_for_url(re.compile(rf"/integration/courses/{course.pk}/reevaluation/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Re-evaluation")
    so_far = page.get_by_role("region", name="Outcome so far")
    expect(so_far).to_contain_text("20 → 8")
    expect(so_far).to_contain_text("Response: Yes")
    expect(page.get_by_role("region", name="Where the course stands")).to_contain_text(
        "2 of 2 planned dosing sessions given"
    )
    assert_accessible(page)
    page.get_by_label("Continue to maintenance").check()
    page.get_by_label("Rationale").fill(RATIONALE)
    page.get_by_label("Dosing sessions in the next block").fill("2")
    page.get_by_label("Cadence").fill("One integration session within a week of each dose")
    # The long-term safety screen left unanswered: refused beside each question, all kept.
    page.get_by_role("button", name="Sign the re-evaluation").click()
    urinary = page.get_by_role("group", name="New or worse urinary symptoms")
    expect(urinary).to_contain_text("Answer this before more dosing is signed.")
    expect(page.get_by_label("Rationale")).to_have_value(RATIONALE)
    assert_accessible(page)
    answer_the_screen(page)
    page.get_by_role("button", name="Sign the re-evaluation").click()
    page.wait_for_url(re.compile(r"/patients/\d+/"))
    expect(page.get_by_text("Re-evaluation signed: continue to maintenance.")).to_be_visible()
    expect(page.get_by_text("Maintenance").first).to_be_visible()
    assert_accessible(page)

    course.refresh_from_db()
    assert course.state == CourseState.MAINTENANCE
    record = Reevaluation.objects.get(course=course)
    assert record.decided_by == team.prescriber and record.rationale == RATIONALE
    assert (record.urinary_symptoms, record.liver_tests) == (False, "not_indicated")
    plan = plan_in_force(course)
    assert (plan.version, plan.planned_dosing_sessions, plan.signed_by) == (
        record.plan_version,
        2,
        team.prescriber,
    )

    # The test cannot wait weeks: the re-evaluation is dated the day after the induction's
    # last session, so the maintenance sessions below (in the past) come after it.
    Reevaluation.objects.filter(pk=record.pk).update(decided_at=first + timedelta(days=8))

    # --- Two maintenance sessions; then the next re-evaluation is due -------------------------
    maintenance = timezone.now() - timedelta(days=10)
    maintenance = maintenance.replace(hour=9, minute=30, second=0, microsecond=0)
    for number in range(2):
        dosing_session(team, maintenance + timedelta(days=4 * number), phq9_total=6, **LIGHT)
    course.refresh_from_db()
    assert course.dosing_sessions.filter(administrations__isnull=False).distinct().count() == 4

    page.get_by_role("link", name="My day").click()
    expect(page.get_by_role("region", name="Re-evaluations due")).to_contain_text(
        "all 2 planned sessions given; maintenance"
    )
    page.goto(live_server.url + f"/integration/courses/{course.pk}/outcomes/")
    points = page.get_by_role("region", name="At the protocol's time points")
    expect(points).to_contain_text("End of induction (continue to maintenance)")
    expect(points).to_contain_text("20 → 8")
    expect(points).to_contain_text("Response: yes; Remission: no")
    assert_accessible(page)

    # --- Billed: the maintenance visits, and the patient's superbill on a phone ---------------
    add_diagnosis(course, team.prescriber, "F33.1", primary=True)
    admin = world.one.staff[Role.CLINIC_ADMIN].user
    visits = [s.appointment for s in course.dosing_sessions.order_by("-started_at")[:2]]
    lines = [billing.record_fee_line(v, admin, "99214") for v in visits]
    phone = phone_page
    patient_sign_in(phone, live_server, course.patient)
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    phone.get_by_role("link", name="My superbill").click()
    phone.wait_for_url(re.compile(r"/billing/my-superbill/"))
    today = timezone.localdate(timezone=course.clinic.tz)
    phone.get_by_label("From date").fill((today - timedelta(days=30)).isoformat())
    phone.get_by_label("To date").fill(today.isoformat())
    phone.get_by_role("button", name="Show these dates").click()
    phone.wait_for_url(re.compile(r"/billing/my-superbill/\?start="))
    summary = phone.get_by_role("region", name=re.compile(r"to"))
    expect(summary).to_contain_text("F33.1")
    expect(summary).to_contain_text(str(sum(line.amount for line in lines)))
    assert_accessible(phone)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download superbill (PDF)").click()
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert "F33.1" in text and "99214" in text

    # --- Integration, then a relapse: the prescriber resumes dosing from the chart -----------
    course.begin_integration(team.therapist, "Well for a month: integration sessions only.")
    page.goto(live_server.url + reverse("clinic:patient-chart", args=[course.patient_id]))
    page.get_by_role("link", name="Re-evaluate: resume dosing").click()
    page.wait_for_url(re.compile(rf"/integration/courses/{course.pk}/reevaluation/$"))
    expect(page.get_by_label("Stop dosing")).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Repeat induction").check()
    page.get_by_label("Rationale").fill("PHQ-9 back up to 17 at follow-up: relapse.")
    answer_the_screen(page)
    page.get_by_role("button", name="Sign the re-evaluation").click()
    page.wait_for_url(re.compile(r"/patients/\d+/"))
    expect(page.get_by_text("Re-evaluation signed: repeat induction.")).to_be_visible()
    course.refresh_from_db()
    assert course.state == CourseState.IN_TREATMENT
    phone.goto(live_server.url + reverse("clinic:my-journey"))
    expect(phone.get_by_role("heading", name="Your sessions resume")).to_be_visible()
    assert_accessible(phone)
