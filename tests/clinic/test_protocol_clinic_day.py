"""Which protocol is in force, and which sign-off dates are allowed, go by the clinic's day."""

from datetime import timedelta

import pytest

from kapclinic.clinic.models import Product, Protocol, Role, Route
from kapclinic.clinic.protocol_signing import sign_off
from tests.clinic_day import move_to_another_day
from tests.factories import PASSWORD, ClinicFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_a_protocol_is_in_force_from_the_clinics_own_day_not_the_servers():
    clinic = ClinicFactory()
    director = ProviderFactory(clinic=clinic, role=Role.PRESCRIBER, is_medical_director=True)
    today = move_to_another_day(clinic)
    protocol = Protocol.from_reference(clinic)
    protocol.active = True
    protocol.save()
    protocol = sign_off(protocol, director.user, password=PASSWORD)  # dated the clinic's day
    assert protocol.signed_off_on == today and protocol.is_in_force
    assert Protocol.objects.effective_for(clinic) == protocol
    assert Protocol.objects.for_route(clinic, Route.SUBLINGUAL, Product.RACEMIC_KETAMINE) == (
        protocol
    )

    Protocol.objects.filter(pk=protocol.pk).update(signed_off_on=today + timedelta(days=1))
    protocol.refresh_from_db()
    assert not protocol.is_in_force
    assert Protocol.objects.effective_for(clinic) is None
    assert Protocol.objects.for_route(clinic, Route.SUBLINGUAL, Product.RACEMIC_KETAMINE) is None
