"""The course summary: journey, sessions, outcome charts, status; escaping, access, queries."""

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Role
from kapclinic.demo.builder import Team, start_course, whole_course
from kapclinic.reports import course_summary
from kapclinic.reports.kinds import KINDS

from .access import downloaded_by, refused_outside_the_care_team, the_export
from .once import built_once
from .pdf import embedded_files, pdf_pages, pdf_text, reader, squeezed, xobject_count
from .queries import context_queries
from .test_session_note import HOSTILE, has

pytestmark = pytest.mark.django_db


def render(course, **kwargs):
    return KINDS["course"].render(course, generated_by="Dr Report Tester, MD", **kwargs).pdf


@pytest.fixture(scope="module")
def summary(django_db_setup, django_db_blocker):
    """Two clinics, clinic one's first course taken through three sessions, and its summary as
    rendered: built once for the module."""
    with built_once(django_db_blocker) as world:
        team = Team.of(world.one)
        whole_course(team, sessions=3, measures=4)
        course = course_summary.records().get(pk=team.course.pk)
        yield SimpleNamespace(world=world, course=course, pdf=render(course))


@pytest.fixture
def course(summary):
    return summary.course


# --- Content ---------------------------------------------------------------------------------


def test_summary_has_timeline_sessions_outcomes_and_status(course, summary):
    pages = pdf_pages(summary.pdf)
    text = "\n".join(pages)
    tz = course.clinic.tz
    sessions = list(course.dosing_sessions.order_by("started_at"))
    has(text, "Course summary", course.patient.legal_name, "born 15 Jun 1985")
    # Current status.
    has(text, "Current status", "Stage In treatment", "3 with a dose given of 6 planned")
    # The journey timeline, with dates.
    has(text, "Journey timeline", "Invited: Depression", "Cleared", "In treatment")
    has(text, "Dosing session: 250 mg (3.449 mg/kg), 2 administrations")
    # Every dosing session in brief, on its date; every integration session.
    for session in sessions:
        has(text, timezone.localtime(session.started_at, tz).strftime("%-d %b %Y"))
    has(text, "Dosing sessions", "184/91", "MOAA/S 4 at lowest", "Nausea", "Aldrete 9")
    has(text, "Integration sessions", "Grief for her father", "Next dose: keep the same dose")
    assert squeezed(text).count(squeezed("Grief for her father")) == 3
    has(text, "Late entry: patient asked for a longer next session.")
    # Outcomes: the trend chart and every judgement with its rule.
    has(text, "Outcomes", "PHQ-9 over the course", "Dosing session", "PHQ-9 total")
    has(text, "Baseline 21", "Response", "Remission", "Reliable improvement", "Rule:")
    has(text, "After the second session I slept through the night")
    assert pages[-1].rstrip().endswith(f"Page {len(pages)} of {len(pages)}")


def test_outcome_chart_is_the_outcomes_pages_svg_drawn_as_an_image(course, listener):
    from integration.charts import trend_chart
    from integration.selectors import measurements_by_course

    points = measurements_by_course([course.pk], ["phq9"])[(course.pk, "phq9")]
    doses = [s.started_at for s in course.dosing_sessions.order_by("started_at")]
    svg = trend_chart("phq9", points, dose_times=doses, tz=course.clinic.tz)
    pdf = render(course)
    text = squeezed(pdf_text(pdf))
    # The chart's own words (title, axis dates, legend) come out of the PDF as text.
    for label in ("PHQ-9 over the course", "Severe (20–27)", "Minimal (0–4)"):
        assert label in svg and squeezed(label) in text
    assert xobject_count(pdf) > 0
    assert listener.connections == []


def test_every_page_has_the_running_header_footer_and_page_x_of_y(course, summary):
    pages = pdf_pages(summary.pdf)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert course.patient.legal_name in page and "born 15 Jun 1985" in page
        assert "Confidential" in page and "by Dr Report Tester, MD" in page


