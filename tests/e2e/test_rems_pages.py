"""The Spravato REMS pages in a real browser, checked with axe-core: a prescriber records a
patient's enrolment, a nurse finds the overdue monitoring form, downloads it and records the
day it was submitted."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kapclinic.clinic.models import Role
from kapclinic.rems.models import Enrolment, MonitoringForm
from kapclinic.rems.services import generate_monitoring_form
from tests.factories import AppointmentFactory

from .test_dosing_session import staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIELDS = {
    "patient": "Kai Example",
    "total_mg": "56",
    "device_count": 2,
    "lots": ["SPR-1"],
    "first_device_at": "10:15",
    "ready_to_leave_at": "12:25",
    "monitoring_minutes": 130,
    "bp_before": {"at": "10:05", "systolic": 128, "diastolic": 82},
    "bp_at_40_minutes": {
        "at": "10:56",
        "systolic": 146,
        "diastolic": 88,
        "minutes_after_first_device": 41,
    },
    "bp_before_discharge": {"at": "12:20", "systolic": 126, "diastolic": 80},
    "adverse_events": [],
    "sedating_medicines": [],
}


def test_enrolment_then_the_overdue_form_submitted(
    live_server, page, world, enrol_mfa, totp_code, assert_accessible
):
    side = world.one
    course = side.courses[0]
    today = timezone.localdate(timezone=side.clinic.tz)
    appointment = AppointmentFactory(
        course=course, starts_at=timezone.now() - datetime.timedelta(days=9)
    )
    form = generate_monitoring_form(
        appointment, session_on=today - datetime.timedelta(days=9), fields=FIELDS
    )

    prescriber = side.staff[Role.PRESCRIBER]
    staff_sign_in(page, live_server, prescriber, enrol_mfa(prescriber.user), totp_code)
    page.goto(live_server.url + f"/rems/patients/{course.patient_id}/enrolment/")
    assert_accessible(page)
    page.get_by_label("REMS enrolment ID").fill("PT-778899")
    page.get_by_label("Enrolled on").fill(today.isoformat())
    page.get_by_label("Patient signed the enrolment form on").fill(today.isoformat())
    page.get_by_role("button", name="Record and sign the enrolment").click()
    expect(page.get_by_text("PT-778899")).to_be_visible()
    assert_accessible(page)
    assert Enrolment.objects.get(patient=course.patient).prescriber == prescriber.user

    page.get_by_role("link", name="REMS", exact=True).click()
    overdue = page.get_by_role("region", name="Overdue monitoring forms")
    expect(overdue.get_by_role("link", name=course.patient.display_name)).to_be_visible()
    assert_accessible(page)
    overdue.get_by_role("link", name=course.patient.display_name).click()
    expect(page.get_by_text("146/88 at 10:56 (41 min)")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the form (PDF)").click()
    assert download.value.suggested_filename == f"rems-monitoring-form-{form.pk}.pdf"
    page.get_by_label("Submitted to the REMS on").fill(today.isoformat())
    page.get_by_role("button", name="Record the submission").click()
    expect(page.get_by_text(f"Submitted to the REMS on {today:%-d %b %Y}")).to_be_visible()
    assert MonitoringForm.objects.get(pk=form.pk).submitted_on == today
