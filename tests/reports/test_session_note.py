"""The dosing session note: content, chart, escaping, empty parts, access, audit, queries."""

import getpass
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Patient, Role
from kapclinic.demo.builder import Team, dosing_session, start_course
from kapclinic.reports import session_note
from kapclinic.reports.kinds import KINDS
from sessions import services
from sessions.models import DosingSession

from .access import downloaded_pdf, the_export
from .once import built_once
from .pdf import embedded_files, fonts_used, pdf_pages, pdf_text, reader, squeezed
from .queries import context_queries

pytestmark = pytest.mark.django_db


def render(session, **kwargs):
    return KINDS["session"].render(session, generated_by="Dr Report Tester, MD", **kwargs).pdf


def session_start(days_ago=1):
    return (timezone.now() - timedelta(days=days_ago)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )


@pytest.fixture(scope="module")
def note(django_db_setup, django_db_blocker):
    """Two clinics, a signed dosing session of clinic one's first course and its note as
    rendered: built once for the module."""
    with built_once(django_db_blocker) as world:
        team = Team.of(world.one)
        start_course(team)
        session = dosing_session(team, session_start())
        yield SimpleNamespace(world=world, session=session, pdf=render(session))


@pytest.fixture
def signed(note):
    return note.session


# --- Content ---------------------------------------------------------------------------------


def has(text, *phrases):
    """Every phrase is in the text, whatever line wrapping the PDF put inside it."""
    text = squeezed(text)
    missing = [phrase for phrase in phrases if squeezed(phrase) not in text]
    assert not missing, f"missing: {missing}"
    return True


def test_note_has_gate_doses_vitals_observations_events_discharge_signature_addenda(signed, note):
    pages = pdf_pages(note.pdf)
    text = "\n".join(pages)
    has(text, "Dosing session note", signed.course.patient.legal_name, "15 Jun 1985")
    # Pre-dose gate, its failing check and the prescriber's override with the reason.
    has(
        text,
        "Pre-dose checks",
        "Pass Cleared for treatment",
        "judged as it stood at the first dose",
    )
    has(text, "Fail Companion to take the patient home", "Override", "taxi booked as back-up")
    # Identity and verbal consent on the day, recorded before the first dose (reference §4.1).
    has(text, "Pass Identity confirmed and verbal consent given today", "before the first dose")
    has(text, "Identity and verbal consent: Full name and Date of birth checked by")
    # Doses with mg/kg (200 and 50 mg at 72.5 kg), lots and expiry; the session total.
    has(text, "First dose", "Booster 1", "2.759", "0.690", "LOT-A1234", "LOT-B0", "exp.")
    has(text, "Session total: 250 mg (3.449 mg/kg)")
    # Vitals table, alert marks and acknowledgements, the chart's labels and description.
    has(text, "Vital signs", "184 !", "Alerts", "Rechecked after 5 min: 162/92")
    has(text, "minutes since the first dose", "7 reading(s) from minute -10 to minute 120")
    has(text, "Scheduled readings", "40 min after: Taken")
    # Observations, adverse events, discharge, signature and addenda.
    has(text, "4 — lethargic response", "Moderate", "Felt like floating above the chair")
    has(text, "Nausea", "Ondansetron 4 mg", "Brief tingling in both hands", "Probable")
    has(text, "9 of 10", "Companion present Yes", "Electronically signed by")
    has(text, "Late entry: patient phoned at 20:00")
    assert pages[-1].rstrip().endswith(f"Page {len(pages)} of {len(pages)}")


def test_chart_is_drawn_from_the_session_screens_geometry(signed, note):
    from sessions.charts import vitals_chart

    readings = list(signed.vitals.all())
    chart = vitals_chart(readings, signed.thresholds, signed.first_dose_at)
    text = squeezed(pdf_text(note.pdf))
    for tick in chart.x_ticks + chart.y_ticks:
        assert squeezed(tick.label) in text
    assert squeezed(chart.description) in text


def test_every_page_has_the_running_header_footer_and_page_x_of_y(signed, note):
    pages = pdf_pages(note.pdf)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert signed.course.patient.legal_name in page and "born 15 Jun 1985" in page
        assert "Confidential" in page and "by Dr Report Tester, MD" in page


def test_pdf_metadata_names_the_note_and_the_clinic(signed, note):
    metadata = reader(note.pdf).metadata
    day = timezone.localtime(signed.started_at, signed.course.clinic.tz).strftime("%-d %b %Y")
    assert metadata.title == f"Dosing session note: {signed.course.patient.legal_name}, {day}"
    assert metadata.author == signed.course.clinic.name


