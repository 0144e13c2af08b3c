"""The walk of 7 Dec 2026 as a new patient on a phone (docs/walks/2026-12-07-patient-on-a-phone.md),
kept: the browser paths that found something. Every page is checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from kapclinic.clinic.models import Role
from kapclinic.reminders.models import ReminderPreference
from tests.factories import PASSWORD

from .actions import patient_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reminder_choices_from_home_on_a_phone_refuse_half_quiet_hours_in_words(
    live_server, phone_page, world, assert_accessible
):
    """R1 and R2: the reminder choices were reachable only from an email, with no way back;
    half-given quiet hours read "Constraint “reminder_quiet_hours_both_or_neither” is
    violated." at the top of the form."""
    patient = world.one.patients[0]
    phone = phone_page
    patient_sign_in(phone, live_server, patient)
    phone.get_by_role("link", name="My reminders").click()
    phone.wait_for_url(re.compile(r"/reminders/preferences/$"))
    assert_accessible(phone)

    phone.get_by_label("Quiet hours from").fill("22:00")
    phone.get_by_role("button", name="Save").click()
    phone.wait_for_load_state()
    expect(
        phone.get_by_text("Give both ends of the quiet hours, or neither.", exact=True)
    ).to_be_visible()
    expect(phone.get_by_text(re.compile("Constraint|both_or_neither"))).to_have_count(0)
    until = phone.locator(".form-field").filter(has=phone.get_by_label("Quiet hours until"))
    expect(until).to_contain_text("Give both ends")  # beside the time still to give
    expect(phone.get_by_label("Quiet hours from")).to_have_value("22:00")  # typing kept
    assert_accessible(phone)

    phone.get_by_label("Quiet hours until").fill("07:00")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Your reminder choices are saved.")).to_be_visible()
    preference = ReminderPreference.objects.get(patient=patient)
    assert (str(preference.quiet_start), str(preference.quiet_end)) == ("22:00:00", "07:00:00")
    phone.get_by_role("link", name="Back to my journey").click()
    phone.wait_for_url(re.compile(r"/my-journey/$"))


def test_an_invitation_opened_on_a_phone_where_another_patient_is_signed_in(
    live_server, phone_page, world, assert_accessible
):
    """I1: on a shared phone, the link showed "Choose a password" under the other patient's
    name in the header; now it asks them to sign out, and signing out opens the link again."""
    from intake.invitations import invite_patient
    from intake.models import Invitation

    side = world.one
    course = invite_patient(
        by=side.staff[Role.PRESCRIBER].user,
        clinic=side.clinic,
        legal_name="Jo Walker",
        email="jo.walker@example.com",
        indication="depression",
        care_team=[side.staff[Role.PRESCRIBER]],
    )
    link = (
        live_server.url
        + f"/intake/invitation/{Invitation.objects.get(course=course).renew_link()}/"
    )
    phone = phone_page
    patient_sign_in(phone, live_server, side.patients[0])
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Sign out to use this invitation")).to_be_visible()
    expect(phone.get_by_label("Choose a password")).to_have_count(0)
    assert_accessible(phone)

    phone.get_by_role("button", name="Sign out and open the invitation").click()
    phone.get_by_label("Choose a password").fill("a quiet harbour at dawn")
    phone.get_by_label("Type it again").fill("a quiet harbour at dawn")
    phone.get_by_role("button", name="Create my account and start").click()
    phone.wait_for_url(re.compile(r"/intake/step/about/$"))
    expect(phone.get_by_text("Welcome. Your answers save as you go.")).to_be_visible()
    course.patient.refresh_from_db()
    assert course.patient.user.check_password("a quiet harbour at dawn")


def test_a_notes_request_refused_on_a_phone_opens_at_the_form(
    live_server, phone_page, world, assert_accessible
):
    """N1: sent without choosing notes or correction, the page came back at its top with
    "This field is required." far below, out of sight on a phone."""
    phone = phone_page
    patient_sign_in(phone, live_server, world.one.patients[0])
    phone.goto(live_server.url + "/reports/my-record/")
    phone.get_by_label("Details").fill("The notes from November, please.")
    phone.get_by_role("button", name="Send my request").click()
    phone.wait_for_load_state()
    refusal = phone.get_by_text(
        "Choose what you are asking for: a copy of your notes or a correction.", exact=True
    )
    expect(refusal).to_be_in_viewport()
    expect(phone.get_by_role("alert").filter(has_text="Please check")).to_be_focused()
    expect(phone.get_by_label("Details")).to_have_value("The notes from November, please.")
    assert_accessible(phone)
    phone.get_by_label("A copy of my clinicians' notes").check()
    phone.get_by_role("button", name="Send my request").click()
    expect(phone.get_by_text(re.compile(r"Sent\. The clinic answers by"))).to_be_visible()


