"""Protocol: the clinic's clinical thresholds, validated before they can be saved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kapclinic.clinic.models import DoseUnit, Product, Protocol, Role, Route
from kapclinic.clinic.protocol_signing import sign_off
from tests.factories import PASSWORD, ClinicFactory, ProviderFactory, signed_protocol

from .protocol_checks import refusal_beside

pytestmark = pytest.mark.django_db


def test_reference_values_are_a_starting_point_not_a_protocol_in_force(world):
    protocol = Protocol.from_reference(world.one.clinic)
    assert protocol.pk is None and not protocol.is_in_force
    assert (protocol.hold_systolic_above, protocol.hold_diastolic_above) == (140, 90)
    assert protocol.schedule == [0, 15, 40, 60]
    assert protocol.minimum_observation_minutes == 120
    assert protocol.discharge_aldrete_minimum == 9
    iv = Protocol.from_reference(world.one.clinic, Route.IV, Product.RACEMIC_KETAMINE)
    assert (iv.dose_unit, iv.ceiling_mg_per_kg) == (DoseUnit.MG_PER_KG, Decimal(1))


def test_effective_for_no_longer_falls_back_to_code_values():
    clinic = ClinicFactory()
    assert Protocol.objects.effective_for(clinic) is None
    Protocol.from_reference(clinic).save()  # saved, but nobody signed it off
    assert Protocol.objects.effective_for(clinic) is None


def test_a_protocol_is_in_force_once_the_medical_director_signs_it_off(world):
    clinic = ClinicFactory()
    director = ProviderFactory(clinic=clinic, role=Role.PRESCRIBER, directs_clinic=False)
    protocol = Protocol.from_reference(clinic)
    protocol.active = True
    protocol.save()
    with pytest.raises(ValidationError, match="medical director"):
        sign_off(protocol, director.user, password=PASSWORD)  # a prescriber, not the director
    with pytest.raises(ValidationError, match="medical director"):
        sign_off(protocol, world.one.staff[Role.PRESCRIBER].user, password=PASSWORD)  # elsewhere
    director.is_medical_director = True
    director.save()
    protocol = sign_off(protocol, director.user, password=PASSWORD)
    assert Protocol.objects.effective_for(clinic) == protocol and protocol.is_in_force


def test_the_medical_director_must_be_a_prescriber_one_per_clinic(world):
    nurse = world.one.staff[Role.NURSE]
    nurse.is_medical_director = True
    with pytest.raises(ValidationError):
        nurse.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        nurse.save()
    second = ProviderFactory(clinic=world.one.clinic, role=Role.PRESCRIBER)
    second.is_medical_director = True
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_a_change_of_values_is_a_new_version_that_lapses_the_sign_off(world):
    protocol = Protocol.objects.effective_for(world.one.clinic)
    assert protocol.version == 1 and protocol.is_in_force
    protocol.name = "Renamed"  # not a clinical value
    protocol.save()
    assert protocol.version == 1 and protocol.is_in_force
    protocol.ceiling_mg = Decimal(450)
    protocol.save()
    assert protocol.version == 2 and not protocol.is_in_force
    assert Protocol.objects.effective_for(world.one.clinic) is None
    sign_off(protocol, world.one.staff[Role.PRESCRIBER].user, password=PASSWORD)
    assert Protocol.objects.effective_for(world.one.clinic) == protocol


def test_one_active_protocol_per_route_and_product(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Protocol.objects.create(clinic=world.one.clinic, name="Second sublingual")
    signed_protocol(world.one.clinic, Route.IV)  # another route is fine


def test_the_ceiling_cannot_sit_below_the_range(world):
    protocol = Protocol.from_reference(world.one.clinic)
    protocol.ceiling_mg = Decimal(300)
    with pytest.raises(ValidationError) as error:
        protocol.full_clean()
    assert "ceiling_mg" in error.value.message_dict
    iv = Protocol.from_reference(world.one.clinic, Route.IV, Product.RACEMIC_KETAMINE)
    iv.ceiling_mg_per_kg = None
    with pytest.raises(ValidationError) as error:
        iv.full_clean()
    assert "ceiling_mg_per_kg" in error.value.message_dict


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
    assert message in refusal_beside(world.one.clinic, "monitoring_minutes", minutes)


def test_dose_range_is_ordered_in_the_database(world):
    with pytest.raises(IntegrityError):
        Protocol.objects.create(
            clinic=world.one.clinic,
            name="Backwards",
            route=Route.IM,
            dose_min_mg=300,
            dose_max_mg=100,
        )


# --- The admin -------------------------------------------------------------------------------


def test_admin_lists_the_version_in_force_for_each_route(world, staff_client):
    signed_protocol(world.one.clinic, Route.IV)
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    response = client.get(reverse("admin:clinic_protocol_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "In force" in page and "Version" in page
    assert {p.route for p in response.context["cl"].result_list} == {Route.SUBLINGUAL, Route.IV}


def test_admin_add_form_starts_from_the_reference_values_for_the_route(world, staff_client):
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    url = reverse("admin:clinic_protocol_add") + "?route=iv&product=racemic_ketamine"
    form = client.get(url).context["adminform"].form
    assert form.initial["dose_unit"] == DoseUnit.MG_PER_KG
    assert form.initial["ceiling_mg_per_kg"] == Decimal(1)
    assert "signed_off_by" not in form.fields  # the director signs on their own page


def test_admin_action_makes_an_unsigned_draft_from_the_reference_values(world, staff_client):
    protocol = Protocol.objects.get(clinic=world.one.clinic)
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    client.post(
        reverse("admin:clinic_protocol_changelist"),
        {"action": "new_draft_from_reference_values", "_selected_action": [protocol.pk]},
    )
    draft = Protocol.objects.exclude(pk=protocol.pk).get(clinic=world.one.clinic)
    assert not draft.active and not draft.is_in_force and draft.ceiling_mg == Decimal(500)
    assert Protocol.objects.effective_for(world.one.clinic) == protocol


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
