"""The clinician's live session screen: wiring, inline entry, read-only after signing, access."""

import re
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.clinic.models import Appointment, Role
from kapclinic.demo.builder import clear_course, discharge_data, vitals_data
from sessions import services
from sessions.models import (
    Addendum,
    Administration,
    AdverseEvent,
    Discharge,
    DosingSession,
    GateOverride,
    SessionAlert,
    VitalSigns,
)
from tests.factories import AppointmentFactory, signed_protocol

HTMX = {"HX-Request": "true"}


def screen(build):
    return reverse("dosing:session", args=[build.appointment.pk])


def url(name, session, *args):
    return reverse(f"dosing:{name}", args=[session.pk, *args])


def local(moment, build):
    """A datetime-local value in the clinic's time zone, as the browser sends it."""
    return timezone.localtime(moment, build.course.clinic.tz).strftime("%Y-%m-%dT%H:%M")


def sign_in(staff_client, build, role):
    return staff_client(build.world.one.staff[role])


def dose_post(build, **overrides):
    data = {
        "dose-product": "racemic_ketamine",
        "dose-route": "sublingual",
        "dose-amount_mg": "200",
        "dose-lot_number": "LOT-42",
        "dose-lot_expiry": (timezone.localdate() + timedelta(days=365)).isoformat(),
        "dose-given_at": local(build.dose_at, build),
        "dose-given_by": str(build.prescriber.pk),
        "dose-witnessed_by": str(build.nurse.pk),
    }
    data.update({f"dose-{key}": value for key, value in overrides.items()})
    return data


def posted(prefix, values):
    """Form data as a browser posts it: prefixed names, text values, ticked boxes as "on"."""
    return {
        f"{prefix}-{key}": "on" if value is True else str(value) for key, value in values.items()
    }


def vitals_post(build, minutes=20, **values):
    taken_at = local(build.start + timedelta(minutes=minutes), build)
    return posted("vitals", {**vitals_data(taken_at), **values})


def discharge_post(**values):
    return posted("discharge", {**discharge_data(), **values})


def field_block(html, name):
    """The <div> Django renders for one form field: its label, errors and input."""
    match = re.search(rf'<label for="id_{re.escape(name)}".*?name="{re.escape(name)}"', html, re.S)
    assert match, f"no field {name}"
    return match.group(0)


# --- The screen -----------------------------------------------------------------------------


def test_screen_shows_each_gate_item_with_its_reason_and_is_audited(build, staff_client):
    build(companion=False)
    client = sign_in(staff_client, build, Role.NURSE)
    response = client.get(screen(build))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cleared for treatment" in html and "A prescriber cleared this course." in html
    assert "Companion to take the patient home" in html
    assert "No one has confirmed a responsible adult" in html
    assert "Identity confirmed and verbal consent given today" in html
    assert html.count(">Pass<") == 9 and html.count(">Fail<") == 1
    assert "Dosing is on hold" in html
    assert AccessEvent.objects.filter(
        actor=build.nurse, action=AccessEvent.Action.VIEW, what__contains="dosing session screen"
    ).exists()


def test_start_session_from_the_appointment_page(world, staff_client):
    course = world.one.courses[0]
    clear_course(course, world.one.staff[Role.PRESCRIBER].user)
    nurse = world.one.staff[Role.NURSE]
    appointment = AppointmentFactory(course=course, starts_at=timezone.now(), clinician=nurse)
    client = staff_client(nurse)
    page = client.get(reverse("dosing:appointment", args=[appointment.pk])).content.decode()
    assert "Start session" in page
    start = client.get(reverse("dosing:session", args=[appointment.pk]))
    assert start.status_code == 200 and b"Start session" in start.content
    response = client.post(reverse("dosing:session", args=[appointment.pk]))
    assert response.status_code == 302
    session = DosingSession.objects.get(appointment=appointment)
    assert response["Location"] == reverse("dosing:session", args=[appointment.pk])
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED  # opening leaves the status alone
    page = client.get(reverse("dosing:appointment", args=[appointment.pk])).content.decode()
    assert "Open session" in page
    today = timezone.localdate(timezone=course.clinic.tz)
    day = client.get(reverse("dosing:day") + f"?date={today}")
    assert reverse("dosing:session", args=[appointment.pk]) in day.content.decode()
    assert session.opened_by == world.one.staff[Role.NURSE].user


# --- Pre-dose gate and dose ----------------------------------------------------------------


