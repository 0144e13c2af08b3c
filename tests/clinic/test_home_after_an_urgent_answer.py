"""After an urgent answer the patient is told at once that a clinician will contact them; once
the intake is sent, home said only "A clinician will review it, usually within a few working
days" (walk of 7 Dec 2026, patient on a phone). While a suicide-risk flag is open, home keeps
the promise of a call and the crisis numbers in view."""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import CourseState, SafetyFlag

pytestmark = pytest.mark.django_db

HOME = "clinic:my-journey"
CALL = "a clinician will contact you"


@pytest.fixture
def patient(world, client):
    course = world.one.courses[0]
    course.state = CourseState.INTAKE_SUBMITTED
    course.save(update_fields=["state"])
    client.force_login(course.patient.user)
    return course


def test_home_keeps_the_promise_of_a_call_while_a_suicide_risk_flag_is_open(patient, client):
    assert CALL not in client.get(reverse(HOME)).text
    flag, _ = SafetyFlag.raise_for(
        patient,
        source="Intake PHQ-9",
        reason="Item 9 above 0.",
        by=patient.patient.user,
        kind=SafetyFlag.Kind.SUICIDE_RISK,
    )
    html = client.get(reverse(HOME)).text
    assert CALL in html and "You do not have to face this alone" in html
    assert "within a few working days" in html  # the intake's own step still shows


def test_another_kind_of_flag_does_not_speak_of_a_call(patient, client):
    SafetyFlag.raise_for(
        patient,
        source="Check-in",
        reason="Pregnancy reported.",
        by=None,
        kind=SafetyFlag.Kind.OTHER,
    )
    assert CALL not in client.get(reverse(HOME)).text


def test_home_shows_the_crisis_box_as_a_landmark_not_an_alert_on_every_visit(patient, client):
    """role="alert" is announced each time the page loads: right after the urgent answer that
    is the point, but on home it would interrupt every visit until the flag is resolved. Home
    shows the box as a labelled region a screen reader can find; the answer pages still alert."""
    SafetyFlag.raise_for(
        patient,
        source="Intake PHQ-9",
        reason="Item 9 above 0.",
        by=patient.patient.user,
        kind=SafetyFlag.Kind.SUICIDE_RISK,
    )
    html = client.get(reverse(HOME)).text
    start = html.index('class="alert alert--danger"')
    box = html[start : html.index(">", start)]
    assert 'role="region"' in box and 'aria-labelledby="crisis-title"' in box
    assert 'role="alert"' not in box
    assert 'id="crisis-title"' in html
    assert "standing" not in html  # the template's comment stays a comment
