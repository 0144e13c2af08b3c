"""Phase 3 in real browsers (issue 6): a patient journals, shares one entry, keeps another as
a draft, begins a follow-up GAD-7, goes back and finds the ticks kept, completes it, and the
therapist sees the shared entry (never the draft) and the updated chart. Every page is checked
with axe-core."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integration import services
from integration.models import JournalEntry, MeasureRequest
from kapclinic.clinic.models import CourseState
from kapclinic.demo.builder import Build, record_score
from kapclinic.measures.models import QuestionnaireResponse
from sessions import services as dosing
from sessions.discharge import discharge

from .actions import patient_sign_in, staff_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PRIVATE = "PRIVATE-MARKER-e2e-91c4: the dream about my father, not for anyone else yet."
SHARED = "SHARED-MARKER-e2e-5d27: I noticed I could sit with the worry instead of fighting it."
# The follow-up GAD-7 answered in the browser: items 1-3 at "Several days", the rest at 0.
DRAFT = "DRAFT-MARKER-e2e-3b8a: something about the music I cannot put into words yet."
FOLLOW_UP_GAD7 = {"q1": "1", "q2": "1", "q3": "1"}
FOLLOW_UP_TOTAL = 3


def completed_course(world):
    """Clinic one's first course: GAD-7 at intake and during treatment, one signed dosing
    session, then integration and completion through the real services, so the protocol's
    end-of-course questionnaires are open now."""
    build = Build(world)
    course = build.course
    now = timezone.now()
    record_score(course, "gad7", 16, purpose="intake", at=now - timedelta(weeks=8))
    record_score(course, "gad7", 13, at=now - timedelta(weeks=5))
    record_score(course, "gad7", 10, at=now - timedelta(weeks=2))
    session = build()  # cleared, consented, checked in (GAD-7 of 7 today), vitals and weight
    build.dose(session)  # the first dose starts treatment
    build.recheck(session)
    discharge(session, build.nurse, build.discharge_data())
    dosing.sign_session(session, build.prescriber)
    course.refresh_from_db()
    course.begin_integration(build.therapist, "Dosing done.")
    services.complete_course(course, build.therapist, reason="Six sessions; goals met.")
    course.refresh_from_db()
    assert course.state == CourseState.COMPLETED
    return build, course


def test_patient_journals_and_answers_follow_up_and_therapist_sees_it(
    live_server, page, phone_page, world, enrol_mfa, totp_code, assert_accessible
):
    build, course = completed_course(world)
    patient = course.patient
    request = MeasureRequest.objects.get(course=course, instrument="gad7", timepoint="end")
    assert request.status == MeasureRequest.Status.REQUESTED
    assert request.opens_at <= timezone.now() < request.due_at

    # --- The patient, on a phone ------------------------------------------------------------
    phone = phone_page
    phone.on("dialog", lambda dialog: dialog.accept())  # "Share with my care team?"
    patient_sign_in(phone, live_server, patient)
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    tasks = phone.get_by_role("region", name="For you to do")
    expect(tasks.get_by_role("link", name="Questionnaire due: GAD-7")).to_be_visible()
    expect(tasks.get_by_role("link", name="Write in your journal")).to_be_visible()
    assert_accessible(phone)

    # A private entry.
    tasks.get_by_role("link", name="Write in your journal").click()
    phone.wait_for_url(re.compile(r"/integration/journal/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("My journal")
    assert_accessible(phone)
    phone.get_by_label("Your entry").fill(PRIVATE)
    expect(phone.get_by_label("Share this entry with my care team")).not_to_be_checked()
    phone.get_by_role("button", name="Save entry").click()
    phone.wait_for_url(re.compile(r"/integration/journal/#entry-\d+$"))
    expect(phone.get_by_text("Saved. This entry is private: only you can see it.")).to_be_visible()
    private = JournalEntry.objects.get(course=course, body=PRIVATE)
    private_card = phone.locator(f"#entry-{private.pk}")
    expect(private_card).to_contain_text(PRIVATE)
    expect(private_card.get_by_text("Private — only you can see this")).to_be_visible()
    assert_accessible(phone)

    # A second entry, written privately, then shared from its card (an htmx swap in place).
    phone.get_by_label("Your entry").fill(SHARED)
    phone.get_by_role("button", name="Save entry").click()
    shared_card = phone.locator("article.journal-entry").filter(has_text=SHARED)
    expect(shared_card.get_by_text("Private — only you can see this")).to_be_visible()
    shared = JournalEntry.objects.get(course=course, body=SHARED)
    expect(shared_card).to_have_id(f"entry-{shared.pk}")
    # Newest first: the new entry is above the private one.
    expect(phone.locator("article.journal-entry")).to_have_count(2)
    expect(phone.locator("article.journal-entry").first).to_contain_text(SHARED)
    shared_card.get_by_role("button", name=re.compile("^Share with my care team")).click()
    expect(shared_card.get_by_text("Shared with your care team", exact=True)).to_be_visible()
    expect(shared_card.get_by_role("status")).to_have_text("Shared with your care team.")
    expect(shared_card.get_by_role("button", name=re.compile("^Make private"))).to_be_visible()
    # The other entry is untouched.
    expect(private_card.get_by_text("Private — only you can see this")).to_be_visible()
    assert_accessible(phone)
    shared.refresh_from_db()
    private.refresh_from_db()
    assert shared.is_shared and not private.is_shared

    # A third entry begun, then "Back to my journey": kept as a draft, not an entry.
    phone.get_by_label("Your entry").fill(DRAFT)
    phone.get_by_role("button", name="Back to my journey").click()
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    expect(phone.get_by_text("Your entry is kept as a draft.")).to_be_visible()
    tasks = phone.get_by_role("region", name="For you to do")
    tasks.get_by_role("link", name="Write in your journal").click()
    expect(phone.get_by_label("Your entry")).to_have_value(DRAFT)
    expect(phone.locator("article.journal-entry")).to_have_count(2)
    assert_accessible(phone)

    # The follow-up GAD-7, from the home page's task: begun, kept for later, then sent.
    phone.get_by_role("button", name="Back to my journey").click()
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    phone.get_by_role("link", name="Questionnaire due: GAD-7").click()
    phone.wait_for_url(re.compile(rf"/integration/questionnaires/{request.pk}/$"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Anxiety")
    expect(phone.get_by_text("End of the course")).to_be_visible()
    assert_accessible(phone)
    phone.locator("input[name='q1'][value='1']").check()
    phone.get_by_role("button", name="Back to my journey").click()
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    # The home page says it was begun, and takes the patient back to it.
    phone.get_by_role("link", name="Finish your questionnaire: GAD-7").click()
    expect(phone.locator("input[name='q1'][value='1']")).to_be_checked()
    for i in range(1, 8):
        answer = FOLLOW_UP_GAD7.get(f"q{i}", "0")
        phone.locator(f"input[name='q{i}'][value='{answer}']").check()
    phone.get_by_role("button", name="Send my answers").click()
    phone.wait_for_url(re.compile(rf"/integration/questionnaires/{request.pk}/done/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert_accessible(phone)
    phone.get_by_role("link", name="Back to my journey").click()
    phone.wait_for_url(re.compile(r"/my-journey/$"))
    tasks = phone.get_by_role("region", name="For you to do")
    expect(tasks.get_by_role("link", name="Write in your journal")).to_be_visible()
    expect(tasks.get_by_role("link", name="Questionnaire due: PHQ-9")).to_be_visible()
    expect(phone.get_by_text("Questionnaire due: GAD-7")).to_have_count(0)
    assert_accessible(phone)

    # --- The record -------------------------------------------------------------------------
    request.refresh_from_db()
    assert request.status == MeasureRequest.Status.COMPLETED
    response = request.response
    assert response is not None and request.completed_at == response.completed_at
    assert (response.instrument, response.total, response.purpose) == (
        "gad7",
        FOLLOW_UP_TOTAL,
        QuestionnaireResponse.Purpose.FOLLOW_UP,
    )
    assert response.course == course and response.created_by == patient.user

    # --- The therapist ----------------------------------------------------------------------
    therapist = build.therapist
    staff_sign_in(page, live_server, therapist, enrol_mfa(therapist), totp_code)
    assert_accessible(page)
    expect(page.get_by_role("link", name=patient.display_name)).to_have_count(0)
    # A completed course is not an open one: filter the caseload to find it (htmx swaps
    # the results as the stage changes; the link is only there once they have come back).
    page.get_by_label("Stage").select_option(CourseState.COMPLETED)
    page.wait_for_url(re.compile(r"stage=completed"))
    results = page.locator("#caseload-results")
    expect(results.get_by_role("row")).to_have_count(2)  # the header and this course
    assert_accessible(page)
    results.get_by_role("link", name=patient.display_name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(patient.display_name)
    assert_accessible(page)
    assert "PRIVATE-MARKER" not in page.content() and "DRAFT-MARKER" not in page.content()

    page.get_by_role("link", name="Outcomes", exact=True).click()
    page.wait_for_url(re.compile(rf"/integration/courses/{course.pk}/outcomes/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Outcomes: {patient.display_name}")
    journal = page.get_by_role("region", name="Journal entries shared with the care team")
    expect(journal).to_contain_text(SHARED)
    expect(journal.locator(".timeline__item")).to_have_count(1)
    assert "PRIVATE-MARKER" not in page.content() and "DRAFT-MARKER" not in page.content()

    gad7 = page.get_by_role("region", name=re.compile(r"^GAD-7"))
    expect(gad7.get_by_role("heading", level=2)).to_contain_text("(5 scores)")
    latest = gad7.locator("dt:text-is('Latest') + dd")
    expect(latest).to_contain_text(f"{FOLLOW_UP_TOTAL} on")
    baseline = gad7.locator("dt:text-is('Baseline') + dd")
    expect(baseline).to_contain_text("16 on")
    expect(gad7.locator("dt:text-is('Change') + dd")).to_contain_text("-13 points")
    chart = gad7.get_by_role("img")
    expect(chart).to_have_attribute(
        "alt",
        re.compile(
            rf"^GAD-7 totals over the course: 5 scores, from 16 on .+ to {FOLLOW_UP_TOTAL} on "
            r".+; 1 dosing session marked\."
        ),
    )
    gad7.get_by_text("All GAD-7 scores").click()
    rows = gad7.get_by_role("region", name="GAD-7 scores").locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.locator("td.num")).to_have_text(["16", "13", "10", "7", str(FOLLOW_UP_TOTAL)])
    expect(rows.last).to_contain_text("Follow-up")
    assert_accessible(page)