def test_dose_refused_while_a_check_fails_and_the_reason_shows(build, staff_client):
    build(companion=False)
    client = sign_in(staff_client, build, Role.PRESCRIBER)
    response = client.post(url("record-dose", build.session), dose_post(build))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dosing is on hold." in html and "Companion to take the patient home" in html
    assert 'value="LOT-42"' in html  # what was typed is kept
    assert not Administration.objects.exists()


def test_prescriber_override_lets_the_dose_through_but_a_nurse_cannot_override(build, staff_client):
    build(companion=False)
    nurse = sign_in(staff_client, build, Role.NURSE)
    refused = nurse.post(url("override-gate", build.session), {"override-reason": "Driver late."})
    assert refused.status_code == 200
    assert "Only a prescriber of this clinic may override" in refused.content.decode()
    assert not GateOverride.objects.exists()

    prescriber = sign_in(staff_client, build, Role.PRESCRIBER)
    done = prescriber.post(
        url("override-gate", build.session), {"override-reason": "Partner collects at 4pm."}
    )
    assert done.status_code == 302 and done["Location"].endswith("#pre-dose")
    override = GateOverride.objects.get()
    assert override.by == build.prescriber and override.failed_keys == {"companion"}
    response = prescriber.post(url("record-dose", build.session), dose_post(build))
    assert response.status_code == 302 and response["Location"].endswith("#doses")
    dose = Administration.objects.get()
    assert dose.given_by == build.prescriber and dose.witnessed_by == build.nurse
    html = prescriber.get(screen(build)).content.decode()
    assert "Partner collects at 4pm." in html and "2.857" in html  # 200 mg / 70 kg


def test_dose_outside_the_plan_needs_a_reason_beside_the_field(build, staff_client):
    signed_protocol(build.course.clinic, max_session_total=600)
    ready = build
    build()
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    response = client.post(url("record-dose", ready.session), dose_post(ready, amount_mg="500"))
    block = field_block(response.content.decode(), "dose-out_of_range_reason")
    assert "500 mg, above the plan" in block and "confirm with a reason" in block
    assert not Administration.objects.exists()
    data = dose_post(ready, amount_mg="500", out_of_range_reason="Tolerance; agreed plan.")
    assert client.post(url("record-dose", ready.session), data).status_code == 302
    assert Administration.objects.get().out_of_range_reason == "Tolerance; agreed plan."


def test_a_booster_is_a_further_administration(ready, staff_client):
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    client.post(url("record-dose", ready.session), dose_post(ready))
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=25))
    booster = dose_post(ready, amount_mg="100")
    booster["dose-given_at"] = local(ready.dose_at + timedelta(minutes=30), ready)
    assert client.post(url("record-dose", ready.session), booster).status_code == 302
    assert Administration.objects.count() == 2
    assert "Booster 1" in client.get(screen(ready)).content.decode()


def test_dose_amount_and_weight_must_be_positive_and_plausible(ready, staff_client):
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    html = client.post(
        url("record-dose", ready.session), dose_post(ready, amount_mg="-5", weight_kg="700")
    ).content.decode()
    assert "Amount: enter a number of at least 0.1 mg" in field_block(html, "dose-amount_mg")
    assert "Weight now: enter a number from 30 to 300 kg" in field_block(html, "dose-weight_kg")
    assert not Administration.objects.exists()


# --- Vitals -------------------------------------------------------------------------------


def test_vitals_outside_physiological_ranges_are_refused_beside_the_field(ready, staff_client):
    client = sign_in(staff_client, ready, Role.NURSE)
    before = VitalSigns.objects.count()
    data = vitals_post(ready, systolic=400, spo2=101)
    data["vitals-taken_at"] = local(ready.start - timedelta(minutes=30), ready)
    html = client.post(url("record-vitals", ready.session), data).content.decode()
    assert "Systolic BP: enter a number from 50 to 300 mmHg" in field_block(html, "vitals-systolic")
    assert "SpO2: enter a number from 50 to 100%" in field_block(html, "vitals-spo2")
    assert 'value="400"' in html  # kept as typed
    assert VitalSigns.objects.count() == before
    # Once the values are plausible, the time is checked against the session's start.
    data = vitals_post(ready)
    data["vitals-taken_at"] = local(ready.start - timedelta(minutes=30), ready)
    html = client.post(url("record-vitals", ready.session), data).content.decode()
    assert "before the session started" in field_block(html, "vitals-taken_at")
    assert VitalSigns.objects.count() == before


