"""A prescriber's dosing day, walked in a real browser (docs/walks/2026-12-08-dosing-day.md):
the paths that found something. A plan lowered in another tab while the dose form is open
holds the dose; "Weight now" cannot judge a weight-based dose by another weight than the one
recorded; discharge waits for a reading back within the alert limits, however the alert was
acknowledged. Each page is checked with axe-core."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from kapclinic.clinic.models import Role, Route
from kapclinic.demo.builder import check_in, clear_course, sign_consent
from sessions import services
from sessions.models import Administration, Discharge
from tests.factories import AppointmentFactory, signed_protocol

from .actions import staff_sign_in
from .test_dosing_session import record_identity, record_vitals

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IV_PLAN = {"route": Route.IV, "dose_min_mg": Decimal("0.1"), "dose_max_mg": Decimal("0.75")}


def session_today(side, *, plan=None):
    """Clinic one's first course, cleared (sublingual 100–400 mg unless `plan`), checked in
    ten minutes ago, its session open with the companion confirmed and 70 kg recorded."""
    prescriber, nurse = side.staff[Role.PRESCRIBER], side.staff[Role.NURSE]
    course = side.courses[0]
    clear_course(course, prescriber.user, **(plan or {}))
    sign_consent(course)
    start = timezone.now() - datetime.timedelta(minutes=10)
    appointment = AppointmentFactory(
        course=course,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        clinician=prescriber,
    )
    check_in(appointment, course.patient.user, start=start)
    session = services.open_session(appointment, nurse.user)
    services.confirm_companion(session, nurse.user)
    services.record_weight(session, nurse.user, Decimal("70"))
    return appointment, session


def open_screen(page, live_server, side, appointment, enrol_mfa, totp_code):
    prescriber = side.staff[Role.PRESCRIBER]
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm buttons
    staff_sign_in(page, live_server, prescriber, enrol_mfa(prescriber.user), totp_code)
    page.goto(live_server.url + reverse("dosing:session", args=[appointment.pk]))
    record_identity(page)
    record_vitals(page, systolic=128, diastolic=82, heart_rate=76, spo2=98)


def settled(page):
    """No htmx request in flight (its "Saving…" indicator is faded in while one is)."""
    expect(page.locator(".htmx-request")).to_have_count(0)


def fill_dose(page, amount, witness, *, route="sublingual", **more):
    form = page.locator("#dose-form")
    form.get_by_label("Route").select_option(route)
    form.get_by_label("Amount (mg)").fill(str(amount))
    for label, value in more.items():
        form.get_by_label(label).fill(str(value))
    form.get_by_label("Lot number").fill("KET-2026-014")
    expiry = timezone.localdate() + datetime.timedelta(days=365)
    form.get_by_label("Lot expiry").fill(expiry.isoformat())
    form.get_by_label("Witnessed by").select_option(str(witness.pk))
    return form


def test_a_plan_lowered_in_another_tab_holds_the_dose_form_already_open(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    side = world.one
    appointment, session = session_today(side)
    open_screen(page, live_server, side, appointment, enrol_mfa, totp_code)
    nurse = side.staff[Role.NURSE].user
    form = fill_dose(page, 300, nurse)  # within version 1 (100–400 mg)

    # Meanwhile, in a second tab, the prescriber lowers the plan to 100–200 mg.
    plan_tab = page.context.new_page()
    plan_tab.goto(live_server.url + reverse("intake:plan", args=[appointment.course_id]))
    expect(plan_tab.get_by_text("holds its later doses too")).to_be_visible()
    plan_tab.get_by_label("Highest dose (mg)").fill("200")
    plan_tab.get_by_label("Reason for the change").fill("Marked dissociation at 200 mg.")
    plan_tab.get_by_role("button", name="Sign the revised plan").click()
    expect(plan_tab.get_by_text("Plan version 2 signed.")).to_be_visible()
    plan_tab.close()

    # The form still open in the first tab: the dose is held beside the reason box.
    form.get_by_role("button", name="Record dose").click()
    reason = page.locator("#dose-form")
    expect(reason).to_contain_text("The plan was revised after this session opened: version 2")
    expect(reason).to_contain_text("This dose is 300 mg, above the plan's range of 100–200 mg.")
    assert_accessible(page)
    assert not Administration.objects.filter(session=session).exists()


def test_weight_now_other_than_the_recorded_weight_is_refused_beside_it(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    side = world.one
    signed_protocol(side.clinic, Route.IV)
    appointment, session = session_today(side, plan=IV_PLAN)
    open_screen(page, live_server, side, appointment, enrol_mfa, totp_code)
    nurse = side.staff[Role.NURSE].user
    # 154: the patient's weight in pounds, typed as kg (70 kg recorded).
    form = fill_dose(page, 105, nurse, route="iv", **{"Weight now (kg)": 154})
    form.get_by_label("Infusion duration (min)").fill("40")
    form.get_by_role("button", name="Record dose").click()
    expect(page.locator("#dose-form")).to_contain_text(
        "The weight recorded for this session is 70 kg, not 154 kg."
    )
    weight = page.locator("#dose-form").get_by_label("Weight now (kg)")
    expect(weight).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    assert not Administration.objects.filter(session=session).exists()


def test_discharge_waits_for_a_reading_back_within_the_alert_limits(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    side = world.one
    # The test cannot wait two hours after the dose: observe for 0 minutes.
    signed_protocol(side.clinic, minimum_observation_minutes=0)
    appointment, session = session_today(side)
    open_screen(page, live_server, side, appointment, enrol_mfa, totp_code)
    nurse = side.staff[Role.NURSE].user
    fill_dose(page, 200, nurse).get_by_role("button", name="Record dose").click()
    expect(page.get_by_role("region", name="Doses given")).to_contain_text("First dose")

    record_vitals(page, systolic=192, diastolic=108, heart_rate=96, spo2=97)
    alert = page.locator("#open-alerts > li")
    alert.get_by_label("What was done").fill("Rested in a dim room.")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert).to_contain_text("Acknowledged")
    preview = page.locator("#discharge li.gate-item").filter(
        has_text="Latest reading within the in-session alert limits"
    )
    expect(preview).to_contain_text("Systolic BP 192 mmHg is above the limit of 180 mmHg")
    assert_accessible(page)

    discharge = page.locator("#discharge-form")
    for component in ("activity", "respiration", "circulation", "consciousness", "spo2"):
        discharge.locator(f"input[name='discharge-{component}'][value='2']").check()
    discharge.get_by_label("Companion present").check()
    discharge.get_by_label("Aftercare given").check()
    discharge.get_by_role("button", name="Discharge").click()
    expect(page.locator("#discharge-form")).to_contain_text("Not ready for discharge.")
    assert not Discharge.objects.filter(session=session).exists()
    settled(page)
    assert_accessible(page)

    record_vitals(page, systolic=146, diastolic=88, heart_rate=80, spo2=98)
    expect(preview).to_contain_text("is within them")
    discharge = page.locator("#discharge-form")
    for component in ("activity", "respiration", "circulation", "consciousness", "spo2"):
        discharge.locator(f"input[name='discharge-{component}'][value='2']").check()
    discharge.get_by_label("Companion present").check()
    discharge.get_by_label("Aftercare given").check()
    discharge.get_by_role("button", name="Discharge").click()
    expect(page.locator("#discharge").get_by_text("10 of 10")).to_be_visible()
    settled(page)
    assert_accessible(page)
    assert Discharge.objects.get(session=session).failed_criteria == []
