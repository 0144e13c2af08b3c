"""Issue 14 finding 7: saving an entry redraws every part of the screen it changes (gate,
override form, hold, alerts, discharge), so nobody has to reload to see what to do next."""

import re
from datetime import timedelta

from django.utils import timezone

from kapclinic.clinic.models import Role
from sessions import services
from sessions.gate_overrides import override_gate
from sessions.models import SessionAlert, VitalSigns
from tests.sessions.test_session_views import (
    HTMX,
    dose_post,
    field_block,
    screen,
    sign_in,
    url,
    vitals_post,
)

OOB = 'hx-swap-oob="true"'


def oob_part(html, element_id):
    """The out-of-band element with this id in an htmx response, or ''."""
    match = re.search(rf'<(\w+) id="{element_id}"[^>]*{OOB}.*?(?=<\w+ id="[\w-]+"[^>]*{OOB}|\Z)',
                      html, re.S)  # fmt: skip
    return match.group(0) if match else ""


def test_saving_a_failing_baseline_shows_the_override_form_at_once(build, staff_client):
    """Finding 7, as reported: the gate turned red but the override form needed a reload."""
    build(vitals=False)
    client = sign_in(staff_client, build, Role.PRESCRIBER)
    response = client.post(
        url("record-vitals", build.session),
        vitals_post(build, minutes=5, systolic=152, diastolic=96),
        headers=HTMX,
    )
    html = response.content.decode()
    form = oob_part(html, "override-form")
    assert form, "the override form is not redrawn"
    assert 'name="override-reason"' in form and "Override and allow dosing" in form
    assert "cannot be overridden" not in form
    assert "Systolic BP 152 mmHg" in oob_part(html, "gate-status")
    assert "Dosing is on hold" in oob_part(html, "dose-hold")


def test_an_override_then_a_worse_reading_brings_the_form_back(ready, staff_client):
    session = ready.session
    ready.vitals(session, ready.start + timedelta(minutes=8), systolic=152, diastolic=96)
    override_gate(session, ready.prescriber, "Benefit outweighs risk.")
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    page = client.get(screen(ready)).content.decode()
    assert "In force" in page and "Systolic BP 152 mmHg is above the limit" in page
    html = client.post(
        url("record-vitals", session),
        vitals_post(ready, minutes=12, systolic=170, diastolic=95),
        headers=HTMX,
    ).content.decode()
    assert 'name="override-reason"' in oob_part(html, "override-form")
    assert "Dosing is on hold" in oob_part(html, "dose-hold")
    assert "In force" not in oob_part(html, "gate-status")


def test_acknowledging_an_alert_redraws_the_gate_and_the_hold(ready, staff_client):
    session = ready.session
    ready.dose()
    ready.vitals(session, ready.dose_at + timedelta(minutes=25), systolic=186, diastolic=95)
    ready.vitals(session, ready.dose_at + timedelta(minutes=30), systolic=130, diastolic=80)
    alert = SessionAlert.objects.get()
    client = sign_in(staff_client, ready, Role.NURSE)
    assert "An alert waits" in client.get(screen(ready)).content.decode()
    html = client.post(
        url("acknowledge-alert", session, alert.pk),
        {f"alert-{alert.pk}-action_taken": "Rechecked after rest: 130/80."},
        headers=HTMX,
    ).content.decode()
    gate = oob_part(html, "gate-status")
    assert "No in-session alert is waiting." in gate
    assert "override-form" in html and "dose-hold" in html


def test_a_booster_refused_then_allowed_through_the_screen(ready, staff_client):
    session = ready.session
    ready.dose()
    ready.vitals(session, ready.dose_at + timedelta(minutes=25), systolic=188, diastolic=104)
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    booster = dose_post(ready, amount_mg="100")
    at = timezone.localtime(ready.dose_at + timedelta(minutes=40), ready.course.clinic.tz)
    booster["dose-given_at"] = at.strftime("%Y-%m-%dT%H:%M")
    html = client.post(url("record-dose", session), booster, headers=HTMX).content.decode()
    assert "An alert waits" in html and session.administrations.count() == 1
    services.acknowledge_alert(SessionAlert.objects.get(), ready.nurse, "GTN given; settled.")
    reading = VitalSigns.objects.latest("taken_at")
    services.mark_entered_in_error(reading, ready.nurse, "Cuff on the wrong arm.")
    # The struck reading counts for nothing: a booster needs a reading since the dose.
    html = client.post(url("record-dose", session), booster, headers=HTMX).content.decode()
    assert "No reading since the dose at" in html and session.administrations.count() == 1
    ready.vitals(session, ready.dose_at + timedelta(minutes=30))
    html = client.post(url("record-dose", session), booster, headers=HTMX).content.decode()
    assert session.administrations.count() == 2, html[:600]
    assert "Booster 1" in oob_part(html, "dose-list")


def test_a_dose_past_the_session_maximum_is_refused_beside_the_amount(ready, staff_client):
    client = sign_in(staff_client, ready, Role.PRESCRIBER)
    response = client.post(url("record-dose", ready.session), dose_post(ready, amount_mg="450"))
    html = response.content.decode()
    amount = field_block(html, "dose-amount_mg")
    assert "maximum of 400 mg a session" in amount and "This dose is 450 mg" in amount
    assert "confirm with a reason" not in html
    assert not ready.session.administrations.exists()