def test_htmx_entry_returns_only_its_fragment_with_out_of_band_updates(ready, staff_client):
    client = sign_in(staff_client, ready, Role.NURSE)
    response = client.post(url("record-vitals", ready.session), vitals_post(ready), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "site-header" not in html
    assert html.lstrip().startswith('<div id="vitals-form">')
    assert 'id="vitals-record" class="stack" hx-swap-oob="true"' in html
    assert 'id="monitoring-status"' in html and 'id="gate-status"' in html
    assert 'name="vitals-systolic"' in html and 'value="120"' not in html  # a fresh form

    refused = client.post(
        url("record-vitals", ready.session), vitals_post(ready, systolic=400), headers=HTMX
    )
    html = refused.content.decode()
    assert refused.status_code == 200 and "<html" not in html and "hx-swap-oob" not in html
    assert "Systolic BP: enter a number from 50 to 300 mmHg" in field_block(html, "vitals-systolic")


def test_out_of_limit_reading_is_highlighted_raises_an_alert_then_is_acknowledged(
    ready, staff_client
):
    client = sign_in(staff_client, ready, Role.NURSE)
    ready.dose()
    response = client.post(
        url("record-vitals", ready.session),
        vitals_post(ready, minutes=55, systolic=190, diastolic=95),
        headers=HTMX,
    )
    alert = SessionAlert.objects.get()
    assert "Systolic BP 190 mmHg is above the limit of 180 mmHg" in alert.message
    assert 'hx-swap-oob="beforeend:#open-alerts"' in response.content.decode()
    html = client.get(screen(ready)).content.decode()
    assert "vitals-row--alert" in html and "vitals-cell--alert" in html
    assert "(above alert limit: Systolic BP 190 mmHg" in html
    assert f'id="alert-{alert.pk}"' in html and "Open alert" in html

    ack = client.post(
        url("acknowledge-alert", ready.session, alert.pk),
        {f"alert-{alert.pk}-action_taken": "Rechecked after 5 min; prescriber informed."},
        headers=HTMX,
    )
    assert ack.status_code == 200 and "Acknowledged" in ack.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == ready.nurse and not alert.is_open


def test_two_clinicians_entering_vitals_at_once_both_keep_their_reading(
    ready, staff_client, second_client, enrol_mfa
):
    first = sign_in(staff_client, ready, Role.NURSE)
    enrol_mfa(ready.prescriber)
    second_client.force_login(ready.prescriber)
    before = VitalSigns.objects.count()
    first.post(url("record-vitals", ready.session), vitals_post(ready, minutes=30, systolic=130))
    second_client.post(
        url("record-vitals", ready.session), vitals_post(ready, minutes=30, systolic=131)
    )
    rows = VitalSigns.objects.filter(session=ready.session).order_by("pk")[before:]
    assert [(r.systolic, r.recorded_by) for r in rows] == [
        (130, ready.nurse),
        (131, ready.prescriber),
    ]


def test_next_reading_is_shown_with_its_due_time_for_the_timer(ready, staff_client):
    ready.dose(given_at=timezone.now() - timedelta(minutes=5))
    client = sign_in(staff_client, ready, Role.NURSE)
    html = client.get(screen(ready)).content.decode()
    assert "session-timer.js" in html
    assert re.search(r'data-due-at="\d{4}-\d\d-\d\dT[^"]+">due in 10 min<', html)
    assert "15 min after: upcoming" in html


def test_overdue_readings_are_shown_as_a_warning(ready, staff_client):
    ready.dose()  # +15, +40 and +60 were due long ago in this session
    client = sign_in(staff_client, ready, Role.NURSE)
    html = client.get(screen(ready)).content.decode()
    assert '<span class="badge badge--warning">Overdue</span> 15 min after' in html


def test_observation_and_adverse_event_are_recorded(ready, staff_client):
    client = sign_in(staff_client, ready, Role.THERAPIST)
    response = client.post(
        url("record-observation", ready.session),
        {
            "observation-moaas": "4",
            "observation-dissociation": "mild",
            "observation-therapist_present": "on",
            "observation-support_notes": "Guided breathing.",
        },
        headers=HTMX,
    )
    assert response.status_code == 200 and 'id="observation-list"' in response.content.decode()
    mild_at_40 = {
        "event-onset_at": local(ready.start + timedelta(minutes=40), ready),
        "event-severity": "mild",
        "event-outcome": "resolved",
    }
    other = client.post(
        url("record-adverse-event", ready.session),
        {**mild_at_40, "event-kind": "other", "event-relatedness": "possible"},
    )
    assert "Describe the event" in field_block(other.content.decode(), "event-description")
    nausea = {"event-kind": "nausea", "event-intervention": "Ondansetron 4 mg"}
    client.post(
        url("record-adverse-event", ready.session),
        {**mild_at_40, **nausea, "event-relatedness": "probable"},
    )
    assert AdverseEvent.objects.get().intervention == "Ondansetron 4 mg"
    html = client.get(screen(ready)).content.decode()
    assert "Guided breathing." in html and "Ondansetron 4 mg" in html


# --- Discharge, signing, addenda ------------------------------------------------------------


def test_discharge_refused_until_the_criteria_hold_then_allowed(ready, staff_client):
    ready.dose()
    ready.recheck()
    client = sign_in(staff_client, ready, Role.NURSE)
    refused = client.post(
        url("discharge", ready.session),
        discharge_post(activity=1, consciousness=1, companion_present=""),
    )
    html = refused.content.decode()
    assert "Not ready for discharge." in html and "Total 8 of 10" in html
    assert "Modified Aldrete total: <output data-aldrete-total>8</output>" in html
    assert not Discharge.objects.exists()

    done = client.post(url("discharge", ready.session), discharge_post(), headers=HTMX)
    assert done.status_code == 200 and done["HX-Retarget"] == "#session-screen"
    assert Discharge.objects.get().total == 10
    html = client.get(screen(ready)).content.decode()
    assert "10 of 10" in html
    assert url("record-vitals", ready.session) not in html  # closed for dosing and vitals


def test_signing_makes_the_screen_read_only_and_completes_the_appointment(ready, staff_client):
    ready.dose()
    ready.recheck()
    services.discharge(ready.session, ready.nurse, ready.discharge_data())
    nurse = sign_in(staff_client, ready, Role.NURSE)
    refused = nurse.post(url("sign-session", ready.session), {})
    assert "Only a prescriber of this clinic may sign" in refused.content.decode()

    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    assert client.post(url("sign-session", ready.session), {}).status_code == 302
    ready.session.refresh_from_db()
    assert ready.session.is_signed
    ready.appointment.refresh_from_db()
    assert ready.appointment.status == Appointment.Status.COMPLETED

    html = client.get(screen(ready)).content.decode()
    assert "Signed by" in html and str(ready.prescriber) in html
    forms = set(re.findall(r'<form method="post" action="([^"]+)"', html))
    assert forms - {reverse("account_logout")} == {url("add-addendum", ready.session)}
    # The model refuses whatever a stale form still posts.
    late = client.post(url("record-vitals", ready.session), vitals_post(ready, minutes=170))
    assert "add an addendum instead" in late.content.decode()
    event = client.post(url("record-adverse-event", ready.session), {})
    assert not AdverseEvent.objects.exists() and event.status_code == 200

    response = client.post(
        url("add-addendum", ready.session),
        {"addendum-text": "Lot number corrected: LOT-43."},
        headers=HTMX,
    )
    assert response.status_code == 200
    addendum = Addendum.objects.get()
    assert addendum.author == ready.prescriber
    html = client.get(screen(ready)).content.decode()
    written = timezone.localtime(addendum.written_at, ready.course.clinic.tz)
    assert "Lot number corrected: LOT-43." in html
    assert written.strftime("%-d %b %Y, %H:%M") in html


# --- Access -------------------------------------------------------------------------------

POSTS = (
    "record-weight",
    "confirm-companion",
    "override-gate",
    "record-dose",
    "record-vitals",
    "record-observation",
    "record-adverse-event",
    "discharge",
    "sign-session",
    "add-addendum",
)


def every_post_url(build):
    alert = SessionAlert.objects.create(session=build.session, message="Test alert.")
    urls = [url(name, build.session) for name in POSTS]
    return [*urls, url("acknowledge-alert", build.session, alert.pk)]


def test_another_clinics_staff_get_404_on_the_screen_and_every_post(ready, staff_client, world):
    client = staff_client(world.two.staff[Role.PRESCRIBER])
    assert client.get(screen(ready)).status_code == 404
    assert client.post(screen(ready)).status_code == 404
    for target in every_post_url(ready):
        assert client.post(target, {"addendum-text": "x"}).status_code == 404, target
    assert VitalSigns.objects.count() == 1 and not Addendum.objects.exists()


def test_patients_are_refused_and_anonymous_users_sent_to_sign_in(ready, client):
    client.force_login(ready.patient)
    assert client.get(screen(ready)).status_code == 403
    for target in every_post_url(ready):
        assert client.post(target).status_code == 403, target
    client.logout()
    response = client.get(screen(ready))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert client.post(url("record-vitals", ready.session)).status_code == 302


# --- Query counts ---------------------------------------------------------------------------


def test_screen_query_count_does_not_grow_with_the_record(ready, staff_client):
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    ready.dose()

    def count():
        # A request first: building the record below can take over a minute on a loaded
        # machine, and the once-a-minute refresh of the session row and of the signed-in
        # principal (session_store.py, principal.py) is not the page's own cost.
        assert client.get(screen(ready)).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(screen(ready)).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=25))  # before the booster
    ready.dose(amount_mg="50", given_at=ready.dose_at + timedelta(minutes=30))
    for minute in range(30, 120, 5):
        ready.vitals(ready.session, ready.dose_at + timedelta(minutes=minute), systolic=185)
    for minute in (20, 40, 60):
        services.record_observation(
            ready.session,
            ready.nurse,
            {
                "observed_at": ready.dose_at + timedelta(minutes=minute),
                "moaas": 3,
                "dissociation": "moderate",
            },
        )
        ready.adverse_event(minutes=minute)
    services.add_addendum(ready.session, ready.nurse, "Late entry.")
    assert VitalSigns.objects.filter(session=ready.session).count() == 20
    assert count() == small
    print(f"session screen queries: {small}")


