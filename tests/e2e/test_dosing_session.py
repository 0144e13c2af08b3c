"""A whole dosing session in real browsers (issue 5): the patient checks in on a phone, the
prescriber runs the session screen from the pre-dose checks to the signed note, then adds an
addendum. Every page is checked with axe-core."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kapclinic.clinic.models import Appointment, CourseState, Role
from sessions.models import Administration, DosingSession, SessionAlert
from tests.factories import signed_protocol

from .actions import booked_at_13, check_in_answers, late_morning, patient_sign_in, staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_check_in_to_signed_session_note(
    live_server, page, phone_page, world, enrol_mfa, totp_code, assert_accessible
):
    side = late_morning(world)
    clinic = side.clinic
    # The test cannot wait two hours after the dose: observe for 0 minutes. The discharge
    # observation-time rule itself is unit-tested in tests/sessions.
    # The session at 13:00 is opened at about 11:00: this protocol opens it 3 hours ahead.
    signed_protocol(clinic, minimum_observation_minutes=0, session_opens_minutes_before=180)
    prescriber, nurse = side.staff[Role.PRESCRIBER], side.staff[Role.NURSE]
    course = side.courses[0]
    patient = course.patient
    appointment = booked_at_13(clinic, course, prescriber)

    # --- The patient checks in on a phone --------------------------------------------------
    phone = phone_page
    patient_sign_in(phone, live_server, patient)
    phone.goto(live_server.url + "/my-journey/")
    assert_accessible(phone)
    phone.get_by_role("link", name="Check in for today's session").click()

    phone.wait_for_url(re.compile(r"/check-in/since-last-visit/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Since your last visit")
    check_in_answers(phone, assert_accessible, phq9_item_9="0")  # no self-harm thoughts

    phone.wait_for_url(re.compile(r"/check-in/review/$"))
    expect(phone.get_by_text("20:00 yesterday")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("button", name="Send my check-in").click()
    phone.wait_for_url(re.compile(r"/check-in/done/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("You are checked in")
    expect(phone.get_by_text("You are checked in: the clinic has your answers")).to_be_visible()
    assert_accessible(phone)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN

    # --- The prescriber opens the session from "My day" ------------------------------------
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm buttons
    secret = enrol_mfa(prescriber.user)
    staff_sign_in(page, live_server, prescriber, secret, totp_code)
    page.get_by_role("link", name="My day").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My day")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(f"Open session of {patient.display_name}")).click()
    assert_accessible(page)
    page.get_by_role("button", name="Start session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Dosing session: {patient.display_name}"
    )
    assert_accessible(page)
    # Every entry below is an inline htmx form: the page itself is never reloaded.
    page.evaluate("window.sameScreen = true")

    # The gate fails, and says why.
    gate = page.locator("#gate-status")
    baseline = gate.get_by_role("listitem").filter(has_text="Baseline vitals and weight")
    expect(baseline).to_contain_text("Fail")
    expect(baseline).to_contain_text("Not yet recorded: BP, heart rate and SpO2")
    companion = gate.get_by_role("listitem").filter(has_text="Companion to take the patient home")
    expect(companion).to_contain_text("The check-in names Sam Example")
    expect(gate.get_by_role("listitem").filter(has_text="Check-in complete")).to_contain_text(
        "Pass"
    )
    expect(page.get_by_role("status").filter(has_text="Dosing is on hold")).to_be_visible()

    # Weight, companion, baseline vitals: each its own inline entry.
    weight = page.locator("#weight-form")
    weight.get_by_label("Weight (kg)").fill("70")
    weight.get_by_role("button", name="Save weight").click()
    expect(page.locator("#weight-form")).to_contain_text("Weight: 70.0 kg")

    page.get_by_label("I saw or spoke to the adult who will take the patient home").check()
    page.get_by_role("button", name="Confirm companion").click()
    expect(page.locator("#companion-form")).to_contain_text("confirmed by staff")
    expect(companion).to_contain_text("Pass")

    record_vitals(page, systolic=128, diastolic=82, heart_rate=76, spo2=98)
    expect(baseline).to_contain_text("Pass")

    # Who the patient is and their verbal yes today (reference §4.1): not overridable.
    identity = gate.get_by_role("listitem").filter(has_text="Identity confirmed")
    expect(identity).to_contain_text("Fail")
    form = page.locator("#identity-form")
    form.get_by_label("First identifier checked").select_option("full_name")
    form.get_by_label("Second identifier checked").select_option("full_name")
    form.get_by_label("The patient agrees to go ahead with today's dose").check()
    form.get_by_role("button", name="Record identity and consent").click()
    expect(page.locator("#identity-form .errorlist")).to_have_text(
        "Choose a second, different identifier."
    )
    assert_accessible(page)
    record_identity(page)
    expect(page.locator("#identity-form")).to_contain_text(f"checked by {prescriber.user}")
    expect(identity).to_contain_text("Pass")
    expect(gate.get_by_text("Fail", exact=True)).to_have_count(0)
    expect(page.get_by_text("Dosing is on hold")).to_have_count(0)
    assert_accessible(page)

    # The dose, witnessed by the nurse.
    dose = page.locator("#dose-form")
    dose.get_by_label("Route").select_option("sublingual")
    dose.get_by_label("Amount (mg)").fill("200")
    dose.get_by_label("Lot number").fill("KET-2024-117")
    expiry = timezone.localdate() + datetime.timedelta(days=365)
    dose.get_by_label("Lot expiry").fill(expiry.isoformat())
    expect(dose.get_by_label("Given by")).to_have_value(str(prescriber.user.pk))
    dose.get_by_label("Witnessed by").select_option(str(nurse.user.pk))
    dose.get_by_role("button", name="Record dose").click()
    doses = page.get_by_role("region", name="Doses given")
    expect(doses).to_contain_text("KET-2024-117")
    expect(doses).to_contain_text("2.857")
    expect(doses).to_contain_text(f"{prescriber.user} / {nurse.user}")
    expect(page.locator("#dose-form")).to_contain_text("Record a booster")
    assert_accessible(page)

    # Two readings after the dose; the second is above the alert limit.
    record_vitals(page, systolic=150, diastolic=90, heart_rate=84, spo2=97)
    record_vitals(page, systolic=186, diastolic=104, heart_rate=92, spo2=97)
    vitals = page.get_by_role("region", name="Vital signs")
    expect(vitals.locator("tbody tr")).to_have_count(3)
    expect(vitals.locator("tr.vitals-row--alert")).to_have_count(1)
    expect(vitals.locator("tr.vitals-row--alert")).to_contain_text("above alert limit")
    alert = page.locator("#open-alerts > li")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Open alert")
    assert_accessible(page)
    alert.get_by_label("What was done").fill("Rechecked after 5 min rest; GP letter.")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#open-alerts > li")).to_contain_text("Acknowledged")
    expect(page.locator("#open-alerts")).to_contain_text("Rechecked after 5 min rest")
    # The recheck is recorded: discharge reads the latest reading, not the acknowledgement.
    record_vitals(page, systolic=148, diastolic=88, heart_rate=80, spo2=98)

    # An observation.
    observation = page.locator("#observation-form")
    observation.get_by_label("Sedation (MOAA/S)").select_option("5")
    observation.get_by_role("combobox", name=re.compile("^Dissociation")).select_option("mild")
    observation.get_by_label("Therapist present").check()
    observation.get_by_role("button", name="Save observation").click()
    observations = page.get_by_role("region", name="Observations")
    expect(observations).to_contain_text("Mild")
    expect(observations.locator("tbody tr")).to_have_count(1)
    assert_accessible(page)

    # Discharge with a modified Aldrete total of 10.
    discharge = page.locator("#discharge-form")
    for component in ("activity", "respiration", "circulation", "consciousness", "spo2"):
        discharge.locator(f"input[name='discharge-{component}'][value='2']").check()
    expect(discharge.locator("[data-aldrete-total]")).to_have_text("10")
    discharge.get_by_label("Companion present").check()
    discharge.get_by_label("Aftercare given").check()
    discharge.get_by_role("button", name="Discharge").click()
    section = page.locator("#discharge")
    expect(section.get_by_text("10 of 10")).to_be_visible()
    expect(page.get_by_role("button", name="Record dose")).to_have_count(0)
    assert_accessible(page)

    # Sign: the record becomes read-only; only addenda remain.
    page.get_by_role("button", name="Sign and lock").click()
    signed = page.get_by_role("status").filter(has_text="Signed by")
    expect(signed).to_contain_text(str(prescriber.user))
    expect(page.get_by_role("button")).to_have_text(["Sign out", "Add addendum"])
    expect(page.locator("#session-screen form")).to_have_count(1)
    assert_accessible(page)

    page.get_by_label("Addendum").fill("Patient phoned at 18:00: home safely, feeling well.")
    page.get_by_role("button", name="Add addendum").click()
    addenda = page.locator("#addendum-list")
    expect(addenda).to_contain_text("home safely")
    expect(addenda).to_contain_text(str(prescriber.user))
    expect(addenda.locator("time")).to_have_count(1)
    assert_accessible(page)

    assert page.evaluate("window.sameScreen === true"), "an entry reloaded the whole page"

    # --- The record ------------------------------------------------------------------------
    session = DosingSession.objects.get(appointment=appointment)
    assert session.status == DosingSession.Status.SIGNED
    assert session.signed_by == prescriber.user
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    course.refresh_from_db()
    assert course.state == CourseState.IN_TREATMENT
    given = Administration.objects.get(session=session)
    assert given.amount_mg == Decimal("200")
    assert given.weight_kg == Decimal("70.0")
    assert given.mg_per_kg == Decimal("2.857")
    assert given.given_by == prescriber.user and given.witnessed_by == nurse.user
    assert not SessionAlert.objects.filter(session=session).unacknowledged().exists()

    page.get_by_role("link", name="Chart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.display_name)
    entry = page.locator(".timeline__item").filter(has_text="Dosing session: ")
    expect(entry).to_contain_text("Dosing session: 200 mg (2.857 mg/kg)")
    expect(entry).to_contain_text("Peak BP 186/104")
    expect(entry).to_contain_text("Signed")
    assert_accessible(page)


def record_identity(page):
    """Full name and date of birth checked, and the patient's verbal yes, through the form."""
    form = page.locator("#identity-form")
    form.get_by_label("First identifier checked").select_option("full_name")
    form.get_by_label("Second identifier checked").select_option("date_of_birth")
    form.get_by_label("The patient agrees to go ahead with today's dose").check()
    form.get_by_role("button", name="Record identity and consent").click()
    expect(page.locator("#identity-form")).to_contain_text("the patient agreed to go ahead today")


def record_vitals(page, *, systolic, diastolic, heart_rate, spo2):
    """One reading through the inline form; waits for the fresh form to come back."""
    form = page.locator("#vitals-form")
    rows = page.locator("#vitals-record tbody tr")
    before = rows.count()
    form.get_by_label("Systolic BP (mmHg)").fill(str(systolic))
    form.get_by_label("Diastolic BP (mmHg)").fill(str(diastolic))
    form.get_by_label("Heart rate (/min)").fill(str(heart_rate))
    form.get_by_label("SpO2 (%)").fill(str(spo2))
    form.get_by_role("button", name="Save reading").click()
    expect(rows).to_have_count(before + 1)
    expect(page.locator("#vitals-form").get_by_label("Systolic BP (mmHg)")).to_have_value("")
