"""The protocol admin warns before a change lapses the protocol dosing runs on."""

import pytest
from django.urls import reverse

from kapclinic.clinic.models import Protocol, Role

pytestmark = pytest.mark.django_db


def test_editing_a_protocol_in_force_warns_that_dosing_by_its_route_stops_until_signed(
    world, staff_client
):
    protocol = Protocol.objects.get(clinic=world.one.clinic)
    assert protocol.is_in_force
    client = staff_client(world.one.staff[Role.CLINIC_ADMIN])
    page = client.get(reverse("admin:clinic_protocol_change", args=[protocol.pk]))
    text = page.content.decode()
    assert f"version {protocol.version + 1}" in text
    assert "no dosing by this route" in text
