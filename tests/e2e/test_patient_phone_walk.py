"""The walk of 7 Dec 2026 as a new patient on a phone (docs/walks/2026-12-07-patient-on-a-phone.md),
kept: the browser paths that found something. Every page is checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from kapclinic.reminders.models import ReminderPreference

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
    expect(phone.get_by_text("Give both ends of the quiet hours, or neither.")).to_be_visible()
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
