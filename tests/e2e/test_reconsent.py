"""A re-consent in a real phone browser (issue 15): the clinic published version 2.0, the
patient in treatment signs it from their home page, the pre-dose gate passes again, and the
patient downloads the signed copy. Every page is checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from intake.models import ConsentDocument, ConsentSignature
from kapclinic.demo.builder import Build
from sessions.gate import evaluate_gate, failing

from .actions import patient_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_patient_re_signs_the_new_version_from_home_on_a_phone(
    live_server, phone_page, world, assert_accessible
):
    build = Build(world)
    session = build()  # cleared, version 1.0 signed, checked in: every check passes
    course = build.course
    v2 = ConsentDocument.objects.create(
        clinic=course.clinic,
        version="2.0",
        body="Updated consent text: integration sessions may be held by video.",
        summary_of_changes="We added video integration sessions.",
    )
    assert [i.key for i in failing(evaluate_gate(session))] == ["consent"]

    phone = phone_page
    patient_sign_in(phone, live_server, course.patient)
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    tasks = phone.get_by_role("region", name="For you to do")
    first = tasks.get_by_role("listitem").first
    expect(first).to_contain_text("version 2.0")
    expect(first).to_contain_text("New version")
    assert_accessible(phone)

    first.get_by_role("link").click()
    phone.wait_for_url(re.compile(rf"/intake/consents/{v2.pk}/sign/$"))
    expect(phone.get_by_text("We added video integration sessions.")).to_be_visible()
    assert_accessible(phone)
    # A wrong name is refused next to the field.
    phone.get_by_label(re.compile("I have read this version")).check()
    phone.get_by_label("Type your full name to sign").fill("Not My Name")
    phone.get_by_role("button", name="Sign version 2.0").click()
    beside = phone.locator(".errorlist").get_by_text(re.compile("exactly as the clinic has it"))
    expect(beside).to_be_visible()
    # The summary above takes focus and links the field (it also holds the words, hence
    # the refusal is looked for in the field's own error list).
    expect(phone.get_by_role("alert").filter(has_text="Please check")).to_be_focused()
    assert_accessible(phone)
    phone.get_by_label(re.compile("I have read this version")).check()
    phone.get_by_label("Type your full name to sign").fill(course.patient.legal_name)
    phone.get_by_role("button", name="Sign version 2.0").click()
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    expect(phone.get_by_text(re.compile("Thank you: you signed"))).to_be_visible()
    expect(phone.get_by_role("link", name=re.compile("version 2.0"))).to_have_count(0)
    assert_accessible(phone)

    assert ConsentSignature.objects.filter(course=course, document=v2).exists()
    assert not failing(evaluate_gate(session))

    phone.get_by_role("link", name="My consents").click()
    phone.wait_for_url(re.compile(r"/intake/consents/$"))
    assert_accessible(phone)
    with phone.expect_download() as download:
        phone.get_by_role("link", name=re.compile("Download the signed copy")).first.click()
    assert download.value.suggested_filename.startswith("signed-consent-")
