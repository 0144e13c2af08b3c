"""A patient downloads their superbill on a phone (issue 20): from their home page to the
superbill page, dates chosen, totals shown, the PDF downloaded with its codes. Every page is
checked with axe-core."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.billing.conftest import bill_first_patient
from tests.reports.pdf import pdf_text

from .actions import patient_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_patient_downloads_a_superbill_on_a_phone(
    live_server, phone_page, world, assert_accessible
):
    side, course, lines, _ = bill_first_patient(world.one)
    patient = course.patient
    phone = phone_page
    patient_sign_in(phone, live_server, patient)
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    assert_accessible(phone)

    phone.get_by_role("link", name="My superbill").click()
    phone.wait_for_url(re.compile(r"/billing/my-superbill/$"))
    assert_accessible(phone)
    today = timezone.localdate(timezone=side.clinic.tz)
    phone.get_by_label("From date").fill((today - datetime.timedelta(days=60)).isoformat())
    phone.get_by_label("To date").fill(today.isoformat())
    phone.get_by_role("button", name="Show these dates").click()
    phone.wait_for_url(re.compile(r"/billing/my-superbill/\?start="))
    summary = phone.get_by_role("region", name=re.compile(r"to"))
    expect(summary).to_contain_text("F33.1")
    expect(summary).to_contain_text("90792")
    expect(summary).to_contain_text(str(sum(line.amount for line in lines)))
    assert_accessible(phone)

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download superbill (PDF)").click()
    assert download.value.suggested_filename.startswith(f"superbill-{patient.pk}-")
    text = pdf_text(Path(download.value.path()).read_bytes())
    for code in ("F33.1", "F41.1", "90792", "99214", "J3490", "90837"):
        assert code in text, code
    assert "12-3456789" in text
