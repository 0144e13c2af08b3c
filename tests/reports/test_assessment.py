"""The suitability assessment report: content, layout, escaping, scripts, access and audit."""

import html
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pypdf
import pytest
from django.urls import reverse

from intake.models import TreatmentPlan
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Patient, Role, TreatmentCourse
from kapclinic.demo.builder import YES, publish_consent
from kapclinic.reports import assessment
from kapclinic.reports.kinds import KINDS
from kapclinic.reports.render import ReportUnavailable

from ..conftest import CommittingClient, enrol_authenticator
from ..intake.helpers import submitted_course
from .access import downloaded_by, the_export
from .conftest import CLEARED_ANSWERS, decider, signer
from .once import built_once
from .pdf import embedded_files, fonts_used, pdf_pages, squeezed
from .queries import context_queries

pytestmark = pytest.mark.django_db


def body_text(pages):
    """The pages' text without the running header, footer and page number of each page."""
    margins = re.compile(
        r"^(Suitability assessment.*· born .*|Confidential · Generated .*|Page \d+ of \d+)$"
    )
    return "\n".join(
        line for page in pages for line in page.splitlines() if not margins.match(line.strip())
    )


def render(course, **kwargs):
    return KINDS["assessment"].render(course, generated_by="Dr Report Tester, MD", **kwargs).pdf


@pytest.fixture(scope="module")
def assessed(django_db_setup, django_db_blocker):
    """Two clinics and clinic one's first course with CLEARED_ANSWERS submitted through the
    wizard and cleared, and its report as rendered: built once for the module."""
    with built_once(django_db_blocker, KAP_REQUIRE_STAFF_MFA=True) as world:
        publish_consent(world.one.clinic)
        client = CommittingClient()
        decide = decider(world, signer(client, enrol_authenticator))
        course = decide(submitted_course(world, client, 0, CLEARED_ANSWERS))
        yield SimpleNamespace(world=world, course=course, pdf=render(course))


@pytest.fixture
def cleared_course(assessed):
    """The module's cleared course, read afresh: a test that changes it in memory (the clinic's
    paper size, its time zone) leaves the next test the stored one."""
    return TreatmentCourse.objects.select_related("clinic", "patient").get(pk=assessed.course.pk)


# --- Content ---------------------------------------------------------------------------------


def test_report_has_patient_scores_answers_rules_flags_decision_and_plan(cleared_course, assessed):
    patient = cleared_course.patient
    pages = pdf_pages(assessed.pdf)
    text = "\n".join(pages)
    assert "Suitability assessment" in text
    assert patient.legal_name in text and "15 Jun 1985" in text
    assert "Depression" in text  # the indication
    # Every instrument, with total, band and item answers.
    for name in ("AUDIT-C", "GAD-7", "PHQ-9", "PCL-5"):
        assert name in text
    assert "Total 7 / 21" in text and "Mild anxiety" in text
    assert "Several days" in text and "Feeling nervous, anxious, or on edge" in text
    # The rule hits with their explanations.
    assert "Glaucoma" in text and "ophthalmologist" in text
    # The PHQ-9 item 9 safety flag and how it was resolved.
    assert "Safety flags" in text and "Resolved" in text
    assert "safety plan agreed" in text
    # The signed decision and plan.
    plan = TreatmentPlan.objects.get(course=cleared_course)
    assert "Cleared for treatment" in text
    assert "No contraindications; goals fit KAP." in text
    assert f"{plan.dose_min_mg.normalize():f}–{plan.dose_max_mg.normalize():f} mg" in text
    assert "6 planned" in text and "Within 3 days of each dose" in text
    assert "Electronically signed by" in text
    assert "Feel less weighed down." in text  # the patient's own words
    assert text.rstrip().endswith(f"Page {len(pages)} of {len(pages)}")


def test_every_page_has_the_running_header_footer_and_page_x_of_y(cleared_course, assessed):
    pages = pdf_pages(assessed.pdf)
    patient = cleared_course.patient
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert patient.legal_name in page and "born 15 Jun 1985" in page
        assert "Confidential" in page
        assert "Generated" in page and "by Dr Report Tester, MD" in page


def test_pdf_metadata_names_the_report_and_the_clinic(cleared_course, assessed):
    reader = pypdf.PdfReader(io.BytesIO(assessed.pdf))
    assert reader.metadata.title == f"Suitability assessment: {cleared_course.patient.legal_name}"
    assert reader.metadata.author == cleared_course.clinic.name


