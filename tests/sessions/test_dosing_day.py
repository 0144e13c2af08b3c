"""Dosing day as a newcomer meets it (issue 18): "My day" tells the session's real state, a
session opens only within the protocol's window, "Weight now" left blank means the recorded
weight, and adverse-event descriptions are shown."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from intake.models import TreatmentPlan
from kapclinic.clinic.models import Appointment, Role, Route
from kapclinic.demo.builder import clear_course
from kapclinic.reports.kinds import KINDS
from sessions import services
from sessions.discharge import discharge
from sessions.models import Administration, DosingError, DosingSession
from tests.factories import AppointmentFactory, signed_protocol

pytestmark = pytest.mark.django_db


# --- "My day" ----------------------------------------------------------------------------------


def day_badge(client, appointment):
    day = timezone.localtime(appointment.starts_at, appointment.course.clinic.tz).date()
    html = client.get(reverse("dosing:day"), {"date": day.isoformat()}).content.decode()
    link = f'href="{reverse("dosing:appointment", args=[appointment.pk])}"'
    (row,) = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if link in row]
    return re.search(r'<span class="badge[^>]*>[^<]*</span>', row).group(0)


def test_my_day_shows_the_sessions_real_state_not_checked_in(ready, staff_client):
    Appointment.objects.filter(pk=ready.appointment.pk).update(
        clinician=ready.world.one.staff[Role.NURSE], status=Appointment.Status.CHECKED_IN
    )
    client = staff_client(ready.world.one.staff[Role.NURSE])
    assert "Session started" in day_badge(client, ready.appointment)
    ready.dose()
    ready.recheck()
    discharge(ready.session, ready.nurse, ready.discharge_data())
    assert "Discharged, to sign" in day_badge(client, ready.appointment)
    services.sign_session(ready.session, ready.prescriber)
    assert ">Signed<" in day_badge(client, ready.appointment)


# --- Opening window ----------------------------------------------------------------------------


def booked_in(build, minutes):
    """A dosing appointment `minutes` from now, for a course cleared with a plan."""
    if not TreatmentPlan.objects.filter(course=build.course).exists():
        clear_course(build.course, build.prescriber)
    start = timezone.now() + timedelta(minutes=minutes)
    return AppointmentFactory(
        course=build.course, starts_at=start, ends_at=start + timedelta(hours=2)
    )


def test_a_session_booked_six_hours_ahead_cannot_be_opened_yet(build):
    appointment = booked_in(build, 6 * 60)
    with pytest.raises(DosingError, match="can be opened from .* 60 minutes before"):
        services.open_session(appointment, build.nurse)
    assert not DosingSession.objects.exists()


def test_a_session_opens_within_the_protocols_window(build):
    appointment = booked_in(build, 55)
    assert services.open_session(appointment, build.nurse).pk


def test_the_window_is_the_clinics_protocol(build):
    signed_protocol(build.course.clinic, session_opens_minutes_before=15)
    appointment = booked_in(build, 30)
    with pytest.raises(DosingError, match="15 minutes before"):
        services.open_session(appointment, build.nurse)
    signed_protocol(build.course.clinic, session_opens_minutes_before=45)
    assert services.open_session(appointment, build.nurse).pk


def test_the_start_page_says_when_the_session_can_be_opened(build, staff_client):
    appointment = booked_in(build, 6 * 60)
    client = staff_client(build.world.one.staff[Role.NURSE])
    url = reverse("dosing:session", args=[appointment.pk])
    page = client.get(url).content.decode()
    assert "can be opened from" in page and "Start session</button>" not in page
    response = client.post(url, follow=True)
    assert "can be opened from" in response.content.decode()
    assert not DosingSession.objects.exists()


# --- Weight now --------------------------------------------------------------------------------


def test_weight_now_blank_without_a_recorded_weight_says_what_to_do(build, staff_client):
    from tests.sessions.test_session_views import dose_post, field_block

    session = build(weight=False)
    client = staff_client(build.world.one.staff[Role.PRESCRIBER])
    html = client.post(
        reverse("dosing:record-dose", args=[session.pk]), dose_post(build)
    ).content.decode()
    assert "cannot be null" not in html
    assert "No weight is recorded for this session" in field_block(html, "dose-weight_kg")
    assert not Administration.objects.exists()


def test_weight_now_blank_uses_the_recorded_weight(ready, staff_client):
    from tests.sessions.test_session_views import dose_post

    client = staff_client(ready.world.one.staff[Role.PRESCRIBER])
    client.post(reverse("dosing:record-dose", args=[ready.session.pk]), dose_post(ready))
    assert Administration.objects.get().weight_kg == Decimal("70.0")


# --- Adverse-event descriptions ----------------------------------------------------------------

DESCRIPTION = "Nauseated <b>after</b> the dose; settled with ondansetron 4 mg."


def record_event(build):
    return build.adverse_event(description=DESCRIPTION)


def test_the_screen_shows_an_adverse_events_description_escaped(ready, staff_client):
    ready.dose()
    record_event(ready)
    client = staff_client(ready.world.one.staff[Role.NURSE])
    html = client.get(reverse("dosing:session", args=[ready.appointment.pk])).content.decode()
    assert "Nauseated &lt;b&gt;after&lt;/b&gt; the dose" in html


def test_the_session_note_pdf_shows_an_adverse_events_description(ready):
    from kapclinic.reports import session_note
    from tests.reports.pdf import pdf_text, squeezed

    ready.dose()
    record_event(ready)
    session = session_note.records().get(pk=ready.session.pk)
    pdf = KINDS["session"].render(session, generated_by="Dr Report Tester, MD").pdf
    assert squeezed("Nauseated <b>after</b> the dose") in squeezed(pdf_text(pdf))


def test_the_fhir_export_carries_an_adverse_events_description(ready):
    from kapclinic.clinic.models import Patient
    from kapclinic.reports.fhir import patient_bundle

    ready.dose()
    record_event(ready)
    patient = Patient.objects.select_related("clinic").get(pk=ready.course.patient_id)
    bundle = patient_bundle(patient)
    (event,) = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "AdverseEvent"
    ]
    assert event["event"]["text"] == f"Nausea: {DESCRIPTION}"


# --- Folded sections ---------------------------------------------------------------------------


def folded_on_screen(client, build):
    html = client.get(reverse("dosing:session", args=[build.appointment.pk])).content.decode()
    sections = re.findall(r'<section id="([a-z-]+)"(.*?)</section>', html, re.S)
    return {key for key, body in sections if 'class="section-fold"' in body}


def test_finished_sections_fold_as_the_session_ends(ready, staff_client):
    client = staff_client(ready.world.one.staff[Role.PRESCRIBER])
    ready.dose()
    ready.recheck()
    assert folded_on_screen(client, ready) == set()  # a booster passes the checks again
    discharge(ready.session, ready.nurse, ready.discharge_data())
    assert folded_on_screen(client, ready) == {"pre-dose", "doses", "monitoring", "observations"}
    services.sign_session(ready.session, ready.prescriber)
    assert folded_on_screen(client, ready) == {
        "pre-dose",
        "doses",
        "monitoring",
        "observations",
        "adverse-events",
        "discharge",
    }


def test_weight_now_other_than_the_recorded_weight_is_refused_beside_it(build):
    """A pound figure typed as kg (154 for a 70 kg patient) passed the 30–300 kg check and
    made 105 mg IV read as 0.68 mg/kg, while the checklist showed 70 kg: 1.5 mg/kg given,
    past the protocol's 1 mg/kg ceiling. Every limit reads the one weight recorded."""
    signed_protocol(build.course.clinic, Route.IV)
    build.plan = {"route": Route.IV, "dose_min_mg": Decimal("0.1"), "dose_max_mg": Decimal("0.75")}
    build()  # weight recorded: 70 kg
    iv = {"route": Route.IV, "infusion_minutes": 40}
    with pytest.raises(ValidationError) as error:
        build.dose(amount_mg=Decimal("105"), weight_kg=Decimal("154"), **iv)
    (message,) = error.value.message_dict["weight_kg"]
    assert "The weight recorded for this session is 70 kg" in message
    assert "record it under Pre-dose checks" in message
    assert not Administration.objects.exists()
    with pytest.raises(ValidationError, match=r"1\.500 mg/kg \(105 mg for 70 kg\), past"):
        build.dose(amount_mg=Decimal("105"), **iv)  # the dose as it really is
    dose = build.dose(amount_mg=Decimal("35"), weight_kg=Decimal("70"), **iv)
    assert dose.weight_kg == Decimal("70.0") and dose.mg_per_kg == Decimal("0.5")


def test_the_weight_cannot_change_once_a_dose_is_given(build):
    """Re-recording 154 kg after a first dose of 52 mg (0.743 mg/kg for 70 kg) let a 50 mg
    booster read as a session total of 0.662 mg/kg: 1.457 mg/kg really, past the protocol's
    1 mg/kg a session. The weight the doses were judged by stays."""
    signed_protocol(build.course.clinic, Route.IV)
    build.plan = {"route": Route.IV, "dose_min_mg": Decimal("0.1"), "dose_max_mg": Decimal("0.75")}
    build()
    build.dose(amount_mg=Decimal("52"), route=Route.IV, infusion_minutes=40)
    with pytest.raises(ValidationError) as error:
        services.record_weight(build.session, build.nurse, Decimal("154"))
    (message,) = error.value.message_dict["weight_kg"]
    assert "The first dose was judged by 70 kg" in message
    build.session.refresh_from_db()
    assert build.session.weight_kg == Decimal("70.0")
