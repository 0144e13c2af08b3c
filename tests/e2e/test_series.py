"""A weekly series booked in a real browser (issue 21): the nurse plans four dosing sessions
from the patient's chart, sees the one that clashes named in words, moves it, books all four,
then cancels the last two. Every page is checked with axe-core."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kapclinic.clinic.models import Appointment, AppointmentSeries, Role
from kapclinic.demo.builder import book, clear_course, clinic_resources, sign_consent

from .actions import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_nurse_books_a_weekly_series_around_a_clash(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    side = world.one
    clinic, course, other = side.clinic, side.courses[0], side.courses[1]
    nurse = side.staff[Role.NURSE]
    clear_course(course, side.staff[Role.PRESCRIBER].user)
    sign_consent(course)
    clinic_resources(clinic)
    first_day = timezone.localdate(timezone=clinic.tz) + datetime.timedelta(days=3)
    second_day = first_day + datetime.timedelta(days=7)
    # The nurse already sees another patient at 11:00 on the day of the second session.
    busy = datetime.datetime.combine(second_day, datetime.time(11), tzinfo=clinic.tz)
    book(other, busy, hours=1, clinician=nurse)

    staff_sign_in(page, live_server, nurse, enrol_mfa(nurse.user), totp_code)
    page.goto(live_server.url + f"/patients/{course.patient_id}/")
    page.get_by_role("link", name="Book a series").click()
    page.wait_for_url(re.compile(r"/calendar/courses/\d+/series/new/$"))
    assert_accessible(page)

    page.get_by_label("Dosing sessions").check()
    page.get_by_label("Date of the first session").fill(first_day.isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Length (minutes)").fill("150")
    page.get_by_label("Every (days)").fill("7")
    page.get_by_label("How many sessions").fill("4")
    page.get_by_label("Clinician").select_option(label=f"{nurse} (Nurse)")
    page.get_by_label("Room").select_option(label="Dosing room 1")
    page.get_by_role("button", name="Check the sessions").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the series")
    clash = page.locator("tr[data-occurrence='2']")
    expect(clash).to_contain_text("Clash")
    expect(clash).to_contain_text("already booked")
    expect(page.get_by_role("button", name="Book 4 sessions")).to_have_count(0)
    assert_accessible(page)
    assert not AppointmentSeries.objects.exists()

    page.get_by_label("Start of session 2").fill("13:00")
    page.get_by_role("button", name="Check again").click()
    expect(page.locator("tr[data-occurrence='2']")).to_contain_text("OK")
    assert_accessible(page)
    page.get_by_role("button", name="Book 4 sessions").click()

    page.wait_for_url(re.compile(r"/calendar/series/\d+/$"))
    expect(page.get_by_text("4 sessions booked, weekly.")).to_be_visible()
    assert_accessible(page)
    series = AppointmentSeries.objects.get()
    booked = list(series.appointments.order_by("starts_at"))
    assert [a.status for a in booked] == [Appointment.Status.BOOKED] * 4
    assert timezone.localtime(booked[1].starts_at, clinic.tz).time() == datetime.time(13)

    page.get_by_role("link", name="Cancel… session 3 or the rest").click()
    page.wait_for_url(re.compile(r"/cancel-in-series/$"))
    assert_accessible(page)
    page.get_by_label("Reason").fill("The patient asked to pause.")
    page.get_by_role("button", name="Cancel this and the rest of the series (2)").click()
    page.wait_for_url(re.compile(r"/calendar/series/\d+/$"))
    expect(page.get_by_text("2 sessions cancelled.")).to_be_visible()
    assert_accessible(page)
    statuses = list(series.appointments.order_by("starts_at").values_list("status", flat=True))
    assert statuses == ["booked", "booked", "cancelled", "cancelled"]
