"""The demo clinic's protocols: one per route, from the reference values, signed off."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kapclinic.clinic.models import Product, Protocol, Route

ROUTES = (
    (Route.SUBLINGUAL, Product.RACEMIC_KETAMINE),  # the default: intake and plans start here
    (Route.IM, Product.RACEMIC_KETAMINE),
    (Route.IV, Product.RACEMIC_KETAMINE),
    (Route.INTRANASAL, Product.ESKETAMINE),
)


def sign_reference_protocols(clinic, director):
    """Copy the reference values for each route and have the medical director sign them."""
    protocols = []
    # Signed before the oldest demo story begins, as a clinic's protocols would be.
    signed_on = timezone.localdate() - timedelta(days=365)
    with transaction.atomic():
        for index, (route, product) in enumerate(ROUTES):
            protocol = Protocol.from_reference(clinic, route, product)
            protocol.active, protocol.is_default = True, index == 0
            # Today's demo session starts within two hours of seeding: it can be opened now.
            protocol.session_opens_minutes_before = 180
            protocol.save()
            protocols.append(protocol.sign_off(director, on=signed_on))
    return protocols