def test_chart_timeline_shows_each_session_with_dose_and_peak_bp(ready, staff_client, world):
    ready.dose()
    ready.vitals(ready.session, ready.dose_at + timedelta(minutes=40), systolic=165, diastolic=98)
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    chart = reverse("clinic:patient-chart", args=[ready.course.patient_id])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(chart)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    small, html = count()
    assert "Dosing session: 200 mg (2.857 mg/kg)" in html
    assert "Peak BP 165/98" in html and "No adverse events" in html
    assert screen(ready) in html

    for offset in (2, 3, 4):
        appointment = AppointmentFactory(
            course=ready.course,
            starts_at=timezone.now() - timedelta(days=offset),
            ends_at=timezone.now() - timedelta(days=offset) + timedelta(hours=3),
        )
        session = services.open_session(appointment, ready.nurse)
        ready.vitals(session, session.started_at + timedelta(minutes=1))
    larger, html = count()
    assert html.count("Dosing session: ") >= 4
    assert larger == small


def test_every_inline_entry_answers_htmx_with_its_own_fragment(build, staff_client):
    build(companion=False, weight=False)
    client = sign_in(staff_client, build, Role.PRESCRIBER)
    session = build.session

    def post(name, data, *args):
        response = client.post(url(name, session, *args), data, headers=HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html and "errorlist" not in html, html[:800]
        return html.lstrip()

    assert post("record-weight", {"weight-weight_kg": "71.5"}).startswith('<div id="weight-form"')
    html = post("confirm-companion", {"companion-confirmed": "on"})
    assert "confirmed by staff" in html and 'id="gate-status"' in html
    assert post("record-dose", dose_post(build)).startswith('<div id="dose-form"')
    build.recheck()  # discharge needs a reading since the dose
    html = post(
        "record-observation", {"observation-moaas": "2", "observation-dissociation": "moderate"}
    )
    assert 'hx-swap-oob="beforeend:#open-alerts"' in html and "MOAA/S 2" in html
    alert = SessionAlert.objects.get()
    html = post("acknowledge-alert", {f"alert-{alert.pk}-action_taken": "Roused."}, alert.pk)
    assert html.startswith(f'<li id="alert-{alert.pk}"') and 'id="discharge-preview"' in html
    assert post("discharge", discharge_post()).lstrip().startswith('<div id="session-screen"')
    html = post("sign-session", {})
    assert "Signed by" in html and 'id="session-screen"' in html
    assert post("add-addendum", {"addendum-text": "Noted."}).startswith('<div id="addendum-form"')
    assert Administration.objects.get().weight_kg == Decimal("71.5")
