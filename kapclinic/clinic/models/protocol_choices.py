"""The fixed choices a protocol is made of (route, product, dose unit, booster limits), and
what to say when no protocol is in force for a route and product."""

from django.db import models


class Route(models.TextChoices):
    IV = "iv", "Intravenous infusion"
    IM = "im", "Intramuscular injection"
    SUBLINGUAL = "sublingual", "Sublingual / buccal"
    INTRANASAL = "intranasal", "Intranasal"


class Product(models.TextChoices):
    RACEMIC_KETAMINE = "racemic_ketamine", "Racemic ketamine"
    ESKETAMINE = "esketamine", "Esketamine (Spravato)"


class DoseUnit(models.TextChoices):
    MG = "mg", "mg (fixed dose)"
    MG_PER_KG = "mg/kg", "mg/kg (by body weight)"


class BoosterLimits(models.TextChoices):
    """Which limits the latest reading must be within before a further dose (a booster)."""

    HOLDS = "holds", "The pre-dose holds"
    ALERT_LIMITS = "alert_limits", "The in-session alert limits"


def missing_protocol_message(route, product):
    """What the clinic admin must add when no protocol is in force for a route/product."""
    return (
        f"This clinic has no protocol in force for {Product(product).label}, "
        f"{Route(route).label.lower()}. The clinic admin must add one (start from the "
        "reference values) and the medical director must sign it off before a dosing "
        "session can open."
    )
