"""What people do in the browser tests, written once: sign in, answer a scale, save a step,
check in on the phone; and the day they do it on (a course cleared and booked at 13:00)."""

import re

from kapclinic.demo.builder import book, clear_course, sign_consent
from tests.factories import PASSWORD
from tests.sessions.test_check_in_views import at_local, late_morning_zone


def password_sign_in(page, live_server, user):
    """The first step of signing in: email and password."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def patient_sign_in(page, live_server, patient):
    """A patient signs in (no second factor for patients)."""
    password_sign_in(page, live_server, patient.user)


def staff_sign_in(page, live_server, staff, secret, totp_code):
    """A member of staff (their Provider or login) signs in with their TOTP code."""
    password_sign_in(page, live_server, getattr(staff, "user", staff))
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_url(re.compile(r"/caseload/$"))


def answer_scale(page, count, value, last=None):
    for i in range(1, count + 1):
        answer = last if i == count and last is not None else value
        page.locator(f"input[name='q{i}'][value='{answer}']").check()


def save_and_continue(page, assert_accessible):
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()


def late_morning(world):
    """Clinic one of `world`, its clock at about 11:00, so "today" and the 13:00 check-in
    window are certain."""
    side = world.one
    side.clinic.time_zone = late_morning_zone()
    side.clinic.save()
    return side


def booked_at_13(clinic, course, prescriber):
    """The course cleared and consented, with a dosing session at 13:00 today (clinic time)."""
    clear_course(course, prescriber.user)
    sign_consent(course)
    return book(course, at_local(clinic, 13), clinician=prescriber)


def check_in_answers(phone, assert_accessible, *, phq9_item_9):
    """From "Since your last visit" to the saved PHQ-9: nothing new, fasted, a companion,
    GAD-7 and PHQ-9 items at 1 but item 9 at `phq9_item_9`."""
    phone.get_by_label("Have you started, stopped or changed any medicines").fill("none")
    phone.get_by_label("Have you had alcohol, cannabis or any other drugs").fill("none")
    phone.locator("input[name='possibly_pregnant'][value='no']").check()
    save_and_continue(phone, assert_accessible)

    phone.wait_for_url(re.compile(r"/check-in/food-and-drink/$"))
    phone.get_by_label("What time did you last eat?").fill("20:00")
    phone.get_by_role("checkbox", name="That was yesterday").first.check()
    phone.get_by_label("What time did you last drink anything?").fill("07:00")
    save_and_continue(phone, assert_accessible)

    phone.wait_for_url(re.compile(r"/check-in/companion/$"))
    phone.get_by_label("Who is taking you home?").fill("Sam Example")
    phone.get_by_label("Their phone number").fill("+44 7700 900111")
    save_and_continue(phone, assert_accessible)

    phone.wait_for_url(re.compile(r"/check-in/gad7/$"))
    answer_scale(phone, 7, "1")
    save_and_continue(phone, assert_accessible)

    phone.wait_for_url(re.compile(r"/check-in/phq9/$"))
    answer_scale(phone, 9, "1", last=phq9_item_9)
    save_and_continue(phone, assert_accessible)