@pytest.mark.parametrize(("size", "points"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_page_size_follows_the_setting(settings, signed, size, points):
    settings.REPORT_PAGE_SIZE = size
    page = reader(render(signed)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == points


# --- Hostile text, empty parts and query counts ------------------------------------------------

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/hostname">',
    "<script>alert('x')</script>",
    '<svg onload="alert(1)"><image href="file:///etc/passwd"/></svg>',
]


def test_hostile_free_text_prints_literally_and_fetches_nothing(world, listener):
    leak = f'<img src="{listener.url}leak.png">'
    fields = [
        "override",
        "new_medications",
        "support_notes",
        "dissociation_notes",
        "event_description",
        "intervention",
        "alert_action",
        "addendum",
    ]
    texts = {
        name: f"{HOSTILE[index % len(HOSTILE)]} {leak} [{name}]"
        for index, name in enumerate(fields)
    }
    team = Team.of(world.one, texts=texts)
    start_course(team)
    pdf = render(dosing_session(team, session_start()))
    text = squeezed(pdf_text(pdf))
    for value in texts.values():
        assert squeezed(value) in text
    assert listener.connections == []
    assert embedded_files(pdf) == []
    assert b"root:x:0:0" not in pdf and b"/JavaScript" not in pdf


def test_long_and_non_latin_clinical_text_wraps_and_uses_real_fonts(world):
    # Support notes up to their limit (8,000 characters): several pages of note.
    support = "أريد أن أشعر بالسلام 我希望重新找到平静 🌿 " + "Sat quietly with the patient. " * 260
    texts = {"support_notes": support, "addendum": "z" * 1500}  # one unbroken 1,500-char word
    team = Team.of(world.one, texts=texts)
    start_course(team)
    pdf = render(dosing_session(team, session_start()))
    pages = pdf_pages(pdf)
    text = squeezed("\n".join(pages))
    assert squeezed("أريد أن أشعر بالسلام 我希望重新找到平静 🌿") in text
    assert text.count(squeezed("Sat quietly with the patient.")) >= 260
    assert "z" * 200 in text  # the unbroken word is wrapped, not cut off
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    fonts = " ".join(fonts_used(pdf))
    assert "Arabic" in fonts and "CJK" in fonts and "Emoji" in fonts


def test_an_open_session_with_nothing_recorded_renders_cleanly(team):
    start_course(team)
    # Half an hour ago, whatever the time of day: the protocol opens a session only from an
    # hour before its start, so "today at 09:30" was refused before 08:30 UTC.
    appointment_start = timezone.now() - timedelta(minutes=30)
    from tests.factories import AppointmentFactory

    appointment = AppointmentFactory(
        course=team.course,
        starts_at=appointment_start,
        ends_at=appointment_start + timedelta(hours=3),
    )
    session = services.open_session(appointment, team.nurse)
    Patient.objects.filter(pk=team.course.patient_id).update(date_of_birth=None)
    session = session_note.records().get(pk=session.pk)
    text = pdf_text(render(session))
    assert "born (not recorded)" in text
    assert "Not signed." in text and "The session is still open" in text
    assert "The patient did not check in." in text
    assert "No pre-dose check was overridden." in text
    assert "No dose was given." in text
    assert "No vitals recorded." in text and "minutes since" not in text
    assert "No observations recorded." in text
    assert "No adverse events recorded." in text
    assert "No discharge recorded." in text
    assert "No addenda." in text
    assert "Weight Not recorded" in text


def test_context_takes_the_same_queries_for_one_or_many_vitals(world):
    small, large = Team.of(world.one, 0), Team.of(world.one, 1)
    start_course(small)
    start_course(large)
    # A reading before the +30 min booster, within the holds it is judged by.
    one = dosing_session(small, session_start(2), vitals=((20, 130),))
    many = dosing_session(
        large, session_start(1), vitals=tuple((m, 120 + m % 20) for m in range(5, 125, 5))
    )
    assert (one.vitals.count(), many.vitals.count()) == (3, 25)  # + the recheck after the booster
    assert context_queries(session_note, one) == context_queries(session_note, many)


# --- Download: access, wiring, audit and the command ---------------------------------------------


def url(session):
    return reverse("reports:session-note", args=[session.pk])


def test_clinician_downloads_the_note_and_the_copy_is_audited(note, signed, sign_in):
    nurse = note.world.one.staff[Role.NURSE]
    pdf = downloaded_pdf(sign_in(nurse).get(url(signed)), f"session-note-{signed.pk}.pdf")
    assert f"by {nurse}" in pdf_text(pdf)
    the_export(nurse.user, signed.course.patient_id, "dosing session note report (download)")


def test_another_clinic_gets_404_and_the_attempt_is_logged(note, signed, sign_in):
    outsider = note.world.two.staff[Role.PRESCRIBER]
    assert sign_in(outsider).get(url(signed)).status_code == 404
    assert AccessEvent.objects.filter(
        actor=outsider.user, action=AccessEvent.Action.DENIED, patient=signed.course.patient
    ).exists()
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_patient_is_refused_and_anonymous_sent_to_login(client, signed):
    client.force_login(signed.course.patient.user)
    assert client.get(url(signed)).status_code == 403
    client.logout()
    response = client.get(url(signed))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).exists()


def test_session_screen_links_to_the_note(note, signed, sign_in):
    staff = sign_in(note.world.one.staff[Role.PRESCRIBER])
    page = staff.get(reverse("dosing:session", args=[signed.appointment_id])).content.decode()
    assert url(signed) in page and "Download session note (PDF)" in page
    assert staff.get(reverse("reports:session-note", args=[999999])).status_code == 404


def test_command_writes_the_note_and_audits_it(signed, tmp_path):
    target = tmp_path / "note.pdf"
    out = io.StringIO()
    call_command(
        "render_report", "--kind", "session", "--id", str(signed.pk), "--output", str(target),
        stdout=out,
    )  # fmt: skip
    assert f"Wrote {target}" in out.getvalue()
    text = pdf_text(target.read_bytes())
    assert "Dosing session note" in text and "LOT-A1234" in text
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert event.actor_label == f"command line ({getpass.getuser()})"
    assert event.what == "dosing session note report (command line)"
    assert event.patient_id == DosingSession.objects.get(pk=signed.pk).course.patient_id
