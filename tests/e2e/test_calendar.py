"""The calendar in a real browser, checked with axe-core: a nurse books a dosing session from
an empty slot of tomorrow's day view, then moves it to the afternoon from its block."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kapclinic.clinic.models import Appointment, Role
from kapclinic.demo.builder import clear_course, clinic_resources

from .actions import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_book_from_an_empty_slot_then_move_it(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    side = world.one
    course = side.courses[0]
    clear_course(course, side.staff[Role.PRESCRIBER].user)
    clinic_resources(side.clinic)
    patient = course.patient
    patient.preferred_name, patient.legal_name = "Sam", "Samuel Rivera"
    patient.save()
    nurse = side.staff[Role.NURSE]
    nurse.user.first_name, nurse.user.last_name = "Nadia", "Okafor"
    nurse.user.save()
    tomorrow = timezone.localdate(timezone=side.clinic.tz) + datetime.timedelta(days=1)

    staff_sign_in(page, live_server, nurse, enrol_mfa(nurse.user), totp_code)
    page.get_by_role("link", name="Calendar", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar")
    assert_accessible(page)

    page.goto(f"{live_server.url}/calendar/day/?date={tomorrow.isoformat()}")
    slot = page.get_by_role("link", name=re.compile(r"^Book 10:00 .*, Nadia Okafor, MD$"))
    slot.focus()  # keyboard reachable
    assert_accessible(page)
    slot.press("Enter")

    page.wait_for_url(re.compile(r"/calendar/book/"))
    expect(page.get_by_label("Start time")).to_have_value("10:00")
    page.get_by_label("Patient and course").select_option(str(course.pk))
    page.get_by_label("Kind").select_option("dosing")
    # A dosing session starts from the usual 150 minutes: the protocol observes for 120.
    expect(page.get_by_label("Length (minutes)")).to_have_value("150")
    page.get_by_label("Room or chair").select_option(label="Recliner A")
    assert_accessible(page)
    page.get_by_role("button", name="Book", exact=True).click()

    page.wait_for_url(re.compile(r"/calendar/day/"))
    block = page.get_by_role("link", name="10:00–12:30 Dosing session, Sam R., Booked")
    expect(block).to_be_visible()
    assert_accessible(page)
    block.click()

    page.wait_for_url(re.compile(r"/calendar/appointments/\d+/move/"))
    page.get_by_label("Start time").fill("14:30")
    page.get_by_label("Reason for the move").fill("Sam asked for the afternoon.")
    assert_accessible(page)
    page.get_by_role("button", name="Move").click()

    page.wait_for_url(re.compile(r"/calendar/day/"))
    expect(
        page.get_by_role("link", name="14:30–17:00 Dosing session, Sam R., Booked")
    ).to_be_visible()
    assert_accessible(page)
    # Dragged onto an empty slot, the block opens its move form with the slot's time.
    moved = page.get_by_role("link", name="14:30–17:00 Dosing session, Sam R., Booked")
    moved.drag_to(page.get_by_role("link", name=re.compile(r"^Book 17:00 .*, Nadia Okafor, MD$")))
    page.wait_for_url(re.compile(r"/calendar/appointments/\d+/move/\?start="))
    expect(page.get_by_label("Start time")).to_have_value("17:00")
    appointment = Appointment.objects.get(course=course)
    assert timezone.localtime(appointment.starts_at, side.clinic.tz).time() == datetime.time(14, 30)

    page.goto(f"{live_server.url}/calendar/?date={tomorrow.isoformat()}&axis=room")
    assert_accessible(page)
