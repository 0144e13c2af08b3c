"""Protocol: the clinic's clinical thresholds, validated before they can be saved."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from kapclinic.clinic.models import Protocol

pytestmark = pytest.mark.django_db


def test_defaults_follow_the_reference(world):
    protocol = Protocol.objects.effective_for(world.one.clinic)
    assert protocol.pk is None  # nothing set up yet: the reference defaults
    assert (protocol.hold_systolic_above, protocol.hold_diastolic_above) == (140, 90)
    assert protocol.schedule == [0, 15, 40, 60]
    assert protocol.minimum_observation_minutes == 120
    assert protocol.discharge_aldrete_minimum == 9


def test_a_clinic_default_protocol_replaces_the_reference(world):
    Protocol.objects.create(clinic=world.one.clinic, name="IV", is_default=True, dose_unit="mg/kg")
    assert Protocol.objects.effective_for(world.one.clinic).name == "IV"
    assert Protocol.objects.effective_for(world.two.clinic).pk is None


@pytest.mark.parametrize(
    "minutes, message",
    [
        ("every 15", "whole minutes"),
        ([0, "40"], "whole minutes"),
        ([0, -5], "whole minutes"),
        ([40, 0], "earliest to latest"),
        ([0, 40, 40], "each minute once"),
    ],
)
def test_monitoring_schedule_must_be_ordered_whole_minutes(world, minutes, message):
    protocol = Protocol(clinic=world.one.clinic, name="Bad", monitoring_minutes=minutes)
    with pytest.raises(ValidationError) as error:
        protocol.full_clean()
    assert message in str(error.value.message_dict["monitoring_minutes"])


def test_dose_range_is_ordered_in_the_database(world):
    with pytest.raises(IntegrityError):
        Protocol.objects.create(
            clinic=world.one.clinic, name="Backwards", dose_min_mg=300, dose_max_mg=100
        )


def test_booster_limits_default_to_the_reference(world):
    protocol = Protocol(clinic=world.one.clinic, name="Sublingual")
    assert protocol.booster_limits == "holds"
    assert protocol.max_doses_per_session == 3  # reference §3: two half-doses plus a booster
    assert protocol.max_session_total == 400  # reference §3: sublingual 100–400 mg a session
    assert protocol.min_minutes_between_doses == 20


def test_session_maximum_covers_the_dose_range_in_the_database(world):
    with pytest.raises(IntegrityError):
        Protocol.objects.create(
            clinic=world.one.clinic, name="Short", dose_max_mg=400, max_session_total=300
        )
