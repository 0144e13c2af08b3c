"""The demo clinic's protocols: one per route, from the reference values, signed off."""

from django.db import transaction

from kapclinic.clinic.models import Product, Protocol, Route
from kapclinic.clinic.protocol_signing import sign_off

ROUTES = (
    (Route.SUBLINGUAL, Product.RACEMIC_KETAMINE),  # the default: intake and plans start here
    (Route.IM, Product.RACEMIC_KETAMINE),
    (Route.IV, Product.RACEMIC_KETAMINE),
    (Route.INTRANASAL, Product.ESKETAMINE),
)


def sign_reference_protocols(clinic, director, password):
    """Copy the reference values for each route and have the medical director sign them, as
    they would: with their own password, dated today."""
    protocols = []
    with transaction.atomic():
        for index, (route, product) in enumerate(ROUTES):
            protocol = Protocol.from_reference(clinic, route, product)
            protocol.active, protocol.is_default = True, index == 0
            # Today's demo session starts within two hours of seeding: it can be opened now.
            protocol.session_opens_minutes_before = 180
            protocol.save()
            protocols.append(sign_off(protocol, director.user, password=password))
    return protocols