def invited_patient_on_the_about_step(phone, live_server, world):
    """Jo Walker, invited and signed up on the phone, on the wizard's first step."""
    from intake.invitations import invite_patient
    from intake.models import Invitation

    side = world.one
    course = invite_patient(
        by=side.staff[Role.PRESCRIBER].user,
        clinic=side.clinic,
        legal_name="Jo Walker",
        email="jo.walker@example.com",
        indication="depression",
        care_team=[side.staff[Role.PRESCRIBER]],
    )
    token = Invitation.objects.get(course=course).renew_link()
    phone.goto(live_server.url + f"/intake/invitation/{token}/")
    phone.get_by_label("Choose a password").fill("a quiet harbour at dawn")
    phone.get_by_label("Type it again").fill("a quiet harbour at dawn")
    phone.get_by_role("button", name="Create my account and start").click()
    phone.wait_for_url(re.compile(r"/intake/step/about/$"))
    return course


def test_a_refused_wizard_step_on_a_phone_takes_the_patient_to_what_to_fix(
    live_server, phone_page, world, assert_accessible
):
    """A refused step came back at the top with focus on the body: a screen reader heard
    nothing, and the summary did not say which answers to fix. Now the summary takes focus
    (and so is read out and in view) and links each answer to fix."""
    phone = phone_page
    invited_patient_on_the_about_step(phone, live_server, world)
    phone.get_by_label("Date of birth").fill("1990-04-02")
    phone.locator("input[name='sex_at_birth'][value='female']").check()
    phone.get_by_label("Mobile phone").fill("+44 7700 900321")
    phone.get_by_label("Emergency contact's name").fill("Sam Walker")
    relationship = phone.get_by_label("Emergency contact's relationship to you")
    # Typing stopped at 60 without a word: the limit is said, and read with the box.
    expect(relationship).to_have_accessible_description("Up to 60 characters.")
    expect(phone.get_by_text("Up to 60 characters.")).to_be_visible()
    relationship.fill("Brother")
    phone.get_by_role("button", name="Save and continue").click()
    phone.wait_for_load_state()
    summary = phone.get_by_role("alert").filter(has_text="Please check the answers")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    assert_accessible(phone)
    summary.get_by_role("link", name=re.compile("Emergency contact's phone number")).click()
    expect(phone.get_by_label("Emergency contact's phone number")).to_be_focused()
    expect(phone.get_by_label("Emergency contact's name")).to_have_value("Sam Walker")


def test_the_browsers_back_after_a_refused_step_does_not_ask_to_send_it_again(
    live_server, phone_page, world, assert_accessible
):
    """Back after a refused step landed on the refused POST ("Confirm form resubmission").
    Now a refusal redirects to the step (Post/Redirect/Get), with what was typed kept."""
    phone = phone_page
    invited_patient_on_the_about_step(phone, live_server, world)
    phone.get_by_label("Date of birth").fill("1990-04-02")
    phone.locator("input[name='sex_at_birth'][value='female']").check()
    phone.get_by_label("Mobile phone").fill("+44 7700 900321")
    phone.get_by_label("Emergency contact's name").fill("Sam Walker")
    phone.get_by_label("Emergency contact's relationship to you").fill("Brother")
    phone.get_by_label("Emergency contact's phone number").fill("not a number")
    phone.get_by_role("button", name="Save and continue").click()
    phone.wait_for_load_state()
    expect(phone.get_by_role("alert").filter(has_text="Please check")).to_be_visible()
    expect(phone.get_by_label("Emergency contact's phone number")).to_have_value("not a number")
    expect(phone.get_by_label("Emergency contact's name")).to_have_value("Sam Walker")
    phone.get_by_label("Emergency contact's phone number").fill("+44 7700 900322")
    phone.get_by_role("button", name="Save and continue").click()
    phone.wait_for_url(re.compile(r"/intake/step/medical/$"))
    phone.go_back()
    phone.wait_for_load_state()
    expect(phone.get_by_role("heading", name="About you")).to_be_visible()
    expect(phone.get_by_label("Emergency contact's phone number")).to_have_value("+44 7700 900322")
    assert_accessible(phone)


def test_a_patient_changes_their_password_from_security_and_stays_signed_in(
    live_server, phone_page, world, assert_accessible
):
    """ "Security" offered only two-factor ("Activate"): no password change, no way back. Now
    "Change password" is there, and the patient stays signed in after changing it."""
    patient = world.one.patients[0]
    phone = phone_page
    patient_sign_in(phone, live_server, patient)
    phone.get_by_role("link", name="Security").click()
    assert_accessible(phone)
    phone.get_by_role("link", name="Change password").click()
    phone.wait_for_url(re.compile(r"/accounts/password/change/$"))
    assert_accessible(phone)
    phone.get_by_label("Current password").fill(PASSWORD)
    phone.get_by_label("New Password:", exact=True).fill("a new harbour at dusk")
    phone.get_by_label("New password (again)").fill("a new harbour at dusk")
    phone.get_by_role("button", name="Change password").click()
    expect(phone.get_by_text("Password successfully changed.")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("link", name="Back to Security").click()
    phone.get_by_role("link", name="Back to my journey").click()
    expect(phone).to_have_url(re.compile(r"/my-journey/$"))
    patient.user.refresh_from_db()
    assert patient.user.check_password("a new harbour at dusk")
