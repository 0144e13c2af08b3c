"""A patient takes a copy of their own record on a phone: from their home page to the page
that says what it holds, then the PDF and the FHIR file downloaded, then asks the clinic for a
correction. Checked with axe-core."""

import json
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kapclinic.demo.builder import Team, dosing_session, start_course
from tests.reports.pdf import pdf_text

from .actions import patient_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_patient_downloads_a_copy_of_their_record_on_a_phone(
    live_server, phone_page, world, assert_accessible
):
    team = Team.of(world.one)
    start_course(team)
    dosing_session(team, timezone.now() - timezone.timedelta(days=3))
    patient = team.course.patient
    phone = phone_page
    patient_sign_in(phone, live_server, patient)
    phone.wait_for_url(re.compile(r"/my-journey/$"))

    phone.get_by_role("link", name="A copy of my record").click()
    phone.wait_for_url(re.compile(r"/reports/my-record/$"))
    assert_accessible(phone)

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download my record (PDF)").click()
    assert download.value.suggested_filename == f"health-record-{patient.pk}.pdf"
    text = pdf_text(Path(download.value.path()).read_bytes())
    for expected in (patient.legal_name, "Dosing sessions", "Racemic ketamine"):
        assert expected in text, expected

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download for a health app (FHIR)").click()
    assert download.value.suggested_filename == f"health-record-{patient.pk}.json"
    bundle = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Patient", "MedicationAdministration", "Consent"} <= kinds

    phone.get_by_label("A correction to my record").check()
    phone.get_by_role("button", name="Send my request").click()
    expect(phone.locator(".form-field--error")).to_contain_text("Say what is wrong")
    assert_accessible(phone)
    phone.get_by_label("Details").fill("My emergency contact's number has changed.")
    phone.get_by_role("button", name="Send my request").click()
    asked = phone.get_by_role("region", name="What you asked")
    expect(asked).to_contain_text("A correction to my record")
    expect(asked).to_contain_text("Waiting for the clinic")
    assert_accessible(phone)
