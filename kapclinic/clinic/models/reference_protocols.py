"""Reference values per route and product: what a new protocol starts from, never a fallback.

A clinic's admin copies these into a protocol (the admin's add form and its "new draft from
the reference values" action); the protocol is in force only once the medical director signs
it off. Sessions never read these directly.
"""

from decimal import Decimal

from .protocol import DoseUnit, Product, Route

# domain reference §3, per route and product: the starting values of a new protocol. The
# hard ceilings are not in the reference: they are this project's cautious starting values
# (at or a little above the usual upper dose of one administration) for the medical
# director to confirm or change.
REFERENCE_VALUES = {
    (Route.SUBLINGUAL, Product.RACEMIC_KETAMINE): {
        "name": "Sublingual ketamine",
        "dose_unit": DoseUnit.MG,
        "dose_min_mg": Decimal(100),
        "dose_max_mg": Decimal(400),
        "ceiling_mg": Decimal(500),
        "ceiling_mg_per_kg": None,
        "max_session_total": Decimal(400),
    },
    (Route.IM, Product.RACEMIC_KETAMINE): {
        "name": "Intramuscular ketamine",
        "dose_unit": DoseUnit.MG_PER_KG,
        "dose_min_mg": Decimal("0.25"),
        "dose_max_mg": Decimal("0.5"),
        "ceiling_mg": Decimal(150),
        "ceiling_mg_per_kg": Decimal("0.75"),
        "max_session_total": Decimal("0.75"),
    },
    (Route.IV, Product.RACEMIC_KETAMINE): {
        "name": "IV ketamine infusion",
        "dose_unit": DoseUnit.MG_PER_KG,
        "dose_min_mg": Decimal("0.1"),
        "dose_max_mg": Decimal("0.75"),
        "ceiling_mg": Decimal(150),
        "ceiling_mg_per_kg": Decimal("1"),
        "max_session_total": Decimal("1"),
    },
    (Route.INTRANASAL, Product.ESKETAMINE): {
        "name": "Intranasal esketamine (Spravato)",
        "dose_unit": DoseUnit.MG,
        "dose_min_mg": Decimal(56),
        "dose_max_mg": Decimal(84),
        "ceiling_mg": Decimal(84),
        "ceiling_mg_per_kg": None,
        "max_session_total": Decimal(84),
    },
}