@pytest.mark.parametrize(("size", "points"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_page_size_follows_the_setting(settings, cleared_course, size, points):
    settings.REPORT_PAGE_SIZE = size
    page = pypdf.PdfReader(io.BytesIO(render(cleared_course))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == points


def test_a_clinics_own_paper_size_wins_over_the_server_default(settings, cleared_course):
    settings.REPORT_PAGE_SIZE = "A4"
    cleared_course.clinic.report_page_size = "Letter"
    cleared_course.clinic.save()
    page = pypdf.PdfReader(io.BytesIO(render(cleared_course))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


def test_times_are_in_the_clinics_time_zone(cleared_course):
    clinic = cleared_course.clinic
    clinic.time_zone = "America/New_York"
    clinic.save()
    text = "\n".join(pdf_pages(render(cleared_course)))
    assert re.search(r"Generated \d+ \w+ \d{4}, \d\d:\d\d E[SD]T", text)


def test_context_takes_a_fixed_number_of_queries(submit, decide, cleared_course):
    busy = cleared_course
    simple = decide(submit(index=1))
    assert context_queries(assessment, simple) == context_queries(assessment, busy)


# --- Hostile and awkward input ----------------------------------------------------------------

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/hostname">',
    "<script>alert('x')</script>",
]


def test_hostile_notes_print_literally_and_fetch_nothing(submit, decide, listener):
    leak = f'<img src="{listener.url}leak.png">'
    course = submit(
        overrides={
            "goals": {"goals": HOSTILE[0] + " " + leak, "intentions": HOSTILE[1]},
            "medical": {"other_conditions": HOSTILE[2]},
            "phq9": {"q9": "1"},
        }
    )
    course = decide(
        course,
        action_taken=f"{HOSTILE[1]} {leak}",
    )
    pdf = render(course)
    text = squeezed("\n".join(pdf_pages(pdf)))
    for payload in [*HOSTILE, leak]:
        assert squeezed(payload) in text
    assert listener.connections == []
    assert embedded_files(pdf) == []
    assert b"root:x:0:0" not in pdf
    assert b"/JavaScript" not in pdf


def test_missing_optional_fields_render_cleanly(submit):
    course = submit()  # submitted, not yet reviewed: no decision, no plan, no flags
    Patient.objects.filter(pk=course.patient_id).update(date_of_birth=None, pronouns="")
    course.refresh_from_db()
    course.patient.refresh_from_db()
    text = "\n".join(pdf_pages(render(course)))
    assert "born (not recorded)" in text and "Not recorded" in text
    assert "Awaiting a signed decision" in text and "No decision has been signed yet." in text
    assert "No safety flags were raised." in text
    assert "No rule fired" in text
    assert "No regular medicines." in text
    assert "Care team Not assigned" in text


def test_no_submission_means_no_report(world):
    with pytest.raises(ReportUnavailable, match="has not submitted their intake"):
        render(world.one.courses[0])


def test_very_long_free_text_wraps_and_paginates(submit, decide):
    unbroken = "x" * 1500
    long_goals = (unbroken + " " + "I want to feel like myself again. " * 70)[:4000]
    course = submit(
        overrides={"goals": {"goals": long_goals, "support": "y" * 2000}, "phq9": {"q9": "1"}}
    )
    action = "Reviewed with the patient. " * 800  # ~21,000 characters over several pages
    course = decide(course, action_taken=action)
    pages = pdf_pages(render(course))
    text = squeezed(body_text(pages))
    assert squeezed(long_goals) in text
    assert squeezed(action) in text
    assert len(pages) >= 8
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_arabic_chinese_and_emoji_render_with_real_fonts(submit):
    course = submit(
        overrides={
            "goals": {
                "goals": "أريد أن أشعر بالسلام مرة أخرى",
                "intentions": "我希望重新找到平静",
                "support": "My sister 🌿💚 and my dog 🐕",
            }
        }
    )
    Patient.objects.filter(pk=course.patient_id).update(legal_name="مريم العلي 王芳")
    course.patient.refresh_from_db()
    pdf = render(course)
    pages = pdf_pages(pdf)
    text = "\n".join(pages)
    assert "أريد أن أشعر بالسلام مرة أخرى" in text
    assert "我希望重新找到平静" in text
    assert "🌿" in text and "🐕" in text
    assert all("مريم العلي 王芳" in page for page in pages)  # the running header
    fonts = " ".join(fonts_used(pdf))
    assert "Arabic" in fonts and "CJK" in fonts and "Emoji" in fonts


# --- Download: access, wiring and the audit trail -------------------------------------------------


def url(course):
    return reverse("reports:assessment", args=[course.pk])


def test_clinician_downloads_the_pdf_and_the_copy_is_audited(assessed, cleared_course, sign_in):
    therapist = assessed.world.one.staff[Role.THERAPIST]
    filename = f"suitability-assessment-course-{cleared_course.pk}.pdf"
    response, pdf = downloaded_by(sign_in, therapist, url(cleared_course), filename)
    assert response["Cache-Control"] == "no-store"
    assert pdf.startswith(b"%PDF")
    what = "suitability assessment report (download)"
    event = the_export(therapist.user, cleared_course.patient_id, what)
    assert event.path == url(cleared_course)


def test_another_clinic_gets_404_and_the_attempt_is_logged(assessed, cleared_course, sign_in):
    outsider = assessed.world.two.staff[Role.PRESCRIBER]
    assert sign_in(outsider).get(url(cleared_course)).status_code == 404
    assert AccessEvent.objects.filter(
        actor=outsider.user, action=AccessEvent.Action.DENIED, patient=cleared_course.patient
    ).exists()
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_patient_is_refused(assessed, client, cleared_course):
    client.force_login(assessed.world.one.patients[0].user)
    assert client.get(url(cleared_course)).status_code == 403
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_anonymous_is_sent_to_login(client, cleared_course):
    response = client.get(url(cleared_course))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_unknown_course_and_unsubmitted_intake_are_404(world, sign_in):
    staff = sign_in(world.one.staff[Role.PRESCRIBER])
    assert staff.get(reverse("reports:assessment", args=[999999])).status_code == 404
    assert staff.get(url(world.one.courses[1])).status_code == 404


def test_review_page_and_chart_link_to_the_download(assessed, cleared_course, client, sign_in):
    undecided = submitted_course(assessed.world, client, 1)
    staff = sign_in(assessed.world.one.staff[Role.PRESCRIBER])
    review = staff.get(reverse("intake:review", args=[cleared_course.pk])).content.decode()
    assert url(cleared_course) in review and "Download assessment (PDF)" in review
    chart = staff.get(reverse("clinic:patient-chart", args=[cleared_course.patient_id]))
    assert url(cleared_course) in chart.content.decode()
    review = staff.get(reverse("intake:review", args=[undecided.pk])).content.decode()
    assert "Download assessment (PDF)" not in review


def test_glaucoma_caution_is_explained(submit, decide):
    course = decide(submit(overrides={"medical": {"glaucoma": YES}}))
    text = "\n".join(pdf_pages(render(course)))
    assert "Glaucoma or raised eye pressure" in text
    assert "Because the patient answered" in text
    assert "Do you have glaucoma or raised pressure in the eye?" in " ".join(text.split())
    assert "medical.glaucoma" not in text


def test_intake_answers_carry_the_review_pages_clinical_labels(assessed, cleared_course, sign_in):
    """Screen and paper agree: every heading and label of the review's answers, in its order,
    the prescriber's clinical words, never the questions as the patient read them."""
    staff = sign_in(assessed.world.one.staff[Role.PRESCRIBER])
    review = staff.get(reverse("intake:review", args=[cleared_course.pk])).content.decode()
    answers = re.search(r'id="answers-h">(.*?)</section>', review, re.S).group(1)
    labels = [html.unescape(t) for t in re.findall(r"<(strong|dt)>(.*?)</\1>", answers)]
    labels = [label for _, label in labels]
    assert {"Medical history", "Glaucoma or raised intraocular pressure"} <= set(labels)
    assert "Goals of treatment" in labels
    text = body_text(pdf_pages(assessed.pdf))
    printed = squeezed(text[text.index("Intake answers") : text.index("Signed decision and")])
    at = 0
    for label in labels:
        at = printed.index(squeezed(label), at)  # ValueError when missing or out of order
    for patient_words in ("Your goals", "Your current medicines", "Do you have glaucoma"):
        assert squeezed(patient_words) not in printed


def test_no_phase_imports_the_reports_app():
    """Reports read from the phases; a phase importing reports would turn the arrow around."""
    root = Path(__file__).resolve().parents[2]
    phases = ["intake", "sessions", "integration", "kapclinic/clinic", "kapclinic/measures"]
    offenders = [
        str(path.relative_to(root))
        for phase in phases
        for path in (root / phase).rglob("*.py")
        if "kapclinic.reports" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
