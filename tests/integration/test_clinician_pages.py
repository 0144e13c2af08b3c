"""The clinician's phase-3 pages: note, outcomes, dashboard, closing a course, and access."""

import base64
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integration import services
from integration.models import (
    CourseClosure,
    IntegrationNote,
    MeasureRequest,
    NoteAddendum,
    SuicideRiskCheck,
)
from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Appointment, CourseState, Indication, Role, TreatmentCourse
from kapclinic.demo.builder import record_score, room
from sessions import services as dosing
from tests.conftest import CommittingClient
from tests.samples import COMPLETE_NOTE

from .conftest import integration_appointment

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NOTE_POST = {f"note-{key}": value for key, value in COMPLETE_NOTE.items()}


def note_url(appointment):
    return reverse("integration:note", args=[appointment.pk])


def course_url(name, course):
    return reverse(f"integration:{name}", args=[course.pk])


@pytest.fixture
def as_role(team, enrol_mfa):
    """A signed-in client per role of clinic one, MFA enrolled; the same one when asked again."""
    clients = {}

    def sign_in(role):
        if role not in clients:
            provider = team.course.clinic.providers.get(role=role)
            enrol_mfa(provider.user)
            clients[role] = CommittingClient()
            clients[role].force_login(provider.user)
        return clients[role]

    return sign_in


@pytest.fixture
def appointment(team):
    return integration_appointment(team.course)


# --- The integration note -------------------------------------------------------------------


def test_note_saved_as_draft_signed_then_read_only(team, appointment, as_role):
    client = as_role(Role.THERAPIST)
    page = client.get(note_url(appointment)).content.decode()
    assert "Not started" in page and 'name="note-patient_account"' in page
    assert not IntegrationNote.objects.exists()  # opening the page writes nothing

    draft = {**NOTE_POST, "note-next_dose_plan": "", "intent": "save"}
    assert client.post(note_url(appointment), draft).status_code == 302
    note = IntegrationNote.objects.get()
    assert note.status == IntegrationNote.Status.DRAFT
    assert note.patient_account == COMPLETE_NOTE["patient_account"]
    page = client.get(note_url(appointment)).content.decode()
    assert "Before signing, record: plan for the next dose." in page

    # Signing needs the plan for the next dose: the draft is kept, the signature refused.
    refused = client.post(note_url(appointment), draft | {"intent": "sign"})
    assert refused.status_code == 200
    assert "Not signed: Before signing, record: plan for the next dose." in refused.content.decode()
    assert IntegrationNote.objects.get().status == IntegrationNote.Status.DRAFT

    assert client.post(note_url(appointment), NOTE_POST | {"intent": "sign"}).status_code == 302
    note.refresh_from_db()
    assert note.is_signed and note.signed_by == team.therapist
    page = client.get(note_url(appointment)).content.decode()
    assert "This note is read-only" in page
    assert 'name="intent"' not in page and 'name="note-affect"' not in page
    assert COMPLETE_NOTE["goals_action_steps"] in page

    # A POST to a signed note changes nothing and says why.
    again = client.post(
        note_url(appointment), NOTE_POST | {"note-affect": "Changed", "intent": "save"}
    )
    assert "This note is signed: add an addendum instead." in again.content.decode()
    note.refresh_from_db()
    assert note.affect == COMPLETE_NOTE["affect"]
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.VIEW, what__startswith="integration note"
    ).exists()