@pytest.mark.parametrize(("size", "points"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_metadata_and_page_size(settings, course, size, points):
    settings.REPORT_PAGE_SIZE = size
    document = reader(render(course))
    assert document.metadata.title == f"Course summary: {course.patient.legal_name}"
    assert document.metadata.author == course.clinic.name
    page = document.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == points


# --- Hostile text, empty parts and query counts ------------------------------------------------


def test_hostile_free_text_prints_literally_and_fetches_nothing(world, listener):
    leak = f'<img src="{listener.url}leak.png">'
    fields = ["event_description", "themes", "addendum_note", "journal", "new_medications"]
    texts = {
        name: f"{HOSTILE[index % len(HOSTILE)]} {leak} [{name}]"
        for index, name in enumerate(fields)
    }
    team = Team.of(world.one, texts=texts)
    whole_course(team, sessions=1, measures=2)
    pdf = render(course_summary.records().get(pk=team.course.pk))
    text = squeezed(pdf_text(pdf))
    for name in ("event_description", "themes", "addendum_note", "journal"):
        assert squeezed(texts[name]) in text, name
    assert listener.connections == []
    assert embedded_files(pdf) == []
    assert b"root:x:0:0" not in pdf and b"/JavaScript" not in pdf


def test_a_new_course_renders_cleanly(world):
    course = course_summary.records().get(pk=world.one.courses[0].pk)  # invited, nothing else
    text = pdf_text(render(course))
    has(text, "Stage Invited", "No signed plan", "Care team Not assigned")
    has(text, "No dosing sessions yet.", "No integration sessions yet.")
    has(text, "Not computable: No completed PHQ-9 yet.", "Next appointment None booked")
    has(text, "No entries shared.", "Open safety flags None")


def test_a_cleared_course_before_any_dose_renders_cleanly(team):
    start_course(team)
    text = pdf_text(render(course_summary.records().get(pk=team.course.pk)))
    has(text, "Stage Cleared", "0 with a dose given of 6 planned", "No dosing sessions yet.")
    has(text, "Only one PHQ-9 so far")


def test_context_takes_the_same_queries_for_one_or_many_sessions(world):
    small, large = Team.of(world.one, 0), Team.of(world.one, 1)
    whole_course(small, sessions=1, measures=1)
    whole_course(large, sessions=4, measures=8)
    short, long = small.course, large.course
    assert context_queries(course_summary, short) == context_queries(course_summary, long)


# --- Download: access, wiring, audit and the command ---------------------------------------------


def url(course):
    return reverse("reports:course-summary", args=[course.pk])


def test_clinician_downloads_the_summary_and_the_copy_is_audited(summary, course, sign_in):
    therapist = summary.world.one.staff[Role.THERAPIST]
    downloaded_by(sign_in, therapist, url(course), f"course-summary-course-{course.pk}.pdf")
    the_export(therapist.user, course.patient_id, "course summary report (download)")


def test_another_clinic_404_patient_403_anonymous_to_login(world, client, sign_in):
    course = world.one.courses[0]
    outsider = world.two.staff[Role.NURSE]
    refused_outside_the_care_team(client, sign_in, outsider, course.patient, url(course))


def test_chart_and_outcomes_pages_link_to_the_summary(summary, course, sign_in):
    staff = sign_in(summary.world.one.staff[Role.PRESCRIBER])
    chart = staff.get(reverse("clinic:patient-chart", args=[course.patient_id])).content.decode()
    assert url(course) in chart and "Course summary (PDF)" in chart
    outcomes = staff.get(reverse("integration:outcomes", args=[course.pk])).content.decode()
    assert url(course) in outcomes and "Course summary (PDF)" in outcomes


def test_command_writes_the_summary_for_a_named_login(summary, course, tmp_path):
    prescriber = summary.world.one.staff[Role.PRESCRIBER]
    target = tmp_path / "summary.pdf"
    out = io.StringIO()
    call_command(
        "render_report", "--kind", "course", "--id", str(course.pk), "--output", str(target),
        "--by", prescriber.user.email, "--page-size", "Letter", stdout=out,
    )  # fmt: skip
    assert "Course summary" in out.getvalue()
    document = reader(target.read_bytes())
    assert round(float(document.pages[0].mediabox.width)) == 612
    assert f"by {prescriber}" in document.pages[0].extract_text()
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert event.actor == prescriber.user
    assert event.what == "course summary report (command line)"
