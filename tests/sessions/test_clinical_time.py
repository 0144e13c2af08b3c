"""Clinical time is sane everywhere (issue 14, finding 5): never later than now, never before
the session started, whichever service writes it; the reason stands beside the field."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kapclinic.clinic.models import Role
from sessions import services

pytestmark = pytest.mark.django_db

NORMAL = {"systolic": 120, "diastolic": 80, "heart_rate": 72, "spo2": 98}
EVENT = {"kind": "nausea", "severity": "mild", "outcome": "resolved", "relatedness": "probable"}


def in_future(minutes=40):
    return timezone.now() + timedelta(minutes=minutes)


def write(kind, ready, when):
    """Write one entry of `kind` timed `when` through its service."""
    session, nurse = ready.session, ready.nurse
    if kind == "vitals":
        return "taken_at", lambda: services.record_vitals(
            session, nurse, {**NORMAL, "taken_at": when}
        )
    if kind == "dose":
        return "given_at", lambda: ready.dose(given_at=when)
    if kind == "observation":
        return "observed_at", lambda: services.record_observation(
            session, nurse, {"moaas": 5, "dissociation": "none", "observed_at": when}
        )
    if kind == "adverse event":
        return "onset_at", lambda: services.record_adverse_event(
            session, nurse, {**EVENT, "onset_at": when}
        )
    if kind == "discharge":
        ready.dose()
        return "discharged_at", lambda: services.discharge(
            session, nurse, ready.discharge_data(discharged_at=when)
        )
    raise AssertionError(kind)


KINDS = ["vitals", "dose", "observation", "adverse event", "discharge"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("when", ["in 40 minutes", "tomorrow"])
def test_a_future_time_is_refused_for_every_kind_of_entry(ready, kind, when):
    moment = in_future(40) if when == "in 40 minutes" else in_future(24 * 60)
    field, save = write(kind, ready, moment)
    with pytest.raises(ValidationError) as error:
        save()
    assert "later than now" in error.value.message_dict[field][0]


@pytest.mark.parametrize("kind", KINDS)
def test_a_time_before_the_session_started_is_refused_for_every_kind_of_entry(ready, kind):
    field, save = write(kind, ready, ready.start - timedelta(minutes=10))
    with pytest.raises(ValidationError) as error:
        save()
    assert "before the session started" in error.value.message_dict[field][0]


def test_a_minute_of_clock_skew_is_tolerated_and_its_allowance_is_a_setting(ready):
    reading = services.record_vitals(
        ready.session, ready.nurse, {**NORMAL, "taken_at": in_future(1)}
    )
    assert reading.pk
    with override_settings(KAP_CLOCK_SKEW_MINUTES=0), pytest.raises(ValidationError):
        services.record_vitals(ready.session, ready.nurse, {**NORMAL, "taken_at": in_future(1)})


def test_a_check_in_meal_time_a_few_minutes_ahead_is_refused(build):
    build(checked_in=False)
    with pytest.raises(ValidationError) as error:
        services.save_check_in(build.appointment, build.patient, {"last_food_at": in_future(4)})
    assert "later than now" in error.value.message_dict["last_food_at"][0]


def test_the_screen_says_why_beside_the_time(ready, staff_client):
    client = staff_client(ready.world.one.staff[Role.NURSE])
    local = timezone.localtime(in_future(40), ready.course.clinic.tz)
    data = {f"vitals-{key}": str(value) for key, value in NORMAL.items()}
    data["vitals-taken_at"] = local.strftime("%Y-%m-%dT%H:%M")
    url = reverse("dosing:record-vitals", args=[ready.session.pk])
    html = client.post(url, data).content.decode()
    block = html[html.index('for="id_vitals-taken_at"') :][:1500]
    assert "later than now" in block