def test_htmx_save_answers_with_the_note_screen(appointment, as_role):
    client = as_role(Role.PRESCRIBER)
    response = client.post(note_url(appointment), NOTE_POST | {"intent": "save"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="note-screen"')
    assert "Draft saved." in html and "<html" not in html


def test_a_nurse_may_not_write_or_sign_the_note(appointment, as_role):
    client = as_role(Role.NURSE)
    page = client.get(note_url(appointment)).content.decode()
    assert "A therapist or prescriber writes and signs" in page
    assert 'name="intent"' not in page
    refused = client.post(note_url(appointment), NOTE_POST | {"intent": "sign"})
    assert refused.status_code == 200
    assert "Only a prescriber or therapist of this clinic may write" in refused.content.decode()
    assert not IntegrationNote.objects.exists()


def test_a_concern_at_the_risk_check_raises_a_flag_from_the_page(team, appointment, as_role):
    client = as_role(Role.THERAPIST)
    data = NOTE_POST | {
        "note-suicide_risk_check": SuicideRiskCheck.CONCERNS,
        "note-suicide_risk_detail": "Passive thoughts; safety plan reviewed.",
        "intent": "save",
    }
    client.post(note_url(appointment), data)
    assert team.course.safety_flags.filter(resolved_at__isnull=True).exists()


def test_addenda_after_signing(team, appointment, as_role):
    client = as_role(Role.THERAPIST)
    client.post(note_url(appointment), NOTE_POST | {"intent": "sign"})
    note = IntegrationNote.objects.get()
    url = reverse("integration:add-note-addendum", args=[note.pk])
    empty = client.post(url, {"addendum-text": ""})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    assert client.post(url, {"addendum-text": "Late entry: sister called."}).status_code == 302
    swapped = client.post(url, {"addendum-text": "Second addendum."}, headers=HTMX)
    html = swapped.content.decode()
    assert html.lstrip().startswith('<section id="addenda"')
    assert "Late entry: sister called." in html and "Second addendum." in html
    assert NoteAddendum.objects.filter(note=note).count() == 2
    # A nurse may add an addendum too (the service allows any clinician).
    nurse = as_role(Role.NURSE)
    assert nurse.post(url, {"addendum-text": "Nurse follow-up call."}).status_code == 302


# --- Booking ---------------------------------------------------------------------------------


def test_book_an_integration_session_after_discharge(build, as_role):
    session = build()
    book = reverse("integration:book-session", args=[session.pk])
    client = as_role(Role.THERAPIST)
    assert "Book the integration session once the patient has been discharged." in (
        client.get(book).content.decode()
    )
    build.dose()
    build.recheck()
    dosing.discharge(session, build.nurse, build.discharge_data())
    page = client.get(book).content.decode()
    suggested = timezone.localtime(session.started_at, build.course.clinic.tz).date()
    suggested += timedelta(days=2)
    assert f'value="{suggested.isoformat()}"' in page
    assert "Protocol cadence: One integration session within a few days" in page
    therapist = build.course.clinic.providers.get(role=Role.THERAPIST)
    # A refused date keeps the suggestion in words (walk, F7: "The date suggested is ;").
    past = {"date": "2020-01-06", "start_time": "14:00", "duration_minutes": "60"}
    refused = client.post(book, past | {"clinician": therapist.pk}).content.decode()
    assert f"The date suggested is {suggested:%a} {suggested.day} {suggested:%b};" in refused
    response = client.post(
        book,
        {
            "date": suggested.isoformat(),
            "start_time": "14:00",
            "duration_minutes": "60",
            "clinician": therapist.pk,
            "resource": room(build.course.clinic, "Therapy room").pk,
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(kind=Appointment.Kind.INTEGRATION)
    assert appointment.clinician == therapist
    assert appointment.resource.name == "Therapy room"
    listing = client.get(course_url("sessions", build.course)).content.decode()
    assert note_url(appointment) in listing and "Write the note" in listing


# --- Outcomes --------------------------------------------------------------------------------


def phq9_course(course, before=20, after=4, later=()):
    start = timezone.now() - timedelta(weeks=10)
    record_score(course, "phq9", before, purpose="intake", at=start)
    for days, total in later:
        record_score(course, "phq9", total, at=start + timedelta(days=days))
    record_score(course, "phq9", after, at=timezone.now() - timedelta(days=1))


def test_outcomes_page_shows_judgements_with_their_rules(team, as_role):
    phq9_course(team.course, 20, 4)
    record_score(team.course, "gad7", 12, purpose="intake")
    response = as_role(Role.THERAPIST).get(course_url("outcomes", team.course))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Baseline: the intake PHQ-9." in html
    assert "<strong>-16 points</strong>" in html and "<strong>-80.0%</strong>" in html
    assert "Rule: Response: a drop of 50% or more from baseline" in html
    assert "Rule: Remission: latest PHQ-9 below 5" in html
    assert "Rule: Reliable improvement: a drop of 6 points or more from baseline" in html
    assert html.count("<strong>Yes</strong>") >= 3  # response, remission, reliable improvement
    # GAD-7: one score only; PCL-5: none. Each says why.
    assert "Only one GAD-7 so far: a change needs a baseline and a later score." in html
    assert "No completed PCL-5 yet." in html
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.VIEW,
        what=f"course {team.course.pk} outcomes and shared journal entries",
    ).exists()


def test_outcomes_page_says_when_a_percentage_is_undefined(team, as_role):
    phq9_course(team.course, 0, 3)
    html = as_role(Role.PRESCRIBER).get(course_url("outcomes", team.course)).content.decode()
    assert "The baseline is 0, so a percentage is undefined." in html
    # A baseline of 0 is below the PHQ-9's clinical threshold: no response to measure.
    assert "Not applicable: baseline below threshold" in html


def test_the_chart_is_an_image_so_the_csp_holds(team, as_role):
    phq9_course(team.course, 20, 4, later=[(14, 12)])
    response = as_role(Role.THERAPIST).get(course_url("outcomes", team.course))
    html = response.content.decode()
    assert "style-src 'self'" in response["Content-Security-Policy"]
    # No inline script, style attribute or inline <svg> anywhere on the page.
    assert all(' src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert not re.search(r"\sstyle=", html) and "<svg" not in html and "<style" not in html
    (src, alt) = re.search(
        r'<img class="outcome-chart__img" src="([^"]+)" alt="([^"]+)"', html
    ).groups()
    assert src.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(src.split(",", 1)[1]).decode()
    assert svg.lstrip().startswith("<svg") and "<script" not in svg.lower()
    assert "Moderately severe (15–19)" in svg  # severity bands drawn
    assert alt.startswith("PHQ-9 totals over the course: 3 scores, from 20 on")
    assert "shaded severity bands" in alt


def test_outcomes_page_runs_the_same_queries_for_1_or_30_scores(world, staff_client):
    one, many = world.one.courses
    record_score(one, "phq9", 12, purpose="intake")
    start = timezone.now() - timedelta(days=60)
    for day in range(30):
        instrument = "phq9" if day % 2 else "gad7"
        record_score(many, instrument, day % 20, at=start + timedelta(days=day))
    for course, count in ((one, 1), (many, 4)):
        for number in range(count):
            result = services.write_journal_entry(
                course.patient.user, course, f"Entry {number}", share=True
            )
            assert result.entry.is_shared
        MeasureRequest.objects.create(
            course=course,
            instrument="phq9",
            purpose="follow_up",
            timepoint=f"t:{count}",
            label="Four weeks after",
            opens_at=timezone.now() - timedelta(days=10),
            due_at=timezone.now() - timedelta(days=3),
            expires_at=timezone.now() + timedelta(days=4),
        )
    client = staff_client(world.one.staff[Role.THERAPIST])
    client.get(course_url("outcomes", one))  # warm the session and the provider lookup
    counts = []
    for course in (one, many):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(course_url("outcomes", course))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    print(f"\noutcomes page: {counts[0]} queries for 1 and for 30 scores")


# --- The dashboard ---------------------------------------------------------------------------


def complete(course, prescriber, therapist, before, after, *, on=None):
    from kapclinic.demo.builder import clear_course

    record_score(course, "phq9", before, purpose="intake", at=timezone.now() - timedelta(weeks=8))
    record_score(course, "phq9", after)
    clear_course(course, prescriber)
    course.start_treatment(prescriber)
    course.begin_integration(therapist, "Dosing done.")
    services.complete_course(course, therapist, reason="Goals met.", on=on)


def test_dashboard_rates_and_filters(world, staff_client):
    from tests.factories import CourseFactory, PatientFactory

    side = world.one
    prescriber, therapist = (side.staff[r].user for r in (Role.PRESCRIBER, Role.THERAPIST))
    depression, anxiety = side.courses
    anxiety.indication = Indication.ANXIETY
    anxiety.save()
    today = timezone.localdate(timezone=side.clinic.tz)
    long_ago = timezone.now() - timedelta(days=400)
    TreatmentCourse.objects.filter(pk__in=[c.pk for c in side.courses]).update(created_at=long_ago)
    depression.refresh_from_db()
    anxiety.refresh_from_db()
    complete(depression, prescriber, therapist, 20, 4, on=today - timedelta(days=200))
    complete(anxiety, prescriber, therapist, 16, 12, on=today - timedelta(days=10))
    client = staff_client(side.staff[Role.NURSE])
    url = reverse("integration:dashboard")
    html = client.get(url).content.decode()
    assert "2 courses completed" in html
    assert "50.0% <span" in html  # PHQ-9 response and remission: 1 of 2
    assert "-10.0 points" in html
    html = client.get(url, {"indication": "anxiety"}).content.decode()
    assert "1 course completed" in html and "0.0% <span" in html and "for Anxiety" in html
    html = client.get(url, {"period": "90d"}).content.decode()
    assert "1 course completed" in html and "-4.0 points" in html
    custom = {"period": "custom", "start": (today - timedelta(days=365)).isoformat()}
    custom["end"] = (today - timedelta(days=100)).isoformat()
    html = client.get(url, custom).content.decode()
    assert "1 course completed" in html and "-16.0 points" in html
    # Open courses by stage; more courses cost no more queries.
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        CourseFactory(patient=PatientFactory(clinic=side.clinic))
    complete(
        CourseFactory(patient=PatientFactory(clinic=side.clinic)), prescriber, therapist, 18, 9
    )
    with CaptureQueriesContext(connection) as more:
        html = client.get(url).content.decode()
    assert len(few) == len(more)
    assert '<span class="stat__value">3</span><span class="stat__label">Invited</span>' in html


def test_dashboard_lists_overdue_questionnaires_of_the_clinic_only(world, staff_client):
    for side in (world.one, world.two):
        MeasureRequest.objects.create(
            course=side.courses[0],
            instrument="gad7",
            purpose="follow_up",
            timepoint="after:1w",
            label=f"One week after ({side.clinic.name})",
            opens_at=timezone.now() - timedelta(days=10),
            due_at=timezone.now() - timedelta(days=3),
            expires_at=timezone.now() + timedelta(days=4),
        )
    html = staff_client(world.one.staff[Role.THERAPIST]).get(reverse("integration:dashboard"))
    html = html.content.decode()
    assert "One week after (North clinic)" in html and "South clinic" not in html


# --- Completing and discontinuing -----------------------------------------------------------


def test_complete_course_needs_a_reason_then_closes_the_journey(in_integration, as_role):
    course = in_integration.course
    client = as_role(Role.THERAPIST)
    url = course_url("complete", course)
    today = timezone.localdate(timezone=course.clinic.tz)
    refused = client.post(url, {"effective_on": today.isoformat(), "reason": " "})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    future = client.post(
        url, {"effective_on": (today + timedelta(days=2)).isoformat(), "reason": "x"}
    )
    assert "The date cannot be in the future." in future.content.decode()
    course.refresh_from_db()
    assert course.state == CourseState.INTEGRATION and not CourseClosure.objects.exists()

    began = timezone.localdate(course.created_at, course.clinic.tz)  # the clinic's day, not UTC's
    ended = today - timedelta(days=1) if began < today else today
    done = client.post(url, {"effective_on": ended.isoformat(), "reason": "Goals met."})
    assert done.status_code == 302
    course.refresh_from_db()
    assert course.state == CourseState.COMPLETED
    closure = CourseClosure.objects.get(course=course)
    assert (closure.outcome, closure.effective_on, closure.reason) == (
        "completed",
        ended,
        "Goals met.",
    )
    chart = client.get(reverse("clinic:patient-chart", args=[course.patient_id])).content.decode()
    assert "Completed" in chart and "Goals met." in chart
    assert course_url("complete", course) not in chart


@pytest.mark.parametrize("name", ["complete", "discontinue"])
def test_closing_says_which_booked_sessions_it_cancels(in_integration, as_role, name):
    """Walk, F3: completing cancelled a booked integration session and said nothing, on the
    page, in its confirm or after; the patient then read "Nothing booked yet"."""
    course = in_integration.course
    ahead = integration_appointment(course, timezone.now() + timedelta(days=3))
    shown = timezone.localtime(ahead.starts_at, course.clinic.tz)
    client = as_role(Role.THERAPIST)
    page = client.get(course_url(name, course)).content.decode()
    assert "will be cancelled" in page and f"{shown.day} {shown:%b}" in page
    assert f"{shown:%H:%M}</time> — Integration session" in page
    assert "and 1 booked session cancelled" in page  # the confirm
    today = timezone.localdate(timezone=course.clinic.tz)
    done = client.post(
        course_url(name, course),
        {"effective_on": today.isoformat(), "reason": "Done."},
        follow=True,
    )
    assert "1 booked session was cancelled." in done.content.decode()


def test_complete_is_refused_while_in_treatment_and_offers_the_move(in_treatment, as_role):
    client = as_role(Role.THERAPIST)
    page = client.get(course_url("complete", in_treatment.course)).content.decode()
    assert "move it to integration first" in page
    assert course_url("begin-integration", in_treatment.course) in page
    move = course_url("begin-integration", in_treatment.course)
    assert client.post(move, {"reason": "Dosing done."}).status_code == 302
    in_treatment.course.refresh_from_db()
    assert in_treatment.course.state == CourseState.INTEGRATION


def test_discontinue_via_the_form(in_treatment, as_role):
    course = in_treatment.course
    nurse = as_role(Role.NURSE)
    url = course_url("discontinue", course)
    today = timezone.localdate(timezone=course.clinic.tz).isoformat()
    refused = nurse.post(url, {"effective_on": today, "reason": "Moved away."})
    assert "may" in refused.content.decode() and refused.status_code == 200
    course.refresh_from_db()
    assert course.state == CourseState.IN_TREATMENT
    client = as_role(Role.PRESCRIBER)
    assert client.post(url, {"effective_on": today, "reason": ""}).status_code == 200
    assert client.post(url, {"effective_on": today, "reason": "Moved away."}).status_code == 302
    course.refresh_from_db()
    assert course.state == CourseState.DISCONTINUED
    assert CourseClosure.objects.get(course=course).reason == "Moved away."


# --- Privacy and access ----------------------------------------------------------------------


def test_a_private_journal_entry_never_reaches_a_clinician_page(build, team, as_role):
    private = "PRIVATE-MARKER-7f3c9a"
    shared = "SHARED-MARKER-2b81d0"
    session = build()
    services.write_journal_entry(team.patient, team.course, f"{private} my own thoughts")
    services.write_journal_entry(team.patient, team.course, f"{shared} for the team", share=True)
    appointment = integration_appointment(team.course)
    urls = [
        reverse("clinic:caseload"),
        reverse("clinic:patient-chart", args=[team.course.patient_id]),
        reverse("dosing:session", args=[session.appointment_id]),
        reverse("integration:dashboard"),
        course_url("sessions", team.course),
        reverse("integration:book-session", args=[session.pk]),
        note_url(appointment),
        course_url("outcomes", team.course),
        course_url("complete", team.course),
        course_url("discontinue", team.course),
    ]
    for role in (Role.THERAPIST, Role.PRESCRIBER, Role.NURSE, Role.CLINIC_ADMIN):
        client = as_role(role)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert private not in response.content.decode(), (role, url)
    outcomes = as_role(Role.THERAPIST).get(course_url("outcomes", team.course)).content.decode()
    assert shared in outcomes


@pytest.mark.parametrize("name", ["outcomes", "sessions", "complete", "discontinue"])
def test_course_pages_are_for_own_clinic_staff(name, team, world, client, staff_client):
    url = course_url(name, team.course)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(team.patient)
    assert client.get(url).status_code == 403
    other = staff_client(world.two.staff[Role.PRESCRIBER])
    assert other.get(url).status_code == 404
    mine = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    assert mine.get(url).status_code == 200


def test_note_page_is_for_own_clinic_staff(team, world, appointment, client, staff_client):
    url = note_url(appointment)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(team.patient)
    assert client.get(url).status_code == 403
    assert client.post(url, NOTE_POST | {"intent": "save"}).status_code == 403
    other = staff_client(world.two.staff[Role.THERAPIST])
    assert other.get(url).status_code == 404
    assert other.post(url, NOTE_POST | {"intent": "save"}).status_code == 404
    assert not IntegrationNote.objects.exists()
    # A dosing appointment has no integration note page.
    dosing_appointment = integration_appointment(team.course)
    Appointment.objects.filter(pk=dosing_appointment.pk).update(kind=Appointment.Kind.DOSING)
    assert (
        staff_client(world.one.staff[Role.THERAPIST]).get(note_url(dosing_appointment)).status_code
        == 404
    )


def test_the_chart_links_to_phase_three(in_integration, as_role):
    course = in_integration.course
    html = (
        as_role(Role.THERAPIST)
        .get(reverse("clinic:patient-chart", args=[course.patient_id]))
        .content.decode()
    )
    for name in ("outcomes", "complete", "discontinue", "sessions"):
        assert course_url(name, course) in html
    assert f'href="{reverse("integration:dashboard")}"' in html
